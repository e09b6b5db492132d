/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* The decision, written once. Plain C over the map layouts of guard-maps.h: the BPF programs
 * include it through guard-policy.bpf.h, and userspace through src/policy/policy-image.h, so
 * explain, --check, replay and the tests decide exactly as the kernel does. Nothing here touches
 * the kernel: callers pass cgroup ids, executable ids and lock marks.
 *
 * The includer defines, before including this file:
 *   GUARD_POLICY_T                       the handle of one policy generation
 *   guard_lookup(policy, kind, a, b)     its entry for a key (struct guard_value *), or NULL
 * and after it guard_glob_match() and guard_glob_scan() (see there).
 *
 * Conflicts between rules are settled in one order everywhere (policy_rule_stricter() in the
 * model says the same): enforce over audit, then the harsher action, then the earlier rule. */

#include "guard-event.h"
#include "guard-maps.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

struct guard_decision {
        __u32 verdict;          /* enum guard_verdict */
        __u32 rule;             /* the rule that decided; 0 when nothing governs */
        __u32 action;           /* PolicyAction of that rule */
        __u32 generation;
};

/* Who acts: its cgroup's entry and, if it has one we can trust, its executable. */
struct guard_actor {
        struct guard_value *cgroup;     /* its cgroup's entry (see the callers' lookups), or NULL */
        __u64 exe_dev;          /* kernel dev_t (MKDEV) */
        __u64 exe_ino;
        __u32 exe_known;        /* exe_dev/exe_ino/exe_gen are valid */
        __u32 identity;         /* enum guard_identity_flag, from the task's guard_identity storage */
        __u32 exe_gen;          /* the executable's inode generation (i_generation) */
        __u32 cgroup_late;      /* cgroup is not filled in: guard_actor_entry() finds it when needed */
};

/* The actor's cgroup entry: filled in by userspace; the programs find it only where the decision
 * needs it (guard_actor_entry() of bpf/guard-policy.bpf.h), which most moves do not: one ancestor
 * walk fewer per governed move where no allow entry that names a cgroup, and no delegation, could
 * change the verdict. */
#ifndef guard_actor_entry
#define guard_actor_entry(policy, actor) ((actor)->cgroup)
#endif

/* May an exe rule identify this actor? Not once it asked to change its exe link (prctl
 * PR_SET_MM), until a real exec: the link then names whatever file it chose. */
static __always_inline int guard_actor_exe_trusted(const struct guard_actor *actor) {
        return actor->exe_known && !(actor->identity & GUARD_IDENTITY_EXE_FORGED);
}

/* Does the entry (guard_cgroup_entry(), NULL: none) protect or lock its cgroup? Tasks in such a
 * cgroup are the ones the guard confines: none of them may attach to a task outside their own
 * cgroup and those below it (bpf/guard-tamper.bpf.h). Who may switch the guard off is another
 * question: guard_cgroup_admin(). */
static __always_inline int guard_cgroup_confines(const struct guard_value *v) {
        if (!v)
                return 0;
        for (int i = 0; i < GUARD_NS_TYPES; i++)
                if (v->cgroup.lock_rule[i])
                        return 1;
        return v->cgroup.protect_rule != 0;
}

/* Is the cgroup cgroup_id, whose entry is v (guard_cgroup_entry(), NULL: none), an admin cgroup:
 * one the policy's "admin" list names (by default PID 1's cgroup, /init.scope, and the guard's own
 * unit)? Tasks there, and only there, may use the off-switches: the D-Bus verbs that change what
 * the kernel enforces, and the guard's binary acting as the guard (cgroup-guardd --unload).
 * Nothing else counts, whatever the policy confines or not. Not the root cgroup, where kernel
 * threads and the kernel's usermode helpers (a core_pattern pipe, modprobe) run for anyone who
 * can set them off, unless config (the generation's GUARD_KEY_CONFIG entry) says root_admin: the
 * default list where PID 1 itself runs there (no systemd), so the admin keeps an off-switch. */
static __always_inline int guard_cgroup_admin(const struct guard_value *config, const struct guard_value *v,
                                              __u64 cgroup_id) {
        if (cgroup_id == GUARD_CGROUP_ROOT_ID)
                return config && config->config.root_admin;
        return v && v->cgroup.admin;
}

/* Is moving a task into cgroup dst (entry dst_entry) refused as a way into the admin cgroups? Only
 * PID 1, its children before they exec, the guard (trusted) and tasks in an admin cgroup already
 * (actor_admin) may: anyone else who got in would use the off-switches from there. Not the root
 * cgroup, an admin cgroup only without systemd (root_admin), where every task starts and returns
 * (name an "admin" list to close that). Below an admin cgroup counts as in it (its entry). */
static __always_inline int guard_admin_join_refused(const struct guard_value *config, const struct guard_value *dst_entry,
                                                    __u64 dst, int trusted, int actor_admin) {
        if (dst == GUARD_CGROUP_ROOT_ID || !guard_cgroup_admin(config, dst_entry, dst))
                return 0;
        return !trusted && !actor_admin;
}

/* Is a task the guard itself (tamper protection: its maps, programs, links, pins)? The guard's
 * mark says so (the loader sets it on its own task before it attaches anything, and a restart
 * PID 1 runs gets it at the exec); a task that forged its exe link never is; otherwise a task
 * running the guard's binary (runs_binary: its exe link is the guard's executable) is the guard
 * only in an admin cgroup (admin: guard_cgroup_admin() of its cgroup): the admin's
 * cgroup-guardd --status or --unload. Injected code (LD_PRELOAD) elsewhere, confined or not, and
 * the kernel's usermode helpers in the root cgroup gain nothing: the binary alone is no identity. */
/* May a task with these identity marks count as an admin, in an admin cgroup? Not PID 1's child
 * before its exec, nor what it ran or forked while still in PID 1's cgroup (PID1_CGROUP): code
 * there that is not systemd's (an NSS module, for User=). */
static __always_inline int guard_identity_may_be_admin(__u32 identity) {
        return !(identity & (GUARD_IDENTITY_PID1_CHILD | GUARD_IDENTITY_PID1_CGROUP));
}

static __always_inline int guard_identity_is_self(__u32 identity, int runs_binary, int admin) {
        if (identity & GUARD_IDENTITY_SELF)
                return 1;
        if (identity & (GUARD_IDENTITY_EXE_FORGED | GUARD_IDENTITY_PID1_CGROUP))
                return 0;
        return runs_binary && admin;
}

static __always_inline void guard_decision_init(struct guard_decision *d) {
        d->verdict = GUARD_VERDICT_ALLOW;
        d->rule = 0;
        d->action = 0;
        d->generation = 0;
}

/* Is rule a (mode, action, id) stricter than rule b? */
static __always_inline int guard_rule_stricter(__u32 a_mode, __u32 a_action, __u32 a_id, __u32 b_mode,
                                               __u32 b_action, __u32 b_id) {
        if (a_mode != b_mode)
                return a_mode > b_mode;
        if (a_action != b_action)
                return a_action > b_action;
        return a_id < b_id;
}

static __always_inline __u32 guard_verdict_of_mode(__u32 mode) {
        return mode == GUARD_MODE_ENFORCE ? GUARD_VERDICT_DENY :
               mode == GUARD_MODE_AUDIT ? GUARD_VERDICT_AUDIT : GUARD_VERDICT_ALLOW;
}

static __always_inline void guard_decision_generation(GUARD_POLICY_T policy, struct guard_decision *d) {
        struct guard_value *config = guard_lookup(policy, GUARD_KEY_CONFIG, 0, 0);

        if (config)
                d->generation = config->config.generation;
}

/* The entry whose protect rule governs a move between src and dst: the stricter one. The
 * entries carry their rule's mode and action, so this needs no rule lookups. */
static __always_inline struct guard_cgroup_info *guard_governing(struct guard_value *src, struct guard_value *dst) {
        struct guard_cgroup_info *a = src && src->cgroup.protect_rule ? &src->cgroup : 0;
        struct guard_cgroup_info *b = dst && dst->cgroup.protect_rule ? &dst->cgroup : 0;

        if (!a || !b)
                return a ? a : b;
        return guard_rule_stricter(b->protect_mode, b->protect_action, b->protect_rule, a->protect_mode,
                                   a->protect_action, a->protect_rule) ? b : a;
}

/* The local allow entries that count at one end of a move: a protect entry's local entries
 * count where it speaks, so at a protected end only those of protect entries covering it; an
 * unprotected end (no entry, or no protect rule) takes any. */
static __always_inline __u64 guard_scope(struct guard_value *v) {
        return v && v->cgroup.protect_rule ? v->cgroup.scope_allow : ~0ULL;
}

/* A move that changes nothing: the task (for a cgroup.procs write or a clone, its whole process)
 * is in dst already. It is allowed whoever acts, before any rule is looked at: systemd's forked
 * child writes its own pid into its unit's cgroup.procs, and when PID 1 moved it there first,
 * judging that write with the unit as the actor failed units at random (219/CGROUP). Only in a
 * threaded subtree may the threads of one process sit in different cgroups, so there a
 * cgroup.procs write whose leader is in dst already can still move others: that is decided.
 * src, dst: cgroup ids; threadgroup: cgroup.procs or a new process; dst_threaded: dst is a
 * threaded cgroup or a threaded domain with threaded children. */
static __always_inline int guard_migration_changes_nothing(__u64 src, __u64 dst, int threadgroup, int dst_threaded) {
        return src == dst && (!threadgroup || !dst_threaded);
}

/* Actor moves a task from cgroup src to cgroup dst (cgroup.procs, cgroup.threads, or
 * clone3(CLONE_INTO_CGROUP) with src = the parent's cgroup); src, dst: the cgroups' entries
 * (NULL: none). Cgroup entries are looked up by the callers, who know how to find the entry
 * that applies to a cgroup without one of its own (guard_cgroup_entry() in BPF). A move that
 * takes a task out of the instance of a sealed subtree holding it is denied by the seal,
 * whoever acts, unless one of the seal's own allow entries with "to" matches; if the move is
 * forbidden anyway, the seal decides unless the other rule is stricter by mode or action (the
 * seal is what holds whoever acts: on a tie it is named). Returns the verdict. */
static __always_inline __u32 guard_decide_migration(GUARD_POLICY_T policy, const struct guard_actor *actor,
                                                    struct guard_value *src, struct guard_value *dst,
                                                    struct guard_decision *d) {
        struct guard_value *actor_cg = NULL, *exe, *config;
        struct guard_cgroup_info *governing;
        __u64 match = 0, mask = 0, exe_mask = 0, ends = 0, want = 0;
        int sealed = 0, actor_found = 0;

        guard_decision_init(d);
        if (!policy)
                return d->verdict;

        governing = guard_governing(src, dst);
        if (!governing || governing->protect_mode == GUARD_MODE_OFF)
                return d->verdict;

        config = guard_lookup(policy, GUARD_KEY_CONFIG, 0, 0);
        if (config) {
                d->generation = config->config.generation;
                /* The allow entries this move's two ends admit: the actor's executable and cgroup
                 * are looked up only where an entry left names them. */
                ends = ((dst ? dst->cgroup.to_allow : 0) | config->config.allow_any_to) &
                       ((src ? src->cgroup.from_allow : 0) | config->config.allow_any_from);
                if ((ends & ~config->config.allow_any_exe) && guard_actor_exe_trusted(actor)) {
                        exe = guard_lookup(policy, GUARD_KEY_EXE, GUARD_EXE_KEY_A(actor->exe_dev, actor->exe_gen),
                                           actor->exe_ino);
                        if (!exe)
                                exe = guard_lookup(policy, GUARD_KEY_EXE_ANY_GEN, actor->exe_dev, actor->exe_ino);
                        if (exe)
                                exe_mask = exe->exe.allow;
                }
                want = (exe_mask | config->config.allow_any_exe) & ends;
                if (want & ~config->config.allow_any_cgroup) {
                        actor_cg = guard_actor_entry(policy, actor);
                        actor_found = 1;
                }
                match = want & ((actor_cg ? actor_cg->cgroup.actor_allow : 0) | config->config.allow_any_cgroup);
                mask = match & (config->config.allow_global | (guard_scope(src) & guard_scope(dst)));
        }
        /* A delegated instance holding both ends: moves by a task inside it are its own. */
        if (!mask && !actor_found && src && dst && src->cgroup.delegate_root &&
            src->cgroup.delegate_root == dst->cgroup.delegate_root)
                actor_cg = guard_actor_entry(policy, actor);
        /* A seal whose root is unknown holds every move (fail closed). */
        if (src && src->cgroup.seal_rule && src->cgroup.seal_mode != GUARD_MODE_OFF &&
            !(match & src->cgroup.seal_allow))
                sealed = !dst || !src->cgroup.seal_root || dst->cgroup.seal_root != src->cgroup.seal_root;

        if (mask) {
                d->rule = __builtin_ctzll(mask) + 1;
        } else if (src && dst && actor_cg && src->cgroup.delegate_root &&
                   src->cgroup.delegate_root == dst->cgroup.delegate_root &&
                   src->cgroup.delegate_root == actor_cg->cgroup.delegate_root) {
                d->rule = src->cgroup.delegate_rule;
        } else if (!sealed || governing->protect_mode > src->cgroup.seal_mode ||
                   (governing->protect_mode == src->cgroup.seal_mode &&
                    governing->protect_action > src->cgroup.seal_action)) {
                d->rule = governing->protect_rule;
                d->action = governing->protect_action;
                d->verdict = guard_verdict_of_mode(governing->protect_mode);
                return d->verdict;
        }
        if (sealed) {
                d->rule = src->cgroup.seal_rule;
                d->action = src->cgroup.seal_action;
                d->verdict = guard_verdict_of_mode(src->cgroup.seal_mode);
        }
        return d->verdict;
}

/* A task whose cgroup has entry cg (or NULL), carrying lock mark (or NULL), changes namespaces of the types in
 * mask (CLONE_NEW*): joins another one (setns) or creates new ones (unshare, clone). The
 * strictest of the rules that lock any of those types decides, whether it comes from the
 * task's cgroup (lock) or from the sandbox it entered (lock_on_entry). *ret_type is a type of
 * mask the deciding rule locks. Returns the verdict. */
static __always_inline __u32 guard_decide_namespace(GUARD_POLICY_T policy, struct guard_value *cg,
                                                    const struct guard_task_lock *mark, __u32 mask,
                                                    struct guard_decision *d, __u32 *ret_type) {
        struct guard_value *rule;
        __u32 best = 0, best_mode = 0, best_action = 0, best_type = 0;

        guard_decision_init(d);
        *ret_type = 0;
        if (!policy)
                return d->verdict;

        if (mark && mark->rule && (mark->types & mask)) {
                rule = guard_lookup(policy, GUARD_KEY_RULE, mark->rule, 0);
                if (rule && rule->rule.mode != GUARD_MODE_OFF) {
                        best = mark->rule;
                        best_mode = rule->rule.mode;
                        best_action = rule->rule.action;
                        best_type = mark->types & mask & -(mark->types & mask);
                }
        }
        if (cg)
                for (int i = 0; i < GUARD_NS_TYPES; i++) {
                        __u32 id = cg->cgroup.lock_rule[i];

                        if (!id || !(mask & guard_ns_flag(i)) || id == best)
                                continue;
                        rule = guard_lookup(policy, GUARD_KEY_RULE, id, 0);
                        if (!rule || rule->rule.mode == GUARD_MODE_OFF)
                                continue;
                        if (best && !guard_rule_stricter(rule->rule.mode, rule->rule.action, id, best_mode,
                                                         best_action, best))
                                continue;
                        best = id;
                        best_mode = rule->rule.mode;
                        best_action = rule->rule.action;
                        best_type = guard_ns_flag(i);
                }
        if (!best)
                return d->verdict;
        guard_decision_generation(policy, d);
        d->rule = best;
        d->action = best_action;
        d->verdict = guard_verdict_of_mode(best_mode);
        *ret_type = best_type;
        return d->verdict;
}

/* No rule of the generation locks a type of mask (hints: guard_image_hints() of it), and the
 * mark, if any, locks none of them: changing those namespaces is allowed whatever the task's
 * cgroup, and the programs skip the lookup of its entry. Nor can such a namespace be a sandbox
 * (no lock_on_entry rule names its type). */
static __always_inline int guard_namespace_unruled(const struct guard_hints *hints, const struct guard_task_lock *mark,
                                                   __u32 mask) {
        return hints && (hints->skip_ns_types & mask) == mask && !(mark && mark->rule && (mark->types & mask));
}

/* The decision where guard_namespace_unruled(): allowed, no rule. */
static __always_inline __u32 guard_decide_namespace_unruled(struct guard_decision *d, __u32 *ret_type) {
        guard_decision_init(d);
        *ret_type = 0;
        return d->verdict;
}

/* guard_decide_namespace() as the programs run it (guard_task_decide_namespace_entry()): with the
 * generation's hints. The one difference: a cgroup whose entry is missing (a full map: the
 * GUARD_CGROUP_UNCLASSIFIED entry, locked in every type) is free in the types no rule locks,
 * which the policy leaves free for every cgroup. */
static __always_inline __u32 guard_decide_namespace_hinted(GUARD_POLICY_T policy, const struct guard_hints *hints,
                                                           struct guard_value *cg, const struct guard_task_lock *mark,
                                                           __u32 mask, struct guard_decision *d, __u32 *ret_type) {
        if (guard_namespace_unruled(hints, mark, mask))
                return guard_decide_namespace_unruled(d, ret_type);
        return guard_decide_namespace(policy, cg, mark, mask, d, ret_type);
}

/* The lock_on_entry rule that makes namespaces of type created by a task whose cgroup has
 * entry cg sandboxes (the strictest rule naming that cgroup), or 0. */
static __always_inline __u32 guard_sandbox_rule(struct guard_value *cg, __u32 type) {
        int idx = guard_ns_index(type);

        if (idx < 0 || idx >= GUARD_NS_TYPES)
                return 0;
        return cg ? cg->cgroup.creator_rule[idx] : 0;
}

/* A task whose cgroup has entry cg, carrying mark (or NULL), entered namespace sandbox. Tasks whose cgroup
 * the sandbox's rule names as creator go in and out freely; any other task is locked from now
 * on: *ret_mark is its new mark (the types of every sandbox it entered, held to the strictest
 * of their rules). Returns whether the mark changes. */
static __always_inline int guard_enter_sandbox(GUARD_POLICY_T policy, struct guard_value *cg,
                                               const struct guard_sandbox_ns *sandbox,
                                               const struct guard_task_lock *mark,
                                               struct guard_task_lock *ret_mark) {
        struct guard_value *rule, *old;
        int idx = guard_ns_index(sandbox->type);

        if (!policy || idx < 0 || idx >= GUARD_NS_TYPES)
                return 0;
        if (guard_sandbox_rule(cg, sandbox->type) == sandbox->rule)
                return 0;
        rule = guard_lookup(policy, GUARD_KEY_RULE, sandbox->rule, 0);
        if (!rule || rule->rule.mode == GUARD_MODE_OFF)
                return 0;
        ret_mark->rule = sandbox->rule;
        ret_mark->types = rule->rule.ns_types;
        if (mark)
                ret_mark->types |= mark->types;
        if (mark && mark->rule) {
                old = guard_lookup(policy, GUARD_KEY_RULE, mark->rule, 0);
                if (old && old->rule.mode != GUARD_MODE_OFF &&
                    !guard_rule_stricter(rule->rule.mode, rule->rule.action, sandbox->rule, old->rule.mode,
                                         old->rule.action, mark->rule))
                        ret_mark->rule = mark->rule;
        }
        return 1;
}

/* A task of a process with threads threads that entering sandbox would lock (guard_enter_sandbox())
 * may not enter it while it has other threads: a mark is the thread's own, and its siblings,
 * unmarked in the namespaces it left and sharing its files and memory, would act for it (a review
 * found it). Decided by the sandbox's rule, after the join's own decision. Returns the verdict. */
static __always_inline __u32 guard_decide_sandbox_threads(GUARD_POLICY_T policy, struct guard_value *cg,
                                                          const struct guard_sandbox_ns *sandbox,
                                                          const struct guard_task_lock *mark, __u32 threads,
                                                          struct guard_decision *d) {
        struct guard_task_lock next = { 0 };
        struct guard_value *rule;

        guard_decision_init(d);
        if (!policy || threads <= 1 || !sandbox || !guard_enter_sandbox(policy, cg, sandbox, mark, &next))
                return d->verdict;
        rule = guard_lookup(policy, GUARD_KEY_RULE, sandbox->rule, 0);
        if (!rule)
                return d->verdict;
        guard_decision_generation(policy, d);
        d->rule = sandbox->rule;
        d->action = rule->rule.action;
        d->verdict = guard_verdict_of_mode(rule->rule.mode);
        return d->verdict;
}

/* --- Classifying a new cgroup (mkdir) --- */

/* FNV-1a over a NUL-terminated name of at most GUARD_NAME_MAX bytes: the key of literal
 * components. */
static __always_inline __u64 guard_name_hash(const char *name) {
        __u64 h = 0xcbf29ce484222325ULL;

        for (int i = 0; i < GUARD_NAME_MAX; i++) {
                if (!name[i])
                        break;
                h = (h ^ (unsigned char) name[i]) * 0x100000001b3ULL;
        }
        return h;
}

/* One step of the glob matcher ('*' matches any run, including none; no other specials): the
 * greedy matcher with single-star backtracking, as cgroup_component_match() in userspace. The
 * includer drives it (a plain loop, or bpf_loop() in BPF) until it returns 1. */
struct guard_match {
        const char *pattern;    /* GUARD_COMPONENT_MAX bytes, NUL-terminated */
        const char *name;       /* GUARD_NAME_MAX bytes, NUL-terminated */
        __u32 p, i, star, star_i;
        int matched;
};

#define GUARD_NO_STAR 0xffffffffu

static __always_inline int guard_match_step(struct guard_match *m) {
        __u32 p = m->p, i = m->i;
        char pc, nc;

        if (p >= GUARD_COMPONENT_MAX || i >= GUARD_NAME_MAX) {
                m->matched = 0;
                return 1;
        }
        pc = m->pattern[p];
        nc = m->name[i];
        if (!nc) {
                /* The name is used up: only stars may remain. */
                if (pc == '*') {
                        m->p = p + 1;
                        return 0;
                }
                m->matched = !pc;
                return 1;
        }
        if (pc == '*') {
                m->star = p;
                m->star_i = i;
                m->p = p + 1;
        } else if (pc && pc == nc) {
                m->p = p + 1;
                m->i = i + 1;
        } else if (m->star != GUARD_NO_STAR) {
                m->p = m->star + 1;
                m->i = ++m->star_i;
        } else {
                m->matched = 0;
                return 1;
        }
        return 0;
}

/* Drives guard_match_step() to the end: defined by the includer (a plain loop in userspace,
 * bpf_loop() in BPF, where a long backtracking match would overwhelm the verifier). */
static int guard_glob_match(const char *pattern, const char *name);

/* The globs of one classifier state tried on a name: bit g of mask for each glob g that matches. */
struct guard_glob_scan {
        GUARD_POLICY_T policy;
        const char *name;
        __u64 state;
        __u32 n_globs, mask;
        int failed;             /* a glob of the state has no entry */
};

/* Glob g; returns 1 when the scan is over. */
static __always_inline int guard_glob_scan_step(struct guard_glob_scan *s, __u32 g) {
        struct guard_value *v;

        if (g >= s->n_globs || g >= GUARD_STATE_GLOBS_MAX)
                return 1;
        v = guard_lookup(s->policy, GUARD_KEY_STATE_GLOB, s->state, g);
        if (!v) {
                s->failed = 1;
                return 1;
        }
        if (guard_glob_match(v->glob.component, s->name))
                s->mask |= 1u << g;
        return 0;
}

/* Drives guard_glob_scan_step() over every glob: defined by the includer (bpf_loop() in BPF, so
 * that the verifier checks one glob, not GUARD_STATE_GLOBS_MAX of them). */
static void guard_glob_scan(struct guard_glob_scan *s);

static __always_inline int guard_names_equal(const char *a, const char *b) {
        for (int i = 0; i < GUARD_COMPONENT_MAX; i++) {
                if (a[i] != b[i])
                        return 0;
                if (!a[i])
                        return 1;
        }
        return 0;
}

/* The entry of a new cgroup child_id named name (NUL-terminated) under a parent with entry
 * parent: what the compiler would have given it, from the parent's classifier state. Returns 1
 * with *ret filled, 0 if the state cannot be read (then the caller copies the parent's entry).
 * Only direct loads and map lookups: the kernel side reads the name into map memory first. */
static __always_inline int guard_classify_child(GUARD_POLICY_T policy, const struct guard_cgroup_info *parent,
                                                __u64 child_id, const char *name,
                                                struct guard_cgroup_info *ret) {
        struct guard_value *state, *v;
        __u32 next = 0;

        if (parent->state == 0) {
                *ret = *parent;
                return 1;
        }
        state = guard_lookup(policy, GUARD_KEY_STATE, parent->state, 0);
        if (!state)
                return 0;
        if (state->state.n_literals) {
                v = guard_lookup(policy, GUARD_KEY_STATE_LITERAL, parent->state, guard_name_hash(name));
                if (v && guard_names_equal(v->literal.name, name))
                        next = v->literal.next;
        }
        if (!next) {
                struct guard_glob_scan scan = {
                        .policy = policy, .name = name, .state = parent->state, .n_globs = state->state.n_globs,
                };

                guard_glob_scan(&scan);
                if (scan.failed)
                        return 0;
                v = guard_lookup(policy, GUARD_KEY_STATE_GLOB_NEXT, parent->state, scan.mask);
                if (!v)
                        return 0;
                next = v->next.next;
        }
        state = guard_lookup(policy, GUARD_KEY_STATE, next, 0);
        if (!state)
                return 0;
        *ret = state->state.entry;
        ret->state = state->state.classifies ? next : 0;
        /* The outermost delegated instance: the parent's, or this cgroup if it is the first. */
        if (ret->delegate_rule)
                ret->delegate_root = parent->delegate_rule ? parent->delegate_root : child_id;
        /* Sealed subtrees do not overlap: a sealed parent holds the same instance. */
        if (ret->seal_rule)
                ret->seal_root = parent->seal_rule ? parent->seal_root : child_id;
        return 1;
}
