/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-tree.h"
#include "macro.h"

int cgroup_tree_add(CgroupTree *t, const char *path, uint64_t id) {
        char *copy;

        if (!GREEDY_REALLOC(t->nodes, t->n_allocated, t->n_nodes + 1))
                return -ENOMEM;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        t->nodes[t->n_nodes++] = (CgroupNode) { copy, id };
        return 0;
}

static int compare_nodes(const void *a, const void *b) {
        return strcmp(((const CgroupNode *) a)->path, ((const CgroupNode *) b)->path);
}

void cgroup_tree_sort(CgroupTree *t) {
        if (t->n_nodes > 0)
                qsort(t->nodes, t->n_nodes, sizeof(*t->nodes), compare_nodes);
}

uint64_t cgroup_tree_id(const CgroupTree *t, const char *path) {
        CgroupNode key = { .path = (char *) path };
        const CgroupNode *n;

        if (t->n_nodes == 0)
                return 0;
        n = bsearch(&key, t->nodes, t->n_nodes, sizeof(*t->nodes), compare_nodes);
        return n ? n->id : 0;
}

const char *cgroup_tree_path(const CgroupTree *t, uint64_t id) {
        for (size_t i = 0; i < t->n_nodes; i++)
                if (t->nodes[i].id == id)
                        return t->nodes[i].path;
        return NULL;
}

void cgroup_tree_done(CgroupTree *t) {
        for (size_t i = 0; i < t->n_nodes; i++)
                free(t->nodes[i].path);
        free(t->nodes);
        *t = (CgroupTree) {};
}
