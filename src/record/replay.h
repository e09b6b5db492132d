/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Replay: a candidate policy against recorded operations, decided by the kernel's own code
 * (bpf/guard-decide.h) over the policy compiled for the cgroups the records name. Pure: the
 * records come in as an array, so it is unit tested without a journal.
 *
 * What the records cannot carry is not replayed: executables are matched by path (a journal may
 * come from many hosts, where device and inode numbers differ), and a lock_on_entry mark a task
 * got by entering a sandbox is not known (namespace changes are decided by the task's cgroup). */

#include <stdint.h>

#include "policy.h"
#include "record.h"

/* One distinct operation (same kind, executable, cgroups, types) a rule would deny or audit. */
typedef struct ReplayHit {
        const Record *record;   /* the first record of it (names) */
        uint64_t count;
        uint64_t first_usec, last_usec;
} ReplayHit;

typedef struct ReplayGroup {
        uint32_t rule;          /* rule id; GUARD_RULE_UNCLASSIFIED for the fail-closed entry */
        char name[640];         /* the rule's name ("10-system.json:protect/0"), a chosen one with "(FILE)" */
        const char *verdict;    /* "deny" or "audit" */
        uint64_t count;
        uint64_t first_usec, last_usec;
        ReplayHit *hits;        /* ordered by kind, executable, cgroups */
        size_t n_hits, n_hits_allocated;
} ReplayGroup;

typedef struct Replay {
        ReplayGroup *groups;    /* denials first, then audits; each by rule name */
        size_t n_groups, n_groups_allocated;
        uint64_t n_operations;  /* every recorded operation replayed (sum of counts) */
        uint64_t n_denied, n_audited;
} Replay;

/* p: a loaded policy (policy_load_directory()); its executables are resolved here, by path.
 * Returns 0, -ENOMEM, or -E2BIG with *ret_error (the policy does not compile). */
int replay_run(Policy *p, const Record *records, size_t n_records, Replay *ret, char **ret_error);
void replay_done(Replay *r);
