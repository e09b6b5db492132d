/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-path.h"
#include "decide-diff.h"
#include "policy-decide.h"
#include "policy-image.h"
#include "policy-parse.h"

uint64_t diff_rng_next(DiffRng *r) {
        uint64_t z;

        if (r->size >= 8) {
                memcpy(&z, r->data, 8);
                r->data += 8;
                r->size -= 8;
                return z;
        }
        z = (r->state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

unsigned diff_rng_below(DiffRng *r, unsigned n) {
        return n ? (unsigned) (diff_rng_next(r) % n) : 0;
}

static const char *const cgroups[] = {
        "/",
        "/a", "/a/x", "/a/x/p", "/a/x/q", "/a/y", "/a/z-1", "/a/z-1/p", "/a/z-2",
        "/b", "/b/x", "/b/x/p", "/b/y", "/b/z-1", "/b/z-1/q",
        "/c", "/c/x", "/c/z-2", "/c/z-2/p",
};

size_t diff_n_cgroups(void) {
        return sizeof(cgroups) / sizeof(cgroups[0]);
}

const char *diff_cgroup(size_t i) {
        return cgroups[i];
}

static const char *const exes[DIFF_N_EXES] = {
        "/usr/local/diff/e0", "/usr/local/diff/e1", "/usr/local/diff/e2", "/usr/local/diff/missing",
};

const char *diff_exe(size_t i) {
        return i < DIFF_N_EXES ? exes[i] : NULL;
}

int diff_stat(const char *path, dev_t *ret_dev, ino_t *ret_ino) {
        for (size_t i = 0; i + 1 < DIFF_N_EXES; i++)
                if (strcmp(path, exes[i]) == 0) {
                        *ret_dev = 8;
                        *ret_ino = 1000 + i;
                        return 0;
                }
        return -ENOENT;
}

static const char *const ns_names[] = { "mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time" };

/* A pattern: a path of the universe, sometimes with one component made a glob. */
static void random_pattern(DiffRng *r, char *buf, size_t size) {
        const char *path = cgroups[1 + diff_rng_below(r, diff_n_cgroups() - 1)];
        char *slash;

        snprintf(buf, size, "%s", path);
        if (diff_rng_below(r, 4) != 0)
                return;
        slash = strrchr(buf, '/');
        if (strncmp(slash + 1, "z-", 2) == 0 && diff_rng_below(r, 2))
                strcpy(slash + 3, "*");
        else
                strcpy(slash + 1, "*");
}

static void random_types(DiffRng *r, char *buf, size_t size) {
        /* Half the time one type: then many types are ruled by no rule at all, and the programs
         * decide those without the cgroup's entry (struct guard_hints). */
        unsigned bits = diff_rng_below(r, 2) ? 1u << diff_rng_below(r, 8) : 1 + diff_rng_below(r, 255);
        size_t n = 0;

        n += snprintf(buf + n, size - n, "[");
        for (int i = 0; i < 8; i++)
                if (bits & (1u << i))
                        n += snprintf(buf + n, size - n, "%s\"%s\"", n > 1 ? "," : "", ns_names[i]);
        snprintf(buf + n, size - n, "]");
}

/* Appends to a growing string; aborts on allocation failure (test code). */
static void put(char **s, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char **s, size_t *len, const char *fmt, ...) {
        va_list ap;
        char *chunk;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&chunk, fmt, ap);
        va_end(ap);
        if (n < 0 || !(*s = realloc(*s, *len + n + 1)))
                abort();
        memcpy(*s + *len, chunk, n + 1);
        *len += n;
        free(chunk);
}

bool diff_responses = true;

/* Sealed subtrees of the documents drawn so far (they must not overlap across files) and a
 * counter for explicit rule names (unique across files). */
static char seals[16][128];
static size_t n_seals;
static unsigned n_names;

static bool seal_fits(const char *pattern) {
        if (n_seals >= sizeof(seals) / sizeof(seals[0]))
                return false;
        for (size_t i = 0; i < n_seals; i++)
                if (cgroup_patterns_overlap(seals[i], pattern))
                        return false;
        return true;
}

/* Sometimes ,"name":"nK" (version 2 only). */
static void random_name(DiffRng *r, bool v2, char **s, size_t *len) {
        if (v2 && diff_rng_below(r, 3) == 0)
                put(s, len, ",\"name\":\"n%u\"", n_names++);
}

static void random_pattern_list(DiffRng *r, const char *key, char **s, size_t *len) {
        unsigned k = 1 + diff_rng_below(r, 2);
        char pat[128];

        put(s, len, ",\"%s\":[", key);
        for (unsigned j = 0; j < k; j++) {
                random_pattern(r, pat, sizeof(pat));
                put(s, len, "%s\"%s\"", j ? "," : "", pat);
        }
        put(s, len, "]");
}

/* n allow entries: exe and/or cgroup, maybe to, and (version 2) maybe from and a name. */
static void random_allow_list(DiffRng *r, bool v2, unsigned n, char **s, size_t *len) {
        char pat[128];

        for (unsigned i = 0; i < n; i++) {
                unsigned parts = 1 + diff_rng_below(r, v2 ? 15 : 7); /* exe, cgroup, to, from */

                if (!(parts & 3)) /* the format wants exe or cgroup */
                        parts |= 1 + diff_rng_below(r, 2);
                put(s, len, "%s{", i ? "," : ",\"allow\":[");
                if (parts & 1)
                        put(s, len, "\"exe\":\"%s\"", exes[diff_rng_below(r, DIFF_N_EXES)]);
                if (parts & 2) {
                        random_pattern(r, pat, sizeof(pat));
                        put(s, len, "%s\"cgroup\":\"%s\"", parts & 1 ? "," : "", pat);
                }
                if (parts & 4)
                        random_pattern_list(r, "to", s, len);
                if (parts & 8)
                        random_pattern_list(r, "from", s, len);
                random_name(r, v2, s, len);
                put(s, len, "}%s", i + 1 == n ? "]" : "");
        }
}

/* A protect entry of a version 2 file: a path, or an object with a name, a seal (where it
 * overlaps no other), local allow entries and local delegates inside its subtree. */
static void random_protect_v2(DiffRng *r, const char *pat, char **s, size_t *len) {
        if (diff_rng_below(r, 3) == 0) {
                put(s, len, "\"%s\"", pat);
                return;
        }
        put(s, len, "{\"cgroup\":\"%s\"", pat);
        random_name(r, true, s, len);
        if (diff_rng_below(r, 2) && seal_fits(pat)) {
                snprintf(seals[n_seals++], sizeof(seals[0]), "%s", pat);
                put(s, len, ",\"seal\":true");
        }
        random_allow_list(r, true, diff_rng_below(r, 3), s, len);
        if (diff_rng_below(r, 3) == 0) {
                /* A delegated subtree inside the protected one: the pattern itself or a path it covers. */
                const char *d = pat;

                for (int tries = 0; tries < 8; tries++) {
                        const char *c = cgroups[1 + diff_rng_below(r, diff_n_cgroups() - 1)];

                        if (cgroup_pattern_covers(pat, c, NULL)) {
                                d = c;
                                break;
                        }
                }
                put(s, len, ",\"delegate\":[\"%s\"]", d);
        }
        put(s, len, "}");
}

static char *random_document(DiffRng *r) {
        static const char *const modes[] = { "enforce", "audit", "off" }, *const actions[] = { "deny", "deny+freeze", "deny+kill" };
        char *s = NULL, pat[128], types[128];
        bool v2 = diff_rng_below(r, 2);
        size_t len = 0;
        unsigned n;

        /* "off" is rare: a whole file of rules that count for nothing. */
        put(&s, &len, "{\"version\":%d,\"mode\":\"%s\",\"action\":\"%s\",\"migration\":{\"protect\":[", v2 ? 2 : 1,
            modes[diff_rng_below(r, 7) / 3], actions[diff_responses ? diff_rng_below(r, 3) : 0]);
        n = 1 + diff_rng_below(r, 3);
        for (unsigned i = 0; i < n; i++) {
                random_pattern(r, pat, sizeof(pat));
                put(&s, &len, "%s", i ? "," : "");
                if (v2)
                        random_protect_v2(r, pat, &s, &len);
                else
                        put(&s, &len, "\"%s\"", pat);
        }
        put(&s, &len, "]");
        random_allow_list(r, v2, diff_rng_below(r, 4), &s, &len);
        n = diff_rng_below(r, 3);
        for (unsigned i = 0; i < n; i++) {
                random_pattern(r, pat, sizeof(pat));
                put(&s, &len, "%s\"%s\"%s", i ? "," : ",\"delegate\":[", pat, i + 1 == n ? "]" : "");
        }
        put(&s, &len, "},\"namespaces\":{\"lock\":[");
        n = 1 + diff_rng_below(r, 2);
        for (unsigned i = 0; i < n; i++) {
                random_pattern(r, pat, sizeof(pat));
                random_types(r, types, sizeof(types));
                put(&s, &len, "%s{\"cgroup\":\"%s\",\"types\":%s", i ? "," : "", pat, types);
                random_name(r, v2, &s, &len);
                put(&s, &len, "}");
        }
        put(&s, &len, "]");
        n = diff_rng_below(r, 3);
        for (unsigned i = 0; i < n; i++) {
                random_pattern(r, pat, sizeof(pat));
                random_types(r, types, sizeof(types));
                put(&s, &len, "%s{\"created_by\":{\"cgroup\":\"%s\"},\"types\":%s}%s", i ? "," : ",\"lock_on_entry\":[",
                    pat, types, i + 1 == n ? "]" : "");
        }
        put(&s, &len, "}}\n");
        return s;
}

size_t diff_policy_texts(DiffRng *r, char *texts[3]) {
        size_t n = 1 + diff_rng_below(r, 3);

        n_seals = 0;
        n_names = 0;
        for (size_t i = 0; i < n; i++)
                texts[i] = random_document(r);
        return n;
}

int diff_load_policy(Policy *p, char *const *texts, size_t n) {
        Diagnostics d = {};
        int r = 0;

        for (size_t i = 0; i < n && r == 0; i++) {
                char name[32];

                snprintf(name, sizeof(name), "%zu-diff.json", 10 * (i + 1));
                r = policy_parse_buffer(p, name, texts[i], strlen(texts[i]), &d);
        }
        if (r == 0)
                policy_resolve_executables(p, diff_stat);
        for (size_t i = 0; r < 0 && i < d.n_items; i++)
                fprintf(stderr, "%s:%u:%u: %s\n", d.items[i].path, d.items[i].line, d.items[i].column,
                        d.items[i].message);
        diag_done(&d);
        return r;
}

/* A mark as the kernel could hold it: some lock_on_entry rule and at least its types. */
static void random_mark(DiffRng *r, const Policy *p, DiffOp *op) {
        size_t n = policy_count_rules(p, POLICY_RULE_LOCK_ON_ENTRY), pick;

        op->mark_rule = op->mark_types = 0;
        if (n == 0 || diff_rng_below(r, 3) != 0)
                return;
        pick = diff_rng_below(r, n);
        for (size_t i = 0; i < p->n_rules; i++)
                if (p->rules[i].kind == POLICY_RULE_LOCK_ON_ENTRY && pick-- == 0) {
                        op->mark_rule = p->rules[i].id;
                        op->mark_types = p->rules[i].ns_types | (diff_rng_below(r, 2) ? 0 : guard_ns_flag(diff_rng_below(r, 8)));
                        return;
                }
}

void diff_random_op(DiffRng *r, const Policy *p, DiffOp *ret) {
        size_t n = diff_n_cgroups();
        DiffOp op = { .kind = diff_rng_below(r, _DIFF_OP_MAX) };

        switch (op.kind) {
        case DIFF_OP_MIGRATE:
                op.src = diff_rng_below(r, n);
                op.dst = diff_rng_below(r, n);
                /* Often the actor is the task itself, as with "echo $$ > cgroup.procs". */
                op.actor_cgroup = diff_rng_below(r, 2) ? op.src : diff_rng_below(r, n);
                op.exe = diff_rng_below(r, DIFF_N_EXES + 1);
                break;
        case DIFF_OP_NEW_NAMESPACES:
                op.task_cgroup = diff_rng_below(r, n);
                do
                        op.types |= guard_ns_flag(diff_rng_below(r, 8));
                while (diff_rng_below(r, 2));
                random_mark(r, p, &op);
                break;
        default:
                op.task_cgroup = diff_rng_below(r, n);
                op.types = guard_ns_flag(diff_rng_below(r, 8));
                op.creator_cgroup = diff_rng_below(r, n);
                random_mark(r, p, &op);
                break;
        }
        *ret = op;
}

static Verdict verdict_of(const struct guard_decision *d) {
        return d->verdict == GUARD_VERDICT_DENY ? VERDICT_DENY : d->verdict == GUARD_VERDICT_AUDIT ? VERDICT_AUDIT : VERDICT_ALLOW;
}

/* Compares verdicts and, when something is denied or audited, the rule and action. */
static int compare(const PolicyDecision *model, const struct guard_decision *kernel, char *buf, size_t size,
                   const char *what) {
        if (model->verdict == verdict_of(kernel) &&
            (model->verdict == VERDICT_ALLOW ||
             (model->rule && model->rule->id == kernel->rule && (uint32_t) model->action == kernel->action)))
                return 0;
        snprintf(buf, size, "%s: oracle %s (rule %u, action %d: %s), kernel code %s (rule %u, action %u)", what,
                 verdict_to_string(model->verdict), model->rule ? model->rule->id : 0, model->action, model->reason,
                 verdict_to_string(verdict_of(kernel)), kernel->rule, kernel->action);
        return -1;
}

/* As the programs decide (guard_task_decide_namespace_entry()): where the image's hints say no
 * rule locks the types, without the cgroup's entry. A hint that skips a ruled type shows here. */
static uint32_t kernel_decide_namespace(const PolicyImage *img, struct guard_value *entry, const struct guard_task_lock *mark,
                                        uint32_t types, struct guard_decision *kd, uint32_t *ret_type) {
        struct guard_hints hints;

        guard_image_hints(img, &hints);
        return guard_decide_namespace_hinted(img, &hints, entry, mark, types, kd, ret_type);
}

/* The sandbox rule the programs record for a namespace created by a task (without a mark) whose
 * cgroup has entry: none where the hints skip its type. */
static uint32_t kernel_sandbox_rule(const PolicyImage *img, struct guard_value *entry, uint32_t type) {
        struct guard_hints hints;

        guard_image_hints(img, &hints);
        return guard_namespace_unruled(&hints, NULL, type) ? 0 : guard_sandbox_rule(entry, type);
}

int diff_check_op(const Policy *p, const void *image, const CgroupTree *tree, const uint64_t *ids, const DiffOp *op,
                  char *buf, size_t size) {
        const PolicyImage *img = image;
        struct guard_decision kd;
        PolicyDecision md;
        char what[256];
        uint32_t type;

        if (op->kind == DIFF_OP_MIGRATE) {
                bool known = op->exe < DIFF_N_EXES;
                dev_t dev = 0;
                ino_t ino = 0;
                bool resolved = known && diff_stat(exes[op->exe], &dev, &ino) == 0;
                PolicyActor actor = { .exe = known ? exes[op->exe] : NULL, .exe_resolved = resolved, .exe_dev = dev,
                                      .exe_ino = ino, .cgroup = cgroups[op->actor_cgroup] };
                /* An executable that exists nowhere has an inode nobody's rule names. */
                struct guard_actor who = { .cgroup = policy_image_cgroup(img, tree, ids[op->actor_cgroup]), .exe_known = known,
                                           .exe_dev = kernel_dev(known ? 8 : 0), .exe_ino = resolved ? ino : 999999 };

                if (known && !resolved) {
                        actor.exe_resolved = true;
                        actor.exe_dev = 8;
                        actor.exe_ino = 999999;
                }
                policy_decide_migration(p, &actor, cgroups[op->src], cgroups[op->dst], &md);
                guard_decide_migration(img, &who, policy_image_cgroup(img, tree, ids[op->src]),
                                       policy_image_cgroup(img, tree, ids[op->dst]), &kd);
                snprintf(what, sizeof(what), "migrate %s -> %s by %s in %s", cgroups[op->src], cgroups[op->dst],
                         known ? exes[op->exe] : "(no exe)", cgroups[op->actor_cgroup]);
                return compare(&md, &kd, buf, size, what);
        }

        PolicyNsTask task = { .cgroup = cgroups[op->task_cgroup], .entered = policy_rule_by_id(p, op->mark_rule),
                              .entered_types = op->mark_types };
        struct guard_task_lock mark = { .rule = op->mark_rule, .types = op->mark_types };

        if (op->kind == DIFF_OP_NEW_NAMESPACES) {
                policy_decide_new_namespace(p, &task, op->types, &md);
                kernel_decide_namespace(img, policy_image_cgroup(img, tree, ids[op->task_cgroup]), &mark, op->types, &kd, &type);
                snprintf(what, sizeof(what), "new namespaces 0x%x in %s, mark %u/0x%x", op->types, task.cgroup,
                         op->mark_rule, op->mark_types);
                return compare(&md, &kd, buf, size, what);
        }

        PolicyNsTask after;
        snprintf(what, sizeof(what), "setns 0x%x in %s into a namespace made in %s, mark %u/0x%x", op->types,
                 task.cgroup, cgroups[op->creator_cgroup], op->mark_rule, op->mark_types);
        policy_decide_setns(p, &task, op->types, cgroups[op->creator_cgroup], &md, &after);
        kernel_decide_namespace(img, policy_image_cgroup(img, tree, ids[op->task_cgroup]), &mark, op->types, &kd, &type);
        if (compare(&md, &kd, buf, size, what) < 0)
                return -1;
        if (kd.verdict == GUARD_VERDICT_DENY)
                return 0;

        /* Allowed: the namespace may be a sandbox, and the task's mark afterwards must agree. */
        struct guard_sandbox_ns sandbox = { .type = op->types,
                                            .rule = kernel_sandbox_rule(img, policy_image_cgroup(img, tree, ids[op->creator_cgroup]), op->types) };
        struct guard_task_lock next = mark;
        if (sandbox.rule)
                (void) guard_enter_sandbox(img, policy_image_cgroup(img, tree, ids[op->task_cgroup]), &sandbox, &mark, &next);
        uint32_t model_rule = after.entered ? after.entered->id : 0;
        if (model_rule == next.rule && (after.entered ? after.entered_types : 0) == (next.rule ? next.types : 0))
                return 0;
        snprintf(buf, size, "%s: mark afterwards: oracle %u/0x%x, kernel code %u/0x%x", what, model_rule,
                 after.entered_types, next.rule, next.types);
        return -1;
}
