/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-path.h"
#include "guard-maps.h"
#include "learn.h"
#include "macro.h"
#include "policy.h"
#include "string-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

/* --- generalisation --- */

static bool is_hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char) s[i]))
                        return false;
        return true;
}

static bool is_digits(const char *s, size_t n) {
        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isdigit((unsigned char) s[i]))
                        return false;
        return true;
}

static bool has_digit(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (isdigit((unsigned char) s[i]))
                        return true;
        return false;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

char *learn_generalize_name(const char *name) {
        size_t len = strlen(name);
        const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
        char *out, *o;

        if (is_digits(name, len))
                return strdup("*");
        /* A template unit's instance: NAME@INSTANCE.TYPE. */
        if (at && at > name && dot && dot > at + 1 && !strchr(dot, '@'))
                return asprintf(&out, "%.*s@*%s", (int) (at - name), name, dot) < 0 ? NULL : out;

        /* Services too: systemd-run's transient ones are run-uN.service. */
        bool unit = ends_with(name, ".scope") || ends_with(name, ".slice") || ends_with(name, ".service");
        size_t body = unit ? (size_t) (dot - name) : len;

        out = o = malloc(len + 1);
        if (!out)
                return NULL;
        /* Token by token ('-' separated, up to the unit type). */
        for (size_t i = 0; i < body;) {
                size_t n = strcspn(name + i, "-");

                if (i + n > body)
                        n = body - i;
                const char *t = name + i;
                if ((n >= 12 && is_hex(t, n)) || (unit && n >= 8 && is_hex(t, n) && has_digit(t, n)))
                        *o++ = '*';
                else if (unit && n >= 13 && isalpha((unsigned char) t[0]) && is_hex(t + 1, n - 1)) {
                        /* run-r<32 hex>.scope (systemd-run --scope's random names) */
                        *o++ = t[0];
                        *o++ = '*';
                }
                else if (unit && is_digits(t, n))
                        *o++ = '*';
                else if (unit && n >= 2 && isalpha((unsigned char) t[0]) && is_digits(t + 1, n - 1)) {
                        *o++ = t[0];
                        *o++ = '*';
                } else {
                        memcpy(o, t, n);
                        o += n;
                }
                i += n;
                if (i < body && name[i] == '-') {
                        *o++ = '-';
                        i++;
                }
        }
        strcpy(o, name + body);
        return out;
}

char *learn_generalize_path(const char *path) {
        size_t len = strlen(path);
        char *out = malloc(2 * len + 2), *o = out; /* a name grows by at most one byte per '@' */

        if (!out)
                return NULL;
        if (streq(path, "/"))
                return strcpy(out, "/"), out;
        for (const char *c = path; *c == '/';) {
                size_t n = strcspn(c + 1, "/");
                char *name = strndup(c + 1, n), *g = name ? learn_generalize_name(name) : NULL;

                free(name);
                if (!g) {
                        free(out);
                        return NULL;
                }
                *o++ = '/';
                o = stpcpy(o, g);
                free(g);
                c += 1 + n;
        }
        *o = '\0';
        return out;
}

/* --- what was seen --- */

typedef enum Coverage {
        COVER_ALLOW,
        COVER_DELEGATE,
        COVER_UNGOVERNED,       /* outside every protected subtree */
        COVER_NOT_LOCKED,       /* namespaces: no generated lock has these types there */
        COVER_DENIED,           /* denied when recorded: left out */
} Coverage;

typedef struct Op {
        RecordKind kind;
        bool denied;
        char *exe;              /* NULL: unknown */
        char *actor, *src, *dst; /* generalised */
        char *delegate;         /* generalised top of the manager's own subtree it moved within; NULL */
        uint32_t ns_types;
        uint64_t count;
        Coverage coverage;
        int rule;               /* index into allow or delegate */
} Op;

static void op_done(Op *o) {
        free(o->exe);
        free(o->actor);
        free(o->src);
        free(o->dst);
        free(o->delegate);
}

static int cmp_str(const char *a, const char *b) {
        return strcmp(a ?: "", b ?: "");
}

static int compare_ops(const void *x, const void *y) {
        const Op *a = x, *b = y;
        int c;

        if (a->denied != b->denied)
                return a->denied ? 1 : -1;
        if (a->kind != b->kind)
                return a->kind < b->kind ? -1 : 1;
        if ((c = cmp_str(a->exe, b->exe)) || (c = cmp_str(a->actor, b->actor)) || (c = cmp_str(a->src, b->src)) ||
            (c = cmp_str(a->dst, b->dst)) || (c = cmp_str(a->delegate, b->delegate)))
                return c;
        return a->ns_types < b->ns_types ? -1 : a->ns_types > b->ns_types;
}

/* The manager's own subtree a move stays in: the nearest common ancestor of the actor's cgroup,
 * the source and the destination, if that is the actor's own cgroup, or its parent when the
 * actor runs in that parent's init.scope (how systemd --user, systemd-nspawn and the like keep
 * a delegated manager's own processes), and neither the root nor a slice (slices group units;
 * nothing manages a slice from inside). NULL otherwise: a manager moving tasks between its
 * siblings is no delegation, whatever their common parent. */
static char *own_subtree(const char *actor, const char *src, const char *dst) {
        size_t n = strlen(actor), actor_len = n;
        const char *paths[] = { src, dst };
        const char *leaf = strrchr(actor, '/');
        char *top, *slash;

        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                while (n > 1 && !(strncmp(actor, paths[i], n) == 0 && (paths[i][n] == '/' || paths[i][n] == '\0')))
                        n = (size_t) ((slash = memrchr(actor, '/', n)) ? slash - actor : 0);
        if (n <= 1 || !leaf)
                return NULL;
        if (n != actor_len && !((size_t) (leaf - actor) == n && streq(leaf, "/init.scope")))
                return NULL;
        top = strndup(actor, n);
        if (!top)
                return NULL;
        if (ends_with(top, ".slice")) {
                free(top);
                return NULL;
        }
        return top;
}

/* The executable an allow entry may name for a recorded one, in *ret (NULL: none, the entry
 * names the actor by its cgroup only). /proc/PID/exe of a replaced file (a package upgrade)
 * ends in " (deleted)": the path it had. A program running from a memfd (rootful crun clones
 * itself into a sealed one) or one the guard could not name has no file an "exe" rule could
 * resolve: "/", "/memfd:...", anything not a normalized absolute path. */
static int learnable_exe(const char *exe, char **ret) {
        size_t n = strlen(exe);

        *ret = NULL;
        if (n > 10 && streq(exe + n - 10, " (deleted)"))
                n -= 10;
        if (n < 2 || exe[0] != '/' || exe[n - 1] == '/' || strncmp(exe, "/memfd:", 7) == 0)
                return 0;
        _cleanup_(freep) char *path = strndup(exe, n);
        if (!path)
                return -ENOMEM;
        if (strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") || ends_with(path, "/.") || ends_with(path, "/.."))
                return 0;
        for (const char *c = path; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        return 0;
        *ret = TAKE_PTR(path);
        return 0;
}

static int op_from_record(const Record *r, Op *ret) {
        Op o = { .kind = r->kind, .ns_types = r->ns_types, .count = r->count, .rule = -1 };

        /* Denied, or (observe backend) a violation of the policy in force: not what to allow. */
        o.denied = r->verdict && (streq(r->verdict, "deny") || streq(r->verdict, "observed"));
        if (r->actor_exe && learnable_exe(r->actor_exe, &o.exe) < 0)
                goto oom;
        if (!(o.actor = learn_generalize_path(r->actor_cgroup)))
                goto oom;
        if (r->kind == RECORD_MIGRATION) {
                _cleanup_(freep) char *own = own_subtree(r->actor_cgroup, r->src_cgroup, r->dst_cgroup);

                if (!(o.src = learn_generalize_path(r->src_cgroup)) || !(o.dst = learn_generalize_path(r->dst_cgroup)))
                        goto oom;
                if (own && !(o.delegate = learn_generalize_path(own)))
                        goto oom;
        }
        *ret = o;
        return 0;
oom:
        op_done(&o);
        return -ENOMEM;
}

/* --- sorted string sets --- */

typedef struct StrSet {
        char **items;
        size_t n, allocated;
} StrSet;

static int compare_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static ssize_t strset_find(const StrSet *s, const char *v) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->items[i], v))
                        return i;
        return -1;
}

static int strset_add(StrSet *s, const char *v) {
        if (strset_find(s, v) >= 0)
                return 0;
        if (!GREEDY_REALLOC(s->items, s->allocated, s->n + 1) || !(s->items[s->n] = strdup(v)))
                return -ENOMEM;
        s->n++;
        return 0;
}

static void strset_sort(StrSet *s) {
        if (s->n > 1)
                qsort(s->items, s->n, sizeof(*s->items), compare_strp);
}

static void strset_done(StrSet *s) {
        for (size_t i = 0; i < s->n; i++)
                free(s->items[i]);
        free(s->items);
        *s = (StrSet) {};
}

/* --- rules --- */

/* A rule name (policy version 2: letters, digits and . _ : @ / + -, at most 64 bytes, unique
 * across files): "learned/allow/3:containerd" from the section, index and a word of its own. */
static void rule_name(char *buf, const char *section, size_t index, const char *word) {
        size_t n = (size_t) snprintf(buf, POLICY_RULE_NAME_MAX + 1, "learned/%s/%zu", section, index);
        const char *w = word ? strrchr(word, '/') : NULL;

        w = w ? w + 1 : word;
        if (!w || !*w || n + 2 > POLICY_RULE_NAME_MAX)
                return;
        buf[n++] = ':';
        for (; *w && n < POLICY_RULE_NAME_MAX; w++)
                buf[n++] = isalnum((unsigned char) *w) || strchr("._:@+-", *w) ? *w : '_';
        buf[n] = '\0';
}


typedef struct Allow {
        char *exe;              /* NULL: any */
        char *cgroup;           /* NULL: any (merged by executable) */
        StrSet to, from;
        uint64_t count;
        char name[POLICY_RULE_NAME_MAX + 1];
} Allow;

typedef struct Lock {
        char *cgroup;
        uint32_t types;
} Lock;


static bool covered(const StrSet *protect, const char *path) {
        for (size_t i = 0; i < protect->n; i++)
                if (cgroup_pattern_covers(protect->items[i], path, NULL))
                        return true;
        return false;
}

/* The first two components ("/system.slice/foo.service"), or NULL if path is shallower. */
static char *unit_of(const char *path) {
        const char *second = strchr(path + 1, '/');

        if (!second)
                return NULL;
        return strndup(path, strcspn(second + 1, "/") + (second + 1 - path));
}

static json_object *json_types(uint32_t types) {
        json_object *a = json_object_new_array();

        for (int i = 0; a && i < GUARD_NS_TYPES; i++)
                if (types & guard_ns_flag(i))
                        json_object_array_add(a, json_object_new_string(ns_type_to_string(guard_ns_flag(i))));
        return a;
}

static json_object *json_strings(const StrSet *s) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < s->n; i++)
                json_object_array_add(a, json_object_new_string(s->items[i]));
        return a;
}

static int compare_allows(const void *x, const void *y) {
        const Allow *a = x, *b = y;
        int c = cmp_str(a->exe, b->exe);

        return c ? c : cmp_str(a->cgroup, b->cgroup);
}

static ssize_t allow_find(Allow *allows, size_t n, const char *exe, const char *cgroup) {
        for (size_t i = 0; i < n; i++)
                if (cmp_str(allows[i].exe, exe) == 0 && cmp_str(allows[i].cgroup, cgroup) == 0 &&
                    (!exe || allows[i].exe) && (!cgroup || allows[i].cgroup))
                        return i;
        return -1;
}

static void allows_free(Allow *allows, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(allows[i].exe);
                free(allows[i].cgroup);
                strset_done(&allows[i].to);
                strset_done(&allows[i].from);
        }
        free(allows);
}

/* Builds the allow entries from the governed, undelegated moves; by_exe merges every actor
 * cgroup of one executable into one entry. */
static int build_allows(Op *ops, size_t n_ops, bool by_exe, Allow **ret, size_t *ret_n) {
        Allow *allows = NULL;
        size_t n = 0, allocated = 0;

        for (size_t i = 0; i < n_ops; i++) {
                Op *o = &ops[i];
                const char *cgroup = by_exe && o->exe ? NULL : o->actor;
                ssize_t k;

                if (o->coverage != COVER_ALLOW)
                        continue;
                k = allow_find(allows, n, o->exe, cgroup);
                if (k < 0) {
                        if (!GREEDY_REALLOC(allows, allocated, n + 1))
                                goto oom;
                        allows[n] = (Allow) {};
                        if ((o->exe && !(allows[n].exe = strdup(o->exe))) ||
                            (cgroup && !(allows[n].cgroup = strdup(cgroup)))) {
                                n++;
                                goto oom;
                        }
                        k = n++;
                }
                if (strset_add(&allows[k].to, o->dst) < 0 || strset_add(&allows[k].from, o->src) < 0)
                        goto oom;
        }
        if (n > 1)
                qsort(allows, n, sizeof(*allows), compare_allows);
        for (size_t k = 0; k < n; k++) {
                strset_sort(&allows[k].to);
                strset_sort(&allows[k].from);
                rule_name(allows[k].name, "allow", k, allows[k].exe ?: allows[k].cgroup);
        }
        for (size_t i = 0; i < n_ops; i++)
                if (ops[i].coverage == COVER_ALLOW) {
                        ops[i].rule = allow_find(allows, n, ops[i].exe, by_exe && ops[i].exe ? NULL : ops[i].actor);
                        allows[ops[i].rule].count += ops[i].count;
                }
        *ret = allows;
        *ret_n = n;
        return 0;
oom:
        allows_free(allows, n);
        return -ENOMEM;
}

_printf_(2, 3) static int append(char **buf, const char *format, ...) {
        char *add, *joined;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&add, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        r = asprintf(&joined, "%s%s", *buf ?: "", add);
        free(add);
        if (r < 0)
                return -ENOMEM;
        free(*buf);
        *buf = joined;
        return 0;
}

/* What learn_run() works on, step by step. */
typedef struct Learner {
        Op *ops;
        size_t n_ops;
        StrSet protect;         /* the governed subtrees */
        StrSet delegates;       /* managers' own subtrees */
        StrSet units;           /* units seen below a protected subtree */
        Allow *allows;
        size_t n_allows;
        Lock *locks;
        size_t n_locks, n_locks_allocated;
} Learner;

static void learner_done(Learner *l) {
        for (size_t i = 0; i < l->n_ops; i++)
                op_done(&l->ops[i]);
        free(l->ops);
        allows_free(l->allows, l->n_allows);
        for (size_t k = 0; k < l->n_locks; k++)
                free(l->locks[k].cgroup);
        free(l->locks);
        strset_done(&l->protect);
        strset_done(&l->delegates);
        strset_done(&l->units);
}

/* One entry per distinct generalised operation. */
static int collect_ops(Learner *l, const Record *records, size_t n_records, LearnResult *out) {
        size_t merged = 0;

        l->ops = calloc(n_records ?: 1, sizeof(*l->ops));
        if (!l->ops)
                return -ENOMEM;
        for (size_t i = 0; i < n_records; i++) {
                if (op_from_record(&records[i], &l->ops[l->n_ops]) < 0)
                        return -ENOMEM;
                l->n_ops++;
                out->n_operations += records[i].count;
        }
        if (l->n_ops > 1)
                qsort(l->ops, l->n_ops, sizeof(*l->ops), compare_ops);
        for (size_t i = 0; i < l->n_ops; i++) {
                if (merged > 0 && compare_ops(&l->ops[merged - 1], &l->ops[i]) == 0) {
                        l->ops[merged - 1].count += l->ops[i].count;
                        op_done(&l->ops[i]);
                        continue;
                }
                l->ops[merged++] = l->ops[i];
        }
        l->n_ops = merged;
        return 0;
}

/* What is governed: the subtrees asked for, or every top-level cgroup seen. */
static int choose_protect(Learner *l, const LearnOptions *opts) {
        if (opts && opts->protect) {
                for (char **p = opts->protect; *p; p++)
                        if (strset_add(&l->protect, *p) < 0)
                                return -ENOMEM;
        } else
                for (size_t i = 0; i < l->n_ops; i++) {
                        const Op *o = &l->ops[i];
                        const char *paths[] = { o->kind == RECORD_MIGRATION ? o->src : o->actor,
                                                o->kind == RECORD_MIGRATION ? o->dst : NULL };

                        if (o->denied)
                                continue;
                        for (size_t k = 0; k < ELEMENTSOF(paths); k++) {
                                _cleanup_(freep) char *top = NULL;

                                if (!paths[k] || streq(paths[k], "/"))
                                        continue;
                                top = strndup(paths[k], strcspn(paths[k] + 1, "/") + 1);
                                if (!top || strset_add(&l->protect, top) < 0)
                                        return -ENOMEM;
                        }
                }
        strset_sort(&l->protect);
        return 0;
}

/* PID 1 starting the guard itself: a recording rarely sees it (the guard ran throughout), and a
 * policy without it fails every restart of cgroup-guardd.service with 219/CGROUP, the "disable"
 * off-switch included. Allowed as PID 1's other unit starts are. */
static int add_guard_unit_start(Learner *l) {
        const char *pid1_exe = NULL;
        bool seen = false;
        Op *grown, *o;

        if (!covered(&l->protect, LEARN_GUARD_UNIT_CGROUP))
                return 0;
        for (size_t i = 0; i < l->n_ops; i++)
                if (l->ops[i].kind == RECORD_MIGRATION && !l->ops[i].denied && streq(l->ops[i].actor, "/init.scope")) {
                        pid1_exe = pid1_exe ?: l->ops[i].exe;
                        seen = seen || streq(l->ops[i].dst, LEARN_GUARD_UNIT_CGROUP);
                }
        if (seen)
                return 0;
        grown = realloc(l->ops, (l->n_ops + 1) * sizeof(*l->ops));
        if (!grown)
                return -ENOMEM;
        l->ops = grown;
        o = &l->ops[l->n_ops++];
        *o = (Op) { .kind = RECORD_MIGRATION, .rule = -1, .actor = strdup("/init.scope"), .src = strdup("/init.scope"),
                    .dst = strdup(LEARN_GUARD_UNIT_CGROUP), .exe = pid1_exe ? strdup(pid1_exe) : NULL };
        if (!o->actor || !o->src || !o->dst || (pid1_exe && !o->exe))
                return -ENOMEM;
        return 0;
}

/* What covers each operation (an allow entry, a delegated subtree, nothing needed), and the
 * delegated subtrees, numbered. */
static int classify_ops(Learner *l, LearnResult *out) {
        for (size_t i = 0; i < l->n_ops; i++) {
                Op *o = &l->ops[i];

                if (o->denied) {
                        o->coverage = COVER_DENIED;
                        out->n_denied += o->count;
                        continue;
                }
                out->n_learned += o->count;
                if (o->kind != RECORD_MIGRATION) {
                        o->coverage = COVER_NOT_LOCKED;
                        continue;
                }
                if (!covered(&l->protect, o->src) && !covered(&l->protect, o->dst)) {
                        o->coverage = COVER_UNGOVERNED;
                        out->n_ungoverned += o->count;
                } else if (o->delegate) {
                        o->coverage = COVER_DELEGATE;
                        if (strset_add(&l->delegates, o->delegate) < 0)
                                return -ENOMEM;
                } else
                        o->coverage = COVER_ALLOW;
        }
        strset_sort(&l->delegates);
        for (size_t i = 0; i < l->n_ops; i++)
                if (l->ops[i].coverage == COVER_DELEGATE)
                        l->ops[i].rule = strset_find(&l->delegates, l->ops[i].delegate);
        return 0;
}

/* One allow entry per actor cgroup and executable, or, when that needs more than the kernel
 * holds, one per executable. */
static int learn_allows(Learner *l, char **ret_error) {
        int r;

        r = build_allows(l->ops, l->n_ops, false, &l->allows, &l->n_allows);
        if (r < 0)
                return r;
        if (l->n_allows > GUARD_ALLOW_MAX) {
                allows_free(l->allows, l->n_allows);
                l->allows = NULL;
                l->n_allows = 0;
                r = build_allows(l->ops, l->n_ops, true, &l->allows, &l->n_allows);
                if (r < 0)
                        return r;
        }
        if (l->n_allows > GUARD_ALLOW_MAX) {
                if (asprintf(ret_error, "The recorded moves need %zu allow entries even with one per executable; "
                             "at most %d are supported: narrow the range (--since, --until) or --protect",
                             l->n_allows, GUARD_ALLOW_MAX) < 0)
                        *ret_error = NULL;
                return -E2BIG;
        }
        return 0;
}

/* Locks: in each protected subtree every namespace type nobody there was seen changing, and in
 * each unit seen below it (its first two components) every type nobody in that unit was seen
 * changing, where that locks more. */
static int learn_locks(Learner *l) {
        for (size_t i = 0; i < l->n_ops; i++) {
                const char *paths[] = { l->ops[i].actor, l->ops[i].src, l->ops[i].dst };

                if (l->ops[i].denied)
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(paths); k++) {
                        _cleanup_(freep) char *unit = paths[k] ? unit_of(paths[k]) : NULL;

                        if (unit && covered(&l->protect, unit) && strset_find(&l->protect, unit) < 0 &&
                            strset_add(&l->units, unit) < 0)
                                return -ENOMEM;
                }
        }
        strset_sort(&l->units);
        for (int pass = 0; pass < 2; pass++) {
                const StrSet *set = pass == 0 ? &l->protect : &l->units;

                for (size_t k = 0; k < set->n; k++) {
                        uint32_t seen = 0, above_seen = 0;

                        if (streq(set->items[k], "/"))
                                continue;
                        for (size_t i = 0; i < l->n_ops; i++) {
                                const Op *o = &l->ops[i];

                                if (o->denied || o->kind == RECORD_MIGRATION)
                                        continue;
                                if (cgroup_pattern_covers(set->items[k], o->actor, NULL))
                                        seen |= o->ns_types;
                                /* What the protected subtree above already locks. */
                                if (pass == 1)
                                        for (size_t p = 0; p < l->protect.n; p++)
                                                if (cgroup_pattern_covers(l->protect.items[p], set->items[k], NULL) &&
                                                    cgroup_pattern_covers(l->protect.items[p], o->actor, NULL))
                                                        above_seen |= o->ns_types;
                        }
                        if ((seen & GUARD_NS_ALL) == GUARD_NS_ALL || (pass == 1 && seen == above_seen))
                                continue;
                        if (!GREEDY_REALLOC(l->locks, l->n_locks_allocated, l->n_locks + 1) ||
                            !(l->locks[l->n_locks].cgroup = strdup(set->items[k])))
                                return -ENOMEM;
                        l->locks[l->n_locks++].types = GUARD_NS_ALL & ~seen;
                }
        }
        return 0;
}

/* {"name": NAME, "cgroup": CGROUP}, the entry of protect, delegate and lock. */
static json_object *json_named_cgroup(const char *name, const char *cgroup) {
        json_object *e = json_object_new_object();

        json_object_object_add(e, "name", json_object_new_string(name));
        json_object_object_add(e, "cgroup", json_object_new_string(cgroup));
        return e;
}

/* The policy, format version 2: every rule named, allow entries with their sources. */
static int policy_text(const Learner *l, char **ret) {
        _cleanup_(json_object_putp) json_object *root = json_object_new_object();
        json_object *migration, *a;
        char name[POLICY_RULE_NAME_MAX + 1];
        const char *text;

        if (!root)
                return -ENOMEM;
        json_object_object_add(root, "version", json_object_new_int(2));
        json_object_object_add(root, "mode", json_object_new_string("enforce"));
        migration = json_object_new_object();
        if (l->protect.n > 0) {
                a = json_object_new_array();
                for (size_t k = 0; k < l->protect.n; k++) {
                        rule_name(name, "protect", k, NULL);
                        json_object_array_add(a, json_named_cgroup(name, l->protect.items[k]));
                }
                json_object_object_add(migration, "protect", a);
        }
        if (l->n_allows > 0) {
                a = json_object_new_array();
                for (size_t k = 0; k < l->n_allows; k++) {
                        const Allow *allow = &l->allows[k];
                        json_object *e = json_object_new_object();

                        json_object_object_add(e, "name", json_object_new_string(allow->name));
                        if (allow->exe)
                                json_object_object_add(e, "exe", json_object_new_string(allow->exe));
                        if (allow->cgroup)
                                json_object_object_add(e, "cgroup", json_object_new_string(allow->cgroup));
                        json_object_object_add(e, "from", json_strings(&allow->from));
                        json_object_object_add(e, "to", json_strings(&allow->to));
                        json_object_array_add(a, e);
                }
                json_object_object_add(migration, "allow", a);
        }
        if (l->delegates.n > 0) {
                a = json_object_new_array();
                for (size_t k = 0; k < l->delegates.n; k++) {
                        rule_name(name, "delegate", k, strrchr(l->delegates.items[k], '/'));
                        json_object_array_add(a, json_named_cgroup(name, l->delegates.items[k]));
                }
                json_object_object_add(migration, "delegate", a);
        }
        json_object_object_add(root, "migration", migration);
        if (l->n_locks > 0) {
                json_object *namespaces = json_object_new_object();

                a = json_object_new_array();
                for (size_t k = 0; k < l->n_locks; k++) {
                        json_object *e;

                        rule_name(name, "lock", k, NULL);
                        e = json_named_cgroup(name, l->locks[k].cgroup);
                        json_object_object_add(e, "types", json_types(l->locks[k].types));
                        json_object_array_add(a, e);
                }
                json_object_object_add(namespaces, "lock", a);
                json_object_object_add(root, "namespaces", namespaces);
        }
        text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text || asprintf(ret, "%s\n", text) < 0)
                return -ENOMEM;
        return 0;
}

/* One line of the summary: the operation, how often, and what covers it. */
static int append_op(char **summary, const Learner *l, const Op *o) {
        char types[128], cover[256], name[POLICY_RULE_NAME_MAX + 1];

        switch (o->coverage) {
        case COVER_ALLOW:
                snprintf(cover, sizeof(cover), "%s", l->allows[o->rule].name);
                break;
        case COVER_DELEGATE:
                rule_name(name, "delegate", o->rule, strrchr(l->delegates.items[o->rule], '/'));
                snprintf(cover, sizeof(cover), "%s (moves inside %s)", name, l->delegates.items[o->rule]);
                break;
        case COVER_UNGOVERNED:
                snprintf(cover, sizeof(cover), "not governed (outside every protected subtree)");
                break;
        case COVER_NOT_LOCKED:
                snprintf(cover, sizeof(cover), "no lock on these types there");
                break;
        case COVER_DENIED:
                snprintf(cover, sizeof(cover), "denied (or a violation) when recorded: left out");
                break;
        }
        /* Names are the processes' own choices: escaped for the terminal. */
        _cleanup_(freep) char *exe = o->exe ? cescape(o->exe) : strdup("(unknown executable)");
        _cleanup_(freep) char *actor = cescape(o->actor);
        _cleanup_(freep) char *src = o->src ? cescape(o->src) : NULL;
        _cleanup_(freep) char *dst = o->dst ? cescape(o->dst) : NULL;

        if (!exe || !actor || (o->src && !src) || (o->dst && !dst))
                return -ENOMEM;
        if (append(summary, "  %8" PRIu64 "x %s by %s in %s: ", o->count, record_kind_to_string(o->kind), exe, actor) < 0)
                return -ENOMEM;
        if ((o->kind == RECORD_MIGRATION ?
                     append(summary, "%s -> %s", src, dst) :
                     append(summary, "%s", record_ns_types_string(o->ns_types, ',', types, sizeof(types)))) < 0)
                return -ENOMEM;
        return append(summary, ": %s\n", cover);
}

/* The summary: every distinct operation, how often, and what covers it. */
static int summary_text(const Learner *l, const LearnResult *out, char **ret) {
        _cleanup_(freep) char *summary = NULL;

        if (append(&summary, "Learned from %" PRIu64 " recorded operation(s), %zu distinct after generalising names:\n",
                   out->n_operations, l->n_ops) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_ops; i++)
                if (append_op(&summary, l, &l->ops[i]) < 0)
                        return -ENOMEM;
        for (size_t k = 0; k < l->n_allows; k++)
                if (append(&summary, "%s (%s%s%s) covers %" PRIu64 " operation(s)\n", l->allows[k].name,
                           l->allows[k].exe ?: "any executable", l->allows[k].cgroup ? " in " : "",
                           l->allows[k].cgroup ?: "", l->allows[k].count) < 0)
                        return -ENOMEM;
        if (out->n_denied > 0 &&
            append(&summary, "%" PRIu64 " operation(s) were denied when recorded and are not allowed.\n", out->n_denied) < 0)
                return -ENOMEM;
        if (out->n_ungoverned > 0 &&
            append(&summary, "%" PRIu64 " operation(s) lie outside every protected subtree and stay ungoverned.\n",
                   out->n_ungoverned) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(summary);
        return 0;
}

int learn_run(const Record *records, size_t n_records, const LearnOptions *opts, LearnResult *ret, char **ret_error) {
        _cleanup_(learn_result_done) LearnResult out = {};
        Learner l = {};
        int r;

        *ret_error = NULL;
        r = collect_ops(&l, records, n_records, &out);
        if (r >= 0)
                r = choose_protect(&l, opts);
        if (r >= 0)
                r = add_guard_unit_start(&l);
        if (r >= 0)
                r = classify_ops(&l, &out);
        if (r >= 0 && out.n_learned == 0) {
                r = -ENODATA;
                if (asprintf(ret_error, "Nothing to learn: every one of the %" PRIu64 " recorded operation(s) was denied "
                             "when it was recorded", out.n_operations) < 0)
                        *ret_error = NULL;
        }
        if (r >= 0)
                r = learn_allows(&l, ret_error);
        if (r >= 0)
                r = learn_locks(&l);
        if (r >= 0)
                r = policy_text(&l, &out.policy);
        if (r >= 0)
                r = summary_text(&l, &out, &out.summary);
        if (r >= 0) {
                out.n_allow = l.n_allows;
                out.n_delegate = l.delegates.n;
                out.n_lock = l.n_locks;
                *ret = out;
                out = (LearnResult) {};
        }
        learner_done(&l);
        return r;
}

void learn_result_done(LearnResult *r) {
        free(r->policy);
        free(r->summary);
        *r = (LearnResult) {};
}
