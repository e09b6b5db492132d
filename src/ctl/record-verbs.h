/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* cgroup-guardctl learn and replay: recorded operations from the journal into a policy, and a
 * candidate policy against them. Both return the process exit status (exit-status.h). */

#include <stdbool.h>
#include <stdint.h>

typedef struct RecordOptions {
        const char *journal_dir;        /* NULL: the local journal */
        uint64_t since, until;          /* CLOCK_REALTIME usec; until UINT64_MAX: no end */
        char **protect;                 /* learn: subtrees to govern (NULL-terminated), NULL: derived */
        bool json;
} RecordOptions;

int verb_replay(const char *policy_dir, const RecordOptions *o);
int verb_learn(const RecordOptions *o);
