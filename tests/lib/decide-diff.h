/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Differential testing of the one decision: random policies (several files, mixed modes and
 * actions, overlapping protect/allow/delegate/lock/lock_on_entry rules, globs) over a fixed
 * cgroup universe, and random operations decided twice, by the model oracle
 * (src/policy/policy-decide.c) and by the kernel's code over the compiled image
 * (bpf/guard-decide.h). Used by the unit test, the libFuzzer target and the VM helper. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup-tree.h"
#include "policy.h"

/* Draws from fuzzer bytes while they last, then from splitmix64. */
typedef struct DiffRng {
        uint64_t state;
        const uint8_t *data;
        size_t size;
} DiffRng;

uint64_t diff_rng_next(DiffRng *r);
unsigned diff_rng_below(DiffRng *r, unsigned n);

/* The universe: cgroup paths (index 0 is "/") and executables. */
size_t diff_n_cgroups(void);
const char *diff_cgroup(size_t i);
#define DIFF_N_EXES 4   /* /usr/local/diff/e0..e2 exist, e3 never does */
const char *diff_exe(size_t i);
/* Fake stat() for the universe's executables (dev 8, inode 1000 + i). */
int diff_stat(const char *path, dev_t *ret_dev, ino_t *ret_ino);

/* Whether files may say deny+freeze or deny+kill (default); off where the responses would
 * freeze or kill the processes a test drives. */
extern bool diff_responses;

/* Writes n_files (1..3) random policy documents; texts[i] is malloc'd. Returns the count. */
size_t diff_policy_texts(DiffRng *r, char *texts[3]);

typedef enum DiffOpKind {
        DIFF_OP_MIGRATE,
        DIFF_OP_NEW_NAMESPACES,
        DIFF_OP_SETNS,
        _DIFF_OP_MAX,
} DiffOpKind;

typedef struct DiffOp {
        DiffOpKind kind;
        size_t actor_cgroup, src, dst;  /* migrate: cgroup indices */
        size_t exe;                     /* migrate: actor's executable (DIFF_N_EXES: none known) */
        size_t task_cgroup;             /* namespaces: the task's cgroup */
        uint32_t types;                 /* new namespaces: CLONE_NEW* mask; setns: one type */
        size_t creator_cgroup;          /* setns: cgroup that created the target namespace */
        uint32_t mark_rule, mark_types; /* the task's lock mark before the operation */
} DiffOp;

void diff_random_op(DiffRng *r, const Policy *p, DiffOp *ret);

/* Decides op both ways; returns 0 if they agree, else -1 with a description in buf. */
int diff_check_op(const Policy *p, const void *image, const CgroupTree *tree, const uint64_t *cgroup_ids,
                  const DiffOp *op, char *buf, size_t size);

/* Parses texts into p (resolving executables with diff_stat); returns 0 or -EINVAL. */
int diff_load_policy(Policy *p, char *const *texts, size_t n);
