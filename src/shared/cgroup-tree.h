/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The cgroup2 hierarchy as the daemon knows it: paths (relative to the root, "/" is the root) and
 * ids. Cgroups come and go one at a time (mkdir and rmdir by anyone with a delegated subtree), so
 * adding, removing and looking up by path or by id are O(log n) each: two balanced search trees
 * (glibc's red-black tsearch(), no hash an attacker choosing names could flood) index nodes[]. */

#include <stddef.h>
#include <stdint.h>

typedef struct CgroupNode {
        const char *path;       /* relative to the cgroup2 root, "/" is the root; owned by the tree */
        uint64_t id;
} CgroupNode;

typedef struct CgroupTree {
        CgroupNode *nodes;      /* every cgroup once, in no particular order (cgroup_tree_sort()) */
        size_t n_nodes;
        size_t n_allocated;
        void *by_id;            /* tsearch() roots over CgroupEntry */
        void *by_path;
} CgroupTree;

/* Adds path -> id; an entry with the same path or the same id is replaced (a cgroup removed and
 * created again under the same name has a new id). */
int cgroup_tree_add(CgroupTree *t, const char *path, uint64_t id);
/* Removes the cgroup with this id and frees its entry. Returns 1 if it was known, else 0. */
int cgroup_tree_remove(CgroupTree *t, uint64_t id);
/* Orders nodes[] by path (a scan's result reads the same every time). O(n log n). */
void cgroup_tree_sort(CgroupTree *t);
uint64_t cgroup_tree_id(const CgroupTree *t, const char *path); /* 0 if unknown */
const char *cgroup_tree_path(const CgroupTree *t, uint64_t id);  /* NULL if unknown */
void cgroup_tree_done(CgroupTree *t);
