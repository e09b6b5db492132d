/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Allow entries that name a systemd service by its cgroup ("from": "/system.slice/ssh.service",
 * "to": "/machine.slice/systemd-nspawn@*.service") trust whatever runs there. PID 1 gives a name
 * to any transient unit it is asked for (systemd-run --unit=ssh.service) unless a unit file of
 * that name exists, when it refuses ("already loaded or has a fragment file"). So such an entry
 * holds only while the unit (for an instance: its template) has a unit file: without one it is
 * left out of the policy, and matches nothing, until one appears. */

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

/* Whether the system unit NAME ("ssh.service", "getty@.service") has a unit file here. */
typedef bool (*PolicyUnitFileFunc)(const char *name);

/* The unit file name a "from"/"to" pattern's last component stands for: "NAME.service" as it is,
 * "PREFIX@*.service" and "PREFIX@INSTANCE.service" as the template "PREFIX@.service" (an instance
 * has a unit file through its template; one of its own is rare). Returns 1 and the name, 0 when
 * the pattern does not name a service this way (a slice, a scope, a glob in the name), or -errno. */
int policy_pattern_unit_file(const char *pattern, char **ret_name);

/* Drops from every allow rule's "from" and "to" the entries whose unit has no unit file (NULL:
 * policy_unit_file_exists()), keeping them in from_dropped/to_dropped
 * for messages. A list emptied this way matches nothing: it never becomes "any". Returns -ENOMEM
 * or 0. */
int policy_resolve_units(Policy *p, PolicyUnitFileFunc has_unit_file);

/* The services the policy names, trusted by their definition (policy_pattern_unit_file() of
 * every allow entry's cgroup, from and to, every delegate entry's cgroup, and the admin cgroups): "getty@.service", "ssh.service".
 * Into *ret, a NULL-terminated list of at most max names (the caller frees each and the list);
 * into *ret_omitted (if given) how many names found beyond max were left out (one counted per
 * mention). Returns the count or -ENOMEM. */
int policy_named_units(const Policy *p, size_t max, char ***ret, size_t *ret_omitted);

/* The entries of a from_dropped/to_dropped list, joined by ", " into buf (cut at size). */
char *policy_units_join(char **list, char *buf, size_t size);

/* Whether the system unit NAME has a unit file in policy_unit_dirs and no transient unit has the
 * name (for a template: no transient instance). */
bool policy_unit_file_exists(const char *name);

/* The directories searched for unit files and the transient units' one, NULL-terminated (what
 * the daemon watches). */
#define POLICY_TRANSIENT_DIR "/run/systemd/transient"
#define POLICY_UNIT_DIRS_MAX 5
extern const char *const policy_unit_dirs[POLICY_UNIT_DIRS_MAX + 1];
