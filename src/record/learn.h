/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* learn: recorded operations into a policy that allows exactly what was seen, instance names
 * generalised. Pure and deterministic: the same records (in any order) give the same policy text
 * and the same summary. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"

/* One cgroup name generalised to the glob that matches its other instances, or NULL if it names
 * a single unit (a new string otherwise; *ret_changed says whether it differs):
 *   NAME@INSTANCE.TYPE               -> NAME@*.TYPE        (user@1000.service, getty@tty1.service)
 *   a token of 12 or more hex digits -> *                  (docker-<64 hex>.scope, libpod-<hex>.scope)
 *   in a .scope, .slice or .service name, a "-" token that is a number, or one letter and a number
 *                                    -> the letter and *   (user-1000.slice, session-3.scope, run-u14.service)
 *   ... one letter and 12 or more hex digits -> the letter and * (run-r<32 hex>.scope)
 *   ... 8 or more hex digits, a digit among them -> *       (podman-pause-15edc515.scope)
 *   a name that is a number          -> *
 * Returns a new string (a copy when nothing is generalised), NULL without memory. */
char *learn_generalize_name(const char *name);
/* The same for every component of a cgroup path. */
char *learn_generalize_path(const char *path);

/* The guard's own unit: a learned policy lets PID 1 start it (restarts, the "disable" off-switch). */
#define LEARN_GUARD_UNIT_CGROUP "/system.slice/cgroup-guardd.service"

typedef struct LearnOptions {
        char **protect;         /* subtrees to govern (NULL-terminated); NULL: the top-level cgroups seen */
} LearnOptions;

typedef struct LearnResult {
        char *policy;           /* the policy file's text (JSON, ends with a newline) */
        char *summary;          /* what was seen, how often, which generated rule covers it */
        uint64_t n_operations, n_learned, n_denied, n_ungoverned;
        size_t n_allow, n_delegate, n_lock;
} LearnResult;

/* Returns 0, -ENODATA when nothing allowed was recorded (every record was a denial: no policy to
 * propose), -E2BIG when the actors seen need more than 64 allow entries even merged by
 * executable, -ENOMEM. *ret_error says why on failure. */
int learn_run(const Record *records, size_t n_records, const LearnOptions *o, LearnResult *ret, char **ret_error);
void learn_result_done(LearnResult *r);
