/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "cgroup-path.h"
#include "cgroup-tree.h"
#include "macro.h"
#include "policy-compile.h"
#include "policy-image.h"
#include "replay.h"

/* Executables by path: each distinct path one made-up inode on a made-up device, shared by the
 * policy's rules and the records, so a rule matches the records naming its path. */
#define REPLAY_EXE_DEV_MAJOR 0
#define REPLAY_EXE_DEV_MINOR 1

typedef struct ExeName {
        char *path;
        uint64_t ino;
} ExeName;

typedef struct ExeTable {
        void *root;
        uint64_t next;
} ExeTable;

static int compare_exe(const void *a, const void *b) {
        return strcmp(((const ExeName *) a)->path, ((const ExeName *) b)->path);
}

static uint64_t exe_ino(ExeTable *t, const char *path) {
        ExeName key = { .path = (char *) path }, *e, **found;

        found = tfind(&key, &t->root, compare_exe);
        if (found)
                return (*found)->ino;
        e = malloc(sizeof(*e));
        if (!e || !(e->path = strdup(path))) {
                free(e);
                return 0;
        }
        e->ino = ++t->next;
        if (!tsearch(e, &t->root, compare_exe)) {
                free(e->path);
                free(e);
                return 0;
        }
        return e->ino;
}

static void exe_name_free(void *p) {
        ExeName *e = p;

        free(e->path);
        free(e);
}

static ExeTable *resolve_table; /* policy_resolve_executables() takes no context */

static int resolve_by_path(const char *path, dev_t *ret_dev, ino_t *ret_ino) {
        char *canonical = realpath(path, NULL);
        /* What the daemon records is /proc/PID/exe: the file's own path, symbolic links resolved.
         * A rule naming /bin/x on a merged-/usr host means /usr/bin/x there, and the kernel
         * would match it by inode. */
        uint64_t ino = exe_ino(resolve_table, canonical ?: path);

        free(canonical);
        if (ino == 0)
                return -ENOMEM;
        *ret_dev = makedev(REPLAY_EXE_DEV_MAJOR, REPLAY_EXE_DEV_MINOR);
        *ret_ino = ino;
        return 0;
}

static uint64_t next_id;

/* Strings by address: a reader's records share each string (interned), so every cgroup path and
 * executable is looked up once, not once per record. Open addressing, at most half full. */
typedef struct PtrCache {
        const char **keys;
        uint64_t *values;
        size_t n, n_slots;
} PtrCache;

static size_t ptr_slot(const PtrCache *c, const char *key) {
        uint64_t h = (uint64_t) (uintptr_t) key * 0x9e3779b97f4a7c15ULL;
        size_t k = (h ^ (h >> 32)) & (c->n_slots - 1);

        while (c->keys[k] && c->keys[k] != key)
                k = (k + 1) & (c->n_slots - 1);
        return k;
}

static bool ptr_cache_get(const PtrCache *c, const char *key, uint64_t *ret) {
        size_t k;

        if (c->n_slots == 0)
                return false;
        k = ptr_slot(c, key);
        if (!c->keys[k])
                return false;
        *ret = c->values[k];
        return true;
}

static int ptr_cache_put(PtrCache *c, const char *key, uint64_t value) {
        size_t k;

        if (2 * (c->n + 1) > c->n_slots) {
                PtrCache g = { .n_slots = c->n_slots ? 2 * c->n_slots : 1024 };

                g.keys = calloc(g.n_slots, sizeof(*g.keys));
                g.values = calloc(g.n_slots, sizeof(*g.values));
                if (!g.keys || !g.values) {
                        free(g.keys);
                        free(g.values);
                        return -ENOMEM;
                }
                for (size_t i = 0; i < c->n_slots; i++)
                        if (c->keys[i]) {
                                k = ptr_slot(&g, c->keys[i]);
                                g.keys[k] = c->keys[i];
                                g.values[k] = c->values[i];
                                g.n++;
                        }
                free(c->keys);
                free(c->values);
                *c = g;
        }
        k = ptr_slot(c, key);
        if (!c->keys[k])
                c->n++;
        c->keys[k] = key;
        c->values[k] = value;
        return 0;
}

static void ptr_cache_done(PtrCache *c) {
        free(c->keys);
        free(c->values);
        *c = (PtrCache) {};
}

static int tree_add_with_parents(CgroupTree *t, PtrCache *ids, const char *path) {
        char buf[CGROUP_PATH_MAX + 1];
        size_t len;
        uint64_t id;
        int r;

        if (!path || ptr_cache_get(ids, path, &id))
                return 0;
        len = strlen(path);
        if (len == 0 || len > CGROUP_PATH_MAX || path[0] != '/')
                return -EINVAL;
        id = cgroup_tree_id(t, path);
        if (id)
                return ptr_cache_put(ids, path, id);
        memcpy(buf, path, len + 1);
        /* Parents first, so ids read like creation order. */
        for (char *slash = buf + 1; (slash = strchr(slash, '/')); slash++) {
                *slash = '\0';
                if (!cgroup_tree_id(t, buf)) {
                        r = cgroup_tree_add(t, buf, ++next_id);
                        if (r < 0)
                                return r;
                }
                *slash = '/';
        }
        r = cgroup_tree_add(t, path, ++next_id);
        if (r < 0)
                return r;
        return ptr_cache_put(ids, path, next_id);
}

static struct guard_value *entry_of(const PolicyImage *img, const CgroupTree *t, const PtrCache *ids, const char *path) {
        uint64_t id = 0;

        if (path && !ptr_cache_get(ids, path, &id))
                id = cgroup_tree_id(t, path);
        return id ? policy_image_cgroup(img, t, id) : NULL;
}

/* Records that say the same thing, in one order: kind, executable, cgroups, types. */
static int compare_records(const Record *a, const Record *b) {
        int c;

        if (a->kind != b->kind)
                return a->kind < b->kind ? -1 : 1;
        if ((c = strcmp(a->actor_exe ?: "", b->actor_exe ?: "")))
                return c;
        if ((c = strcmp(a->actor_cgroup ?: "", b->actor_cgroup ?: "")))
                return c;
        if ((c = strcmp(a->src_cgroup ?: "", b->src_cgroup ?: "")))
                return c;
        if ((c = strcmp(a->dst_cgroup ?: "", b->dst_cgroup ?: "")))
                return c;
        return a->ns_types < b->ns_types ? -1 : a->ns_types > b->ns_types;
}

static int compare_hits(const void *a, const void *b) {
        return compare_records(((const ReplayHit *) a)->record, ((const ReplayHit *) b)->record);
}

static int compare_groups(const void *a, const void *b) {
        const ReplayGroup *x = a, *y = b;
        int c = strcmp(x->verdict, y->verdict); /* "audit" < "deny": flipped below */

        if (c)
                return -c;
        if ((c = strcmp(x->name, y->name)))
                return c;
        return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static void group_name(const Policy *p, uint32_t id, char *buf, size_t size) {
        const PolicyRule *rule = policy_rule_by_id(p, id);
        char name[POLICY_RULE_NAME_MAX + 256];

        if (id == GUARD_RULE_UNCLASSIFIED)
                snprintf(buf, size, "unclassified (a cgroup the map had no room for)");
        else if (!rule)
                snprintf(buf, size, "rule #%u", id);
        else {
                const char *file = policy_rule_file(p, rule)->name;

                /* A default name says its file already ("10-a.json:protect/0"); a chosen one
                 * gets it added. */
                policy_rule_name(rule, name, sizeof(name));
                if (strncmp(name, file, strlen(file)) == 0 && name[strlen(file)] == ':')
                        snprintf(buf, size, "%s", name);
                else
                        snprintf(buf, size, "%s (%s)", name, file);
        }
}

static ReplayGroup *group_of(Replay *r, const Policy *p, uint32_t rule, uint32_t verdict) {
        const char *v = verdict == GUARD_VERDICT_DENY ? "deny" : "audit";

        for (size_t i = 0; i < r->n_groups; i++)
                if (r->groups[i].rule == rule && streq(r->groups[i].verdict, v))
                        return &r->groups[i];
        if (!GREEDY_REALLOC(r->groups, r->n_groups_allocated, r->n_groups + 1))
                return NULL;
        ReplayGroup *g = &r->groups[r->n_groups++];
        *g = (ReplayGroup) { .rule = rule, .verdict = v, .first_usec = UINT64_MAX };
        group_name(p, rule, g->name, sizeof(g->name));
        return g;
}

static void widen(uint64_t *first, uint64_t *last, const Record *rec) {
        if (rec->first_usec < *first)
                *first = rec->first_usec;
        if (rec->last_usec > *last)
                *last = rec->last_usec;
}

/* Merges the hits of each group that stand for the same operation. */
static void group_finish(ReplayGroup *g) {
        size_t out = 0;

        if (g->n_hits > 1)
                qsort(g->hits, g->n_hits, sizeof(*g->hits), compare_hits);
        for (size_t i = 0; i < g->n_hits; i++) {
                if (out > 0 && compare_records(g->hits[out - 1].record, g->hits[i].record) == 0) {
                        ReplayHit *h = &g->hits[out - 1];

                        h->count += g->hits[i].count;
                        if (g->hits[i].first_usec < h->first_usec)
                                h->first_usec = g->hits[i].first_usec;
                        if (g->hits[i].last_usec > h->last_usec)
                                h->last_usec = g->hits[i].last_usec;
                        continue;
                }
                g->hits[out++] = g->hits[i];
        }
        g->n_hits = out;
}

/* Every cgroup the records name, with its parents. */
static int records_tree(CgroupTree *tree, PtrCache *ids, const Record *records, size_t n_records) {
        for (size_t i = 0; i < n_records; i++) {
                const Record *rec = &records[i];

                /* The parser only lets through absolute paths; longer than any cgroup path: skip. */
                if (tree_add_with_parents(tree, ids, rec->actor_cgroup) == -ENOMEM ||
                    (rec->kind == RECORD_MIGRATION &&
                     (tree_add_with_parents(tree, ids, rec->src_cgroup) == -ENOMEM ||
                      tree_add_with_parents(tree, ids, rec->dst_cgroup) == -ENOMEM)))
                        return -ENOMEM;
        }
        return 0;
}

/* The actor's executable as the decision code knows it: a device of replay's own and an inode
 * per path (the same path, the same inode). */
static int actor_exe(ExeTable *exes, PtrCache *inos, const char *path, struct guard_actor *actor) {
        uint64_t ino;

        actor->exe_known = 1;
        actor->exe_dev = ((uint64_t) REPLAY_EXE_DEV_MAJOR << 20) | REPLAY_EXE_DEV_MINOR;
        if (!ptr_cache_get(inos, path, &ino)) {
                ino = exe_ino(exes, path);
                if (ptr_cache_put(inos, path, ino) < 0)
                        return -ENOMEM;
        }
        actor->exe_ino = ino;
        return 0;
}

/* A denied or audited record, into the group of its rule and verdict. */
static int add_hit(Replay *out, const Policy *p, const struct guard_decision *d, const Record *rec) {
        ReplayGroup *g = group_of(out, p, d->rule, d->verdict);

        if (!g || !GREEDY_REALLOC(g->hits, g->n_hits_allocated, g->n_hits + 1))
                return -ENOMEM;
        g->hits[g->n_hits++] = (ReplayHit) { .record = rec, .count = rec->count, .first_usec = rec->first_usec,
                                             .last_usec = rec->last_usec };
        g->count += rec->count;
        widen(&g->first_usec, &g->last_usec, rec);
        if (d->verdict == GUARD_VERDICT_DENY)
                out->n_denied += rec->count;
        else
                out->n_audited += rec->count;
        return 0;
}

int replay_run(Policy *p, const Record *records, size_t n_records, Replay *ret, char **ret_error) {
        _cleanup_(policy_image_done) PolicyImage img = {};
        struct guard_hints hints;
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        ExeTable exes = {};
        PtrCache ids = {}, inos = {};
        Replay out = {};
        int r;

        *ret_error = NULL;
        next_id = 1;
        r = cgroup_tree_add(&tree, "/", next_id);
        if (r < 0)
                return r;
        r = records_tree(&tree, &ids, records, n_records);
        if (r < 0)
                goto finish;

        resolve_table = &exes;
        /* Unit files are not resolved (policy_resolve_units()): the services the records name ran
         * where they were recorded, and this host's unit files say nothing of that one's. */
        policy_resolve_executables(p, resolve_by_path);
        r = policy_compile(p, &tree, 1, &img, ret_error);
        if (r < 0)
                goto finish;
        guard_image_hints(&img, &hints);

        for (size_t i = 0; i < n_records; i++) {
                const Record *rec = &records[i];
                struct guard_decision d;
                uint32_t type;

                out.n_operations += rec->count;
                if (rec->kind == RECORD_MIGRATION) {
                        struct guard_actor actor = { .cgroup = entry_of(&img, &tree, &ids, rec->actor_cgroup) };

                        if (rec->actor_exe) {
                                r = actor_exe(&exes, &inos, rec->actor_exe, &actor);
                                if (r < 0)
                                        goto finish;
                        }
                        guard_decide_migration(&img, &actor, entry_of(&img, &tree, &ids, rec->src_cgroup),
                                               entry_of(&img, &tree, &ids, rec->dst_cgroup), &d);
                } else
                        guard_decide_namespace_hinted(&img, &hints, entry_of(&img, &tree, &ids, rec->actor_cgroup), NULL,
                                                      rec->ns_types, &d, &type);
                if (d.verdict != GUARD_VERDICT_DENY && d.verdict != GUARD_VERDICT_AUDIT)
                        continue;

                r = add_hit(&out, p, &d, rec);
                if (r < 0)
                        goto finish;
        }
        for (size_t i = 0; i < out.n_groups; i++)
                group_finish(&out.groups[i]);
        if (out.n_groups > 1)
                qsort(out.groups, out.n_groups, sizeof(*out.groups), compare_groups);
        *ret = out;
        out = (Replay) {};
        r = 0;
finish:
        replay_done(&out);
        ptr_cache_done(&ids);
        ptr_cache_done(&inos);
        tdestroy(exes.root, exe_name_free);
        resolve_table = NULL;
        return r;
}

void replay_done(Replay *r) {
        for (size_t i = 0; i < r->n_groups; i++)
                free(r->groups[i].hits);
        free(r->groups);
        *r = (Replay) {};
}
