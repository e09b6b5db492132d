/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The decision oracle: what the policy says about one migration, setns or new namespace, and
 * which rule says it. It states the contract every backend's BPF programs implement, answers
 * "cgroup-guardctl explain" and is the reference the tests compare kernels against. */

#include "policy.h"

typedef enum Verdict {
        VERDICT_ALLOW,
        VERDICT_AUDIT,  /* would be denied, the rule is in audit mode: allowed and reported */
        VERDICT_DENY,
} Verdict;

typedef struct PolicyActor {
        const char *exe;        /* path of the executable, for messages and unresolved rules */
        bool exe_resolved;      /* exe_dev/exe_ino are valid */
        dev_t exe_dev;
        ino_t exe_ino;
        uint32_t exe_gen;       /* its inode generation (0 if unknown); compared where the rule knows its own */
        const char *cgroup;     /* the actor's cgroup path */
} PolicyActor;

typedef struct PolicyDecision {
        Verdict verdict;
        const PolicyRule *rule; /* the rule that decided; NULL when nothing governs */
        PolicyAction action;    /* for denials and audits */
        char reason[512];
} PolicyDecision;

/* Actor moves a task from src to dst (cgroup.procs, cgroup.threads, or
 * clone3(CLONE_INTO_CGROUP) with src = the parent's cgroup). */
void policy_decide_migration(const Policy *p, const PolicyActor *actor, const char *src, const char *dst,
                             PolicyDecision *ret);

typedef struct PolicyNsTask {
        const char *cgroup;             /* the task's cgroup path */
        const PolicyRule *entered;      /* lock_on_entry rule that locked it, if it entered a sandbox */
        uint32_t entered_types;         /* CLONE_NEW* types it is locked for by entering */
} PolicyNsTask;

/* Task joins (setns) a namespace of type ns_type other than its current one. creator_cgroup is
 * the cgroup of whoever created the target namespace, NULL if unknown. *ret_locked (if
 * non-NULL) is the task afterwards: locked from now on if it entered a sandbox namespace. */
void policy_decide_setns(const Policy *p, const PolicyNsTask *task, uint32_t ns_type,
                         const char *creator_cgroup, PolicyDecision *ret, PolicyNsTask *ret_locked);

/* The lock_on_entry rule that makes namespaces of ns_type created from creator_cgroup sandboxes
 * (the strictest one naming that cgroup), or NULL. */
const PolicyRule *policy_sandbox_rule(const Policy *p, const char *creator_cgroup, uint32_t ns_type);

/* Task creates new namespaces (unshare, clone flags): ns_types is a CLONE_NEW* mask. */
void policy_decide_new_namespace(const Policy *p, const PolicyNsTask *task, uint32_t ns_types,
                                 PolicyDecision *ret);

const char *verdict_to_string(Verdict v);
