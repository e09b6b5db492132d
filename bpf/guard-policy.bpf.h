/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* Maps and decisions every backend shares. The programs decide from the maps alone: userspace
 * compiles the policy (src/policy/policy-compile.c) and this file reads it back. The decision
 * oracle (src/policy/policy-decide.c) states the same semantics in plain C. Only direct BTF
 * pointer loads: lockdown=confidentiality refuses bpf_probe_read_kernel(). */

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "guard-event.h"
#include "guard-maps.h"

struct guard_policy_inner {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, GUARD_POLICY_ENTRIES_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, struct guard_key);
        __type(value, struct guard_value);
} guard_policy_template SEC(".maps");

/* Slot 0 holds the active generation. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
        __uint(max_entries, 1);
        __type(key, __u32);
        __array(values, struct guard_policy_inner);
} guard_policy SEC(".maps") = {
        .values = { &guard_policy_template },
};

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 1024 * 1024);
} guard_events SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, _GUARD_COUNTER_MAX);
        __type(key, __u32);
        __type(value, __u64);
} guard_counters SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, int);
        __type(value, struct guard_task_lock);
} guard_task_locks SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 65536);
        __type(key, __u32);     /* namespace inode number */
        __type(value, struct guard_sandbox_ns);
} guard_sandbox_ns SEC(".maps");

struct guard_decision {
        __u32 verdict;          /* enum guard_verdict */
        __u32 rule;
        __u32 action;
        __u32 generation;
};

static __always_inline void guard_decision_init(struct guard_decision *d) {
        d->verdict = GUARD_VERDICT_ALLOW;
        d->rule = 0;
        d->action = 0;
        d->generation = 0;
}

static __always_inline void guard_count(__u32 counter) {
        __u64 *c = bpf_map_lookup_elem(&guard_counters, &counter);

        if (c)
                *c += 1;
}

static __always_inline void *guard_policy_map(void) {
        __u32 zero = 0;

        return bpf_map_lookup_elem(&guard_policy, &zero);
}

static __always_inline struct guard_value *guard_lookup(void *policy, __u32 kind, __u64 a, __u64 b) {
        struct guard_key key = { .kind = kind, .a = a, .b = b };

        return bpf_map_lookup_elem(policy, &key);
}

static __always_inline __u64 guard_task_cgroup_id(struct task_struct *task) {
        return task->cgroups->dfl_cgrp->kn->id;
}

/* Fills verdict/action from the rule's mode; returns the verdict. */
static __always_inline __u32 guard_apply_rule(void *policy, __u32 rule_id, struct guard_decision *d) {
        struct guard_value *rule = guard_lookup(policy, GUARD_KEY_RULE, rule_id, 0);

        d->rule = rule_id;
        if (!rule || rule->rule.mode == GUARD_MODE_OFF)
                d->verdict = GUARD_VERDICT_ALLOW;
        else
                d->verdict = rule->rule.mode == GUARD_MODE_ENFORCE ? GUARD_VERDICT_DENY : GUARD_VERDICT_AUDIT;
        d->action = rule ? rule->rule.action : 0;
        return d->verdict;
}

/* The cgroup whose protect rule governs a move between src and dst: the stricter rule, as the
 * compiler orders them (enforce over audit, then the harsher action, then the earlier rule).
 * The entries carry their rule's mode and action, so this needs no rule lookups. */
static __always_inline struct guard_cgroup_info *guard_governing(struct guard_value *src, struct guard_value *dst) {
        struct guard_cgroup_info *a = src && src->cgroup.protect_rule ? &src->cgroup : NULL;
        struct guard_cgroup_info *b = dst && dst->cgroup.protect_rule ? &dst->cgroup : NULL;

        if (!a || !b)
                return a ?: b;
        if (a->protect_mode != b->protect_mode)
                return a->protect_mode > b->protect_mode ? a : b;
        if (a->protect_action != b->protect_action)
                return a->protect_action > b->protect_action ? a : b;
        return a->protect_rule <= b->protect_rule ? a : b;
}

/* Actor moves a task from src to dst (cgroup ids). */
static __always_inline __u32 guard_decide_migration(struct task_struct *actor, __u64 src_id, __u64 dst_id,
                                                    struct guard_decision *d) {
        struct guard_value *src, *dst, *actor_cg, *exe, *config;
        struct guard_cgroup_info *governing;
        void *policy = guard_policy_map();
        struct file *exe_file;
        __u64 mask, exe_mask = 0;

        guard_decision_init(d);
        if (!policy)
                return d->verdict;

        src = guard_lookup(policy, GUARD_KEY_CGROUP, src_id, 0);
        dst = guard_lookup(policy, GUARD_KEY_CGROUP, dst_id, 0);
        governing = guard_governing(src, dst);
        if (!governing || governing->protect_mode == GUARD_MODE_OFF)
                return d->verdict;

        config = guard_lookup(policy, GUARD_KEY_CONFIG, 0, 0);
        if (config)
                d->generation = config->config.generation;
        actor_cg = guard_lookup(policy, GUARD_KEY_CGROUP, guard_task_cgroup_id(actor), 0);
        exe_file = actor->mm->exe_file;
        if (exe_file) {
                exe = guard_lookup(policy, GUARD_KEY_EXE, exe_file->f_inode->i_sb->s_dev, exe_file->f_inode->i_ino);
                if (exe)
                        exe_mask = exe->exe.allow;
        }
        if (config) {
                mask = (exe_mask | config->config.allow_any_exe) &
                       ((actor_cg ? actor_cg->cgroup.actor_allow : 0) | config->config.allow_any_cgroup) &
                       ((dst ? dst->cgroup.to_allow : 0) | config->config.allow_any_to);
                if (mask) {
                        d->rule = __builtin_ctzll(mask) + 1;
                        return d->verdict;
                }
        }
        if (src && dst && actor_cg && src->cgroup.delegate_root &&
            src->cgroup.delegate_root == dst->cgroup.delegate_root &&
            src->cgroup.delegate_root == actor_cg->cgroup.delegate_root) {
                d->rule = src->cgroup.delegate_rule;
                return d->verdict;
        }
        d->rule = governing->protect_rule;
        d->action = governing->protect_action;
        d->verdict = governing->protect_mode == GUARD_MODE_ENFORCE ? GUARD_VERDICT_DENY : GUARD_VERDICT_AUDIT;
        return d->verdict;
}

/* ns_common's type moved: ns->ns_type on new kernels, ns->ops->type on 6.1. */
struct ns_common___new {
        int ns_type;
} __attribute__((preserve_access_index));

static __always_inline __u32 guard_ns_type(struct ns_common *ns) {
        if (bpf_core_field_exists(((struct ns_common___new *) ns)->ns_type))
                return ((struct ns_common___new *) ns)->ns_type;
        return ns->ops->type;
}

/* Task (in its cgroup, with its lock mark) changes namespaces of the types in mask (CLONE_NEW*):
 * joins another one (setns) or creates new ones. *ret_type is the type that decided. */
static __always_inline __u32 guard_decide_namespace(struct task_struct *task, __u32 mask, struct guard_decision *d,
                                                    __u32 *ret_type) {
        void *policy = guard_policy_map();
        struct guard_task_lock *mark;
        struct guard_value *cg, *config;
        __u32 rule = 0, mark_rule = 0, mark_types = 0;

        guard_decision_init(d);
        *ret_type = 0;
        if (!policy)
                return d->verdict;

        cg = guard_lookup(policy, GUARD_KEY_CGROUP, guard_task_cgroup_id(task), 0);
        mark = bpf_task_storage_get(&guard_task_locks, task, 0, 0);
        if (mark) {
                mark_rule = mark->rule;
                mark_types = mark->types;
        }
        if (mark_types & mask) {
                rule = mark_rule;
                *ret_type = mark_types & mask & -(mark_types & mask);
        }
        if (cg)
                for (int i = 0; i < GUARD_NS_TYPES; i++) {
                        __u32 r = cg->cgroup.lock_rule[i];

                        if (r && (mask & guard_ns_flag(i)) && (!rule || r < rule)) {
                                rule = r;
                                *ret_type = guard_ns_flag(i);
                        }
                }
        if (!rule)
                return d->verdict;
        config = guard_lookup(policy, GUARD_KEY_CONFIG, 0, 0);
        if (config)
                d->generation = config->config.generation;
        return guard_apply_rule(policy, rule, d);
}

static __always_inline __u32 guard_sandbox_rule(struct task_struct *creator, __u32 type);

/* Inode number of the task's current namespace of one type (0 if unknown). */
static __always_inline __u32 guard_task_ns_inum(struct task_struct *task, __u32 type) {
        struct nsproxy *nsp = task->nsproxy;

        switch (type) {
        case 0x00020000: return nsp->mnt_ns->ns.inum;
        case 0x04000000: return nsp->uts_ns->ns.inum;
        case 0x08000000: return nsp->ipc_ns->ns.inum;
        case 0x40000000: return nsp->net_ns->ns.inum;
        case 0x20000000: return nsp->pid_ns_for_children->ns.inum;
        case 0x10000000: return task->cred->user_ns->ns.inum;
        case 0x02000000: return nsp->cgroup_ns->ns.inum;
        case 0x00000080: return nsp->time_ns->ns.inum;
        }
        return 0;
}

/* Task enters namespace inum of type: if it is a sandbox (created from a lock_on_entry creator
 * cgroup) and the task is not one of its creators, it is locked from now on. */
static __always_inline void guard_enter_namespace(struct task_struct *task, __u32 type, __u32 inum) {
        struct guard_sandbox_ns *sandbox = bpf_map_lookup_elem(&guard_sandbox_ns, &inum);
        struct guard_task_lock *mark;
        struct guard_value *rule, *cg;
        int idx = guard_ns_index(type);
        void *policy;

        /* Most namespaces are no sandbox: one lookup, and nothing else. */
        if (!sandbox || sandbox->type != type || idx < 0 || idx >= GUARD_NS_TYPES)
                return;
        policy = guard_policy_map();
        if (!policy)
                return;
        cg = guard_lookup(policy, GUARD_KEY_CGROUP, guard_task_cgroup_id(task), 0);
        if (cg && cg->cgroup.creator_rule[idx] == sandbox->rule)
                return;
        rule = guard_lookup(policy, GUARD_KEY_RULE, sandbox->rule, 0);
        if (!rule || rule->rule.mode == GUARD_MODE_OFF)
                return;
        mark = bpf_task_storage_get(&guard_task_locks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (mark) {
                mark->rule = sandbox->rule;
                mark->types |= rule->rule.ns_types;
        }
}

/* A namespace was created by creator: remember it if it is a sandbox. */
static __always_inline void guard_record_sandbox(struct task_struct *creator, __u32 type, __u32 inum) {
        struct guard_sandbox_ns sandbox = { .type = type };

        sandbox.rule = guard_sandbox_rule(creator, type);
        if (sandbox.rule && inum)
                bpf_map_update_elem(&guard_sandbox_ns, &inum, &sandbox, BPF_ANY);
}

/* Children inherit their parent's lock: "once you enter, you stay" holds for what it forks. */
static __always_inline void guard_inherit_lock(struct task_struct *parent, struct task_struct *child) {
        struct guard_task_lock *mark = bpf_task_storage_get(&guard_task_locks, parent, 0, 0), *child_mark;

        if (!mark)
                return;
        child_mark = bpf_task_storage_get(&guard_task_locks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (child_mark)
                *child_mark = *mark;
}

/* The creator cgroup's lock_on_entry rule for this type, if namespaces its tasks create are
 * sandboxes. */
static __always_inline __u32 guard_sandbox_rule(struct task_struct *creator, __u32 type) {
        void *policy = guard_policy_map();
        struct guard_value *cg;
        int idx = guard_ns_index(type);

        if (!policy || idx < 0 || idx >= GUARD_NS_TYPES)
                return 0;
        cg = guard_lookup(policy, GUARD_KEY_CGROUP, guard_task_cgroup_id(creator), 0);
        return cg ? cg->cgroup.creator_rule[idx] : 0;
}

/* Reports a decision that is not a plain allow; counts it; lost records are counted too. */
static __always_inline void guard_report(__u32 kind, struct guard_decision *d, struct task_struct *actor,
                                         __u32 task_pid, __u64 src, __u64 dst, __u32 ns_type, __u32 ns_inum,
                                         __u32 flags) {
        struct guard_event *e;

        guard_count(d->verdict == GUARD_VERDICT_DENY ? GUARD_COUNTER_DENIED :
                    d->verdict == GUARD_VERDICT_AUDIT ? GUARD_COUNTER_AUDITED : GUARD_COUNTER_OBSERVED);
        e = bpf_ringbuf_reserve(&guard_events, sizeof(*e), 0);
        if (!e) {
                guard_count(GUARD_COUNTER_LOST_EVENTS);
                return;
        }
        e->kind = kind;
        e->verdict = d->verdict;
        e->actor_pid = actor->pid;
        e->actor_tgid = actor->tgid;
        e->actor_cgroup_id = guard_task_cgroup_id(actor);
        e->task_pid = task_pid;
        e->flags = flags;
        e->src_cgroup_id = src;
        e->dst_cgroup_id = dst;
        e->ns_type = ns_type;
        e->ns_inum = ns_inum;
        e->rule_id = d->rule;
        e->generation = d->generation;
        e->action = d->action;
        e->pad = 0;
        e->timestamp_ns = bpf_ktime_get_ns();
        __builtin_memcpy(e->actor_comm, actor->comm, sizeof(e->actor_comm));
        bpf_ringbuf_submit(e, 0);
}
