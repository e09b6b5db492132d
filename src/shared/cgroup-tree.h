/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A snapshot of the cgroup2 hierarchy: paths (relative to the root, "/" is the root) and ids. */

#include <stddef.h>
#include <stdint.h>

typedef struct CgroupNode {
        char *path;             /* relative to the cgroup2 root, "/" is the root */
        uint64_t id;
} CgroupNode;

typedef struct CgroupTree {
        CgroupNode *nodes;      /* sorted by path */
        size_t n_nodes;
        size_t n_allocated;
} CgroupTree;

int cgroup_tree_add(CgroupTree *t, const char *path, uint64_t id);
void cgroup_tree_sort(CgroupTree *t);
uint64_t cgroup_tree_id(const CgroupTree *t, const char *path); /* 0 if unknown */
const char *cgroup_tree_path(const CgroupTree *t, uint64_t id);  /* NULL if unknown (linear) */
void cgroup_tree_done(CgroupTree *t);

