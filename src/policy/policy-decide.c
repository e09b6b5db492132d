/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "cgroup-path.h"
#include "macro.h"
#include "policy-decide.h"

const char *verdict_to_string(Verdict v) {
        switch (v) {
        case VERDICT_ALLOW: return "allow";
        case VERDICT_AUDIT: return "audit";
        case VERDICT_DENY: return "deny";
        }
        return NULL;
}



static void decide(const Policy *p, const PolicyRule *rule, PolicyDecision *ret) {
        ret->rule = rule;
        ret->verdict = policy_rule_mode(p, rule) == POLICY_MODE_ENFORCE ? VERDICT_DENY : VERDICT_AUDIT;
        ret->action = policy_rule_action(p, rule);
}

static bool exe_matches(const PolicyRule *r, const PolicyActor *actor) {
        if (!r->exe)
                return true;
        /* Device+inode when both sides know them: a path can be replaced or bind-mounted over; and
         * the generation where the rule's file system told it: an inode number can be reused. */
        if (r->exe_resolved && actor->exe_resolved)
                return r->exe_dev == actor->exe_dev && r->exe_ino == actor->exe_ino &&
                       (!r->exe_gen_known || r->exe_gen == actor->exe_gen);
        if (r->exe_resolved != actor->exe_resolved && actor->exe_resolved)
                return false;
        return actor->exe && streq(r->exe, actor->exe);
}

static bool covers_any(char **patterns, const char *path) {
        for (char **t = patterns; *t; t++)
                if (cgroup_pattern_covers(*t, path, NULL))
                        return true;
        return false;
}

static bool allow_matches(const PolicyRule *r, const PolicyActor *actor, const char *src, const char *dst) {
        if (!exe_matches(r, actor))
                return false;
        if (r->cgroup && !(actor->cgroup && cgroup_pattern_covers(r->cgroup, actor->cgroup, NULL)))
                return false;
        if (r->from && !covers_any(r->from, src))
                return false;
        if (r->to && !covers_any(r->to, dst))
                return false;
        return true;
}

static bool protected(const Policy *p, const char *path) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                if (r->kind == POLICY_RULE_PROTECT && policy_rule_active(p, r) && cgroup_pattern_covers(r->cgroup, path, NULL))
                        return true;
        }
        return false;
}

/* A local entry of protect rule P counts only where P speaks: each end of the move that some
 * protect rule covers must be in P's subtree (a global entry counts everywhere). */
static bool in_scope(const Policy *p, const PolicyRule *r, const char *src, const char *dst) {
        const PolicyRule *parent = policy_rule_parent(p, r);

        if (!parent)
                return true;
        return (!protected(p, src) || cgroup_pattern_covers(parent->cgroup, src, NULL)) &&
               (!protected(p, dst) || cgroup_pattern_covers(parent->cgroup, dst, NULL));
}

/* Source, destination and actor all inside one instance of the delegated subtree. */
static bool delegate_matches(const PolicyRule *r, const PolicyActor *actor, const char *src, const char *dst) {
        char instance[CGROUP_PATH_MAX + 1];
        size_t n;

        if (!cgroup_pattern_covers(r->cgroup, src, &n) || n > CGROUP_PATH_MAX)
                return false;
        memcpy(instance, src, n);
        instance[n] = '\0';
        return cgroup_path_startswith(dst, instance) && actor->cgroup &&
               cgroup_path_startswith(actor->cgroup, instance);
}

/* The seal the move breaks: the active sealed protect rule whose subtree holds src (sealed
 * subtrees do not overlap) when dst lies outside that instance of it; NULL if none. */
static const PolicyRule *broken_seal(const Policy *p, const char *src, const char *dst) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];
                char instance[CGROUP_PATH_MAX + 1];
                size_t n;

                if (r->kind != POLICY_RULE_PROTECT || !r->seal || !policy_rule_active(p, r) ||
                    !cgroup_pattern_covers(r->cgroup, src, &n) || n > CGROUP_PATH_MAX)
                        continue;
                memcpy(instance, src, n);
                instance[n] = '\0';
                return cgroup_path_startswith(dst, instance) ? NULL : r;
        }
        return NULL;
}

/* A local allow entry of the seal that names the destination ("to") lets the move through it. */
static const PolicyRule *seal_passage(const Policy *p, const PolicyRule *seal, const PolicyActor *actor,
                                      const char *src, const char *dst) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                if (r->kind == POLICY_RULE_ALLOW && policy_rule_parent(p, r) == seal && r->to &&
                    policy_rule_active(p, r) && allow_matches(r, actor, src, dst))
                        return r;
        }
        return NULL;
}

static bool stricter_by_mode_or_action(const Policy *p, const PolicyRule *a, const PolicyRule *b) {
        if (policy_rule_mode(p, a) != policy_rule_mode(p, b))
                return policy_rule_mode(p, a) > policy_rule_mode(p, b);
        return policy_rule_action(p, a) > policy_rule_action(p, b);
}

void policy_decide_migration(const Policy *p, const PolicyActor *actor, const char *src, const char *dst,
                             PolicyDecision *ret) {
        const PolicyRule *governing = NULL, *allowed = NULL, *seal;
        char name[POLICY_RULE_NAME_MAX + 256];

        *ret = (PolicyDecision) { .verdict = VERDICT_ALLOW };

        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                if (r->kind != POLICY_RULE_PROTECT || !policy_rule_active(p, r))
                        continue;
                if ((cgroup_pattern_covers(r->cgroup, src, NULL) || cgroup_pattern_covers(r->cgroup, dst, NULL)) &&
                    policy_rule_stricter(p, r, governing))
                        governing = r;
        }
        if (!governing) {
                snprintf(ret->reason, sizeof(ret->reason), "neither %s nor %s is protected", src, dst);
                return;
        }

        for (size_t i = 0; i < p->n_rules && !allowed; i++) {
                const PolicyRule *r = &p->rules[i];

                if (!policy_rule_active(p, r))
                        continue;
                if ((r->kind == POLICY_RULE_ALLOW && allow_matches(r, actor, src, dst) && in_scope(p, r, src, dst)) ||
                    (r->kind == POLICY_RULE_DELEGATE && delegate_matches(r, actor, src, dst)))
                        allowed = r;
        }

        /* A seal holds whoever the actor is: only its own allow entries naming the destination
         * open it. Broken, it denies; if the move is forbidden anyway, the seal is named unless
         * the other rule is stricter by mode or action. */
        seal = broken_seal(p, src, dst);
        if (seal && !seal_passage(p, seal, actor, src, dst) &&
            (allowed || !stricter_by_mode_or_action(p, governing, seal))) {
                decide(p, seal, ret);
                snprintf(ret->reason, sizeof(ret->reason),
                         "%s is sealed by rule '%s' in %s: tasks inside never leave it, whoever moves them, and no "
                         "allow entry of that rule names %s (actor %s in %s)",
                         seal->cgroup, policy_rule_name(seal, name, sizeof(name)), policy_rule_file(p, seal)->name, dst,
                         actor->exe ? actor->exe : "unknown executable", actor->cgroup ? actor->cgroup : "unknown cgroup");
                return;
        }

        if (allowed && allowed->kind == POLICY_RULE_ALLOW) {
                ret->rule = allowed;
                snprintf(ret->reason, sizeof(ret->reason), "actor is allowed by rule '%s' in %s",
                         policy_rule_name(allowed, name, sizeof(name)), policy_rule_file(p, allowed)->name);
                return;
        }
        if (allowed) {
                ret->rule = allowed;
                snprintf(ret->reason, sizeof(ret->reason),
                         "source, destination and actor are inside delegated subtree %s (rule '%s' in %s)",
                         allowed->cgroup, policy_rule_name(allowed, name, sizeof(name)), policy_rule_file(p, allowed)->name);
                return;
        }

        decide(p, governing, ret);
        snprintf(ret->reason, sizeof(ret->reason),
                 "%s is protected by rule '%s' in %s and no allow or delegate rule matches the actor (%s in %s)",
                 governing->cgroup, policy_rule_name(governing, name, sizeof(name)),
                 policy_rule_file(p, governing)->name, actor->exe ? actor->exe : "unknown executable",
                 actor->cgroup ? actor->cgroup : "unknown cgroup");
}

/* The strictest lock rule covering the task for any type in types, or NULL: its cgroup's lock
 * rules and the sandbox rule it is marked with compete in one order. */
static const PolicyRule *find_lock(const Policy *p, const PolicyNsTask *task, uint32_t types) {
        const PolicyRule *best = NULL;

        if (task->entered && policy_rule_active(p, task->entered) && (task->entered_types & types))
                best = task->entered;
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                if (r->kind == POLICY_RULE_LOCK && policy_rule_active(p, r) && (r->ns_types & types) &&
                    task->cgroup && cgroup_pattern_covers(r->cgroup, task->cgroup, NULL) && policy_rule_stricter(p, r, best))
                        best = r;
        }
        return best;
}

const PolicyRule *policy_sandbox_rule(const Policy *p, const char *creator_cgroup, uint32_t ns_type) {
        const PolicyRule *best = NULL;

        for (size_t i = 0; creator_cgroup && i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                if (r->kind == POLICY_RULE_LOCK_ON_ENTRY && policy_rule_active(p, r) && (r->ns_types & ns_type) &&
                    cgroup_pattern_covers(r->cgroup, creator_cgroup, NULL) && policy_rule_stricter(p, r, best))
                        best = r;
        }
        return best;
}

static void explain_lock(const Policy *p, const PolicyNsTask *task, const PolicyRule *r, const char *what,
                         PolicyDecision *ret) {
        char name[POLICY_RULE_NAME_MAX + 256];

        decide(p, r, ret);
        if (r->kind == POLICY_RULE_LOCK_ON_ENTRY)
                snprintf(ret->reason, sizeof(ret->reason),
                         "%s: the task entered a sandbox namespace and is locked by rule '%s' in %s",
                         what, policy_rule_name(r, name, sizeof(name)), policy_rule_file(p, r)->name);
        else
                snprintf(ret->reason, sizeof(ret->reason), "%s: tasks in %s are locked by rule '%s' in %s",
                         what, task->cgroup, policy_rule_name(r, name, sizeof(name)), policy_rule_file(p, r)->name);
}

void policy_decide_setns(const Policy *p, const PolicyNsTask *task, uint32_t ns_type,
                         const char *creator_cgroup, PolicyDecision *ret, PolicyNsTask *ret_locked) {
        const PolicyRule *lock = find_lock(p, task, ns_type);
        char what[64], name[POLICY_RULE_NAME_MAX + 256];

        *ret = (PolicyDecision) { .verdict = VERDICT_ALLOW };
        if (ret_locked)
                *ret_locked = *task;

        snprintf(what, sizeof(what), "joining another %s namespace", ns_type_to_string(ns_type) ?: "?");
        if (lock) {
                explain_lock(p, task, lock, what, ret);
                /* An audited join still happens, and may enter a sandbox (below). */
                if (ret->verdict == VERDICT_DENY)
                        return;
        }

        /* Entering a sandbox: allowed, and from now on the task stays. Tasks in the cgroups its
         * rule names as creator are exempt, so the manager can go in and out of the sandboxes it
         * made. A task whose own cgroup a stricter lock_on_entry rule names is not that rule's. */
        const PolicyRule *sandbox = policy_sandbox_rule(p, creator_cgroup, ns_type);
        if (sandbox && policy_sandbox_rule(p, task->cgroup, ns_type) != sandbox) {
                /* Several sandboxes: the types of all, held to the strictest of their rules. */
                PolicyNsTask next = { .cgroup = task->cgroup, .entered = sandbox,
                                      .entered_types = sandbox->ns_types | task->entered_types };

                if (task->entered && policy_rule_active(p, task->entered) && !policy_rule_stricter(p, sandbox, task->entered))
                        next.entered = task->entered;
                if (ret_locked)
                        *ret_locked = next;
                if (lock)
                        return;
                snprintf(ret->reason, sizeof(ret->reason),
                         "%s: allowed; the target is a sandbox namespace and the task is locked from now on (rule '%s' in %s)",
                         what, policy_rule_name(sandbox, name, sizeof(name)), policy_rule_file(p, sandbox)->name);
                ret->rule = sandbox;
                return;
        }
        if (lock)
                return;
        snprintf(ret->reason, sizeof(ret->reason), "%s: no lock rule covers the task", what);
}

void policy_decide_new_namespace(const Policy *p, const PolicyNsTask *task, uint32_t ns_types,
                                 PolicyDecision *ret) {
        const PolicyRule *lock = find_lock(p, task, ns_types);

        *ret = (PolicyDecision) { .verdict = VERDICT_ALLOW };
        if (lock) {
                explain_lock(p, task, lock, "creating a namespace", ret);
                return;
        }
        snprintf(ret->reason, sizeof(ret->reason), "creating a namespace: no lock rule covers the task");
}
