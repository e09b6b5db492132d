/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Response actions after a denial, scoped to the offender and nobody else:
 *   kill    the offending process (its whole thread group, through a pidfd), never its cgroup:
 *           the processes it shares a cgroup with did nothing;
 *   freeze  the offender's cgroup (cgroup.freeze), only when that cgroup is a unit of its own: the
 *           offender is still in it, it has no child cgroups, and every process in it runs as the
 *           offender's user (real and effective uid, the uid it acted with). And the freeze must
 *           stick: if that user can write the cgroup's cgroup.freeze (it owns it: a delegated
 *           subtree), it could thaw it from any other process, so the nearest ancestor whose
 *           cgroup.freeze it cannot write is frozen instead, provided every process in that
 *           ancestor's subtree runs as the offender's user and it is no protected cgroup, the
 *           root, init.scope or the daemon's own. Root can thaw anything: its own cgroup is what
 *           there is to freeze. Otherwise nothing is frozen and the report says why.
 * Guard rails: nothing in the root cgroup, init.scope or the daemon's own cgroup, nothing when
 * the cgroup the offender acted from is unknown, never a process that started after it acted (a
 * reused pid). */

#include <stdint.h>

#include "policy.h"

typedef struct ResponseTarget {
        uint32_t pid;                   /* the offending process (thread group id) */
        uint64_t acted_usec;            /* CLOCK_BOOTTIME when it acted */
        const char *cgroup;             /* the cgroup it acted from; NULL: unknown */
        const char *moved_to;           /* where its move went, if it moved itself (the observe
                                         * backend reports moves made): it may be there; or NULL */
        uint64_t cgroup_id;             /* its id (the kernel's record): what is frozen; 0: unknown */
        uint32_t uid;                   /* its real uid when it acted (the kernel's record) */
} ResponseTarget;

/* Why nothing in cgroup may be acted on, or NULL if it may. */
const char *response_refusal(const char *cgroup, const char *own_cgroup);

/* Applies action to what t names; returns a description for the event ("killed pid 12 (x)",
 * "froze /x", "not frozen: ...", "refused to kill ..."), or NULL for plain deny. policy: which
 * cgroups are protected; cgroup_root_fd: the verified cgroup2 root (cgroup2_open_root()). The
 * offender's cgroup is opened by its id and its ancestors beneath the root without crossing a
 * mount: a directory mounted over another never turns the freeze on the wrong cgroup. Caller
 * frees. */
char *response_apply(int cgroup_root_fd, const char *own_cgroup, const Policy *policy, const ResponseTarget *t,
                     PolicyAction action);
