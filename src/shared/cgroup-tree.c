/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-tree.h"
#include "macro.h"

/* What both indexes point to: one allocation per cgroup, found by id or by path. */
typedef struct CgroupEntry {
        uint64_t id;
        size_t pos;             /* in nodes[] */
        char *path;
} CgroupEntry;

static int compare_ids(const void *a, const void *b) {
        uint64_t x = ((const CgroupEntry *) a)->id, y = ((const CgroupEntry *) b)->id;

        return x < y ? -1 : x > y;
}

static int compare_paths(const void *a, const void *b) {
        return strcmp(((const CgroupEntry *) a)->path, ((const CgroupEntry *) b)->path);
}

static CgroupEntry *find_id(const CgroupTree *t, uint64_t id) {
        CgroupEntry key = { .id = id };
        void *found = tfind(&key, &t->by_id, compare_ids);

        return found ? *(CgroupEntry **) found : NULL;
}

static CgroupEntry *find_path(const CgroupTree *t, const char *path) {
        CgroupEntry key = { .path = (char *) path };
        void *found = tfind(&key, &t->by_path, compare_paths);

        return found ? *(CgroupEntry **) found : NULL;
}

static void entry_free(CgroupEntry *e) {
        if (e)
                free(e->path);
        free(e);
}

static void remove_entry(CgroupTree *t, CgroupEntry *e) {
        size_t last = t->n_nodes - 1;

        tdelete(e, &t->by_id, compare_ids);
        tdelete(e, &t->by_path, compare_paths);
        /* The last node fills the hole: O(log n) to tell its entry where it went. */
        if (e->pos != last) {
                t->nodes[e->pos] = t->nodes[last];
                find_id(t, t->nodes[e->pos].id)->pos = e->pos;
        }
        t->n_nodes--;
        entry_free(e);

        /* A flood leaves no high-water mark behind. */
        if (t->n_allocated > 64 && t->n_nodes < t->n_allocated / 4) {
                CgroupNode *smaller = realloc(t->nodes, t->n_allocated / 2 * sizeof(*t->nodes));

                if (smaller) {
                        t->nodes = smaller;
                        t->n_allocated /= 2;
                }
        }
}

int cgroup_tree_add(CgroupTree *t, const char *path, uint64_t id) {
        CgroupEntry *e, *old;

        old = find_path(t, path);
        if (old && old->id == id)
                return 0;
        if (old)
                remove_entry(t, old);
        old = find_id(t, id);
        if (old)
                remove_entry(t, old);

        if (!GREEDY_REALLOC(t->nodes, t->n_allocated, t->n_nodes + 1))
                return -ENOMEM;
        e = calloc(1, sizeof(*e));
        if (!e || !(e->path = strdup(path))) {
                entry_free(e);
                return -ENOMEM;
        }
        e->id = id;
        e->pos = t->n_nodes;
        if (!tsearch(e, &t->by_id, compare_ids)) {
                entry_free(e);
                return -ENOMEM;
        }
        if (!tsearch(e, &t->by_path, compare_paths)) {
                tdelete(e, &t->by_id, compare_ids);
                entry_free(e);
                return -ENOMEM;
        }
        t->nodes[t->n_nodes++] = (CgroupNode) { e->path, id };
        return 0;
}

int cgroup_tree_remove(CgroupTree *t, uint64_t id) {
        CgroupEntry *e = find_id(t, id);

        if (!e)
                return 0;
        remove_entry(t, e);
        return 1;
}

static int compare_nodes(const void *a, const void *b) {
        return strcmp(((const CgroupNode *) a)->path, ((const CgroupNode *) b)->path);
}

void cgroup_tree_sort(CgroupTree *t) {
        if (t->n_nodes == 0)
                return;
        qsort(t->nodes, t->n_nodes, sizeof(*t->nodes), compare_nodes);
        for (size_t i = 0; i < t->n_nodes; i++)
                find_id(t, t->nodes[i].id)->pos = i;
}

uint64_t cgroup_tree_id(const CgroupTree *t, const char *path) {
        CgroupEntry *e = find_path(t, path);

        return e ? e->id : 0;
}

const char *cgroup_tree_path(const CgroupTree *t, uint64_t id) {
        CgroupEntry *e = find_id(t, id);

        return e ? e->path : NULL;
}

static void entry_freep_void(void *p) {
        entry_free(p);
}

static void nothing(void *p) {
}

void cgroup_tree_done(CgroupTree *t) {
        /* The path index shares the entries the id index owns. */
        tdestroy(t->by_path, nothing);
        tdestroy(t->by_id, entry_freep_void);
        free(t->nodes);
        *t = (CgroupTree) {};
}
