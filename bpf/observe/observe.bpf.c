/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */

/* Observe backend, for kernels where no BPF LSM program loads: only tracepoints, which fire
 * after the fact. Every migration the policy forbids is reported (nothing can be prevented);
 * userspace applies the configured response (freeze/kill). The source of a cgroup.procs move is
 * gone by the time the tracepoint fires, so each task's last known cgroup is kept in task
 * storage, seeded for existing tasks by a task iterator at start. */

#include "guard-cgroups.bpf.h"
#include "guard-policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define CLONE_INTO_CGROUP 0x200000000ULL
/* The eight CLONE_NEW* flags; not CLONE_IO (0x80000000), which shares their byte. */
#define CLONE_NEW_MASK ((unsigned long long) GUARD_NS_ALL)

/* A task's last known cgroup, and the id whose entry applied to it then (guard_cgroup_entry()). */
struct observe_cgroup {
        __u64 id;
        __u64 entry;
};

struct {
        __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, int);
        __type(value, struct observe_cgroup);
} observe_task_cgroup SEC(".maps");

static __always_inline void remember_cgroup(struct task_struct *task, struct cgroup *cg) {
        struct observe_cgroup *slot = bpf_task_storage_get(&observe_task_cgroup, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

        if (slot) {
                slot->id = cg->kn->id;
                guard_cgroup_entry(guard_policy_map(), cg, &slot->entry);
        }
}

SEC("iter/task")
int observe_seed(struct bpf_iter__task *ctx) {
        struct task_struct *task = ctx->task;

        if (task)
                remember_cgroup(task, task->cgroups->dfl_cgrp);
        return 0;
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(observe_cgroup_attach_task, struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
             bool threadgroup) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct observe_cgroup *last;
        struct guard_decision d;
        struct guard_actor who;
        __u64 src = 0, src_entry = 0, dst, actor_cgroup;
        bool moved_itself;
        void *policy;

        /* Only the default (cgroup2) hierarchy, id 0, is policy; v1 hierarchies of hybrid setups are not. */
        if (guard_set_retired() || dst_cgrp->root->hierarchy_id != 0)
                return 0;
        policy = guard_policy_map();
        dst = dst_cgrp->kn->id;
        last = bpf_task_storage_get(&observe_task_cgroup, task, 0, 0);
        if (last) {
                src = last->id;
                src_entry = last->entry;
        }
        remember_cgroup(task, dst_cgrp);
        if (src == dst)
                return 0;

        /* This fires after the move: an actor that moved itself (or its own process) is in dst by
         * now. It is judged and named by the cgroup it left (0 if it was never seen: unknown, and
         * no response acts on an unknown cgroup), as the other backends see it before the move. */
        moved_itself = task == actor || (threadgroup && task->tgid == actor->tgid);
        actor_cgroup = moved_itself ? src : guard_task_cgroup_id(actor);
        guard_task_actor(policy, actor, &who);
        if (moved_itself) {
                who.cgroup = guard_entry_by_id(policy, src_entry);
                who.cgroup_late = 0;
        }
        guard_decide_migration(policy, &who, guard_entry_by_id(policy, src_entry), guard_cgroup_entry(policy, dst_cgrp, NULL), &d);
        if (d.verdict != GUARD_VERDICT_ALLOW)
                guard_report_task(GUARD_EVENT_MIGRATION, &d, actor, actor_cgroup, task->pid, task->comm, src, dst, 0, 0,
                                  threadgroup ? GUARD_MIGRATION_THREADGROUP : 0);
        guard_record_op(policy, GUARD_EVENT_MIGRATION, d.verdict == GUARD_VERDICT_DENY ? GUARD_VERDICT_OBSERVED : d.verdict,
                        actor, actor_cgroup, src, dst, 0);
        return 0;
}

SEC("tp_btf/task_newtask")
int BPF_PROG(observe_task_newtask, struct task_struct *task, __u64 clone_flags) {
        struct task_struct *parent = bpf_get_current_task_btf();
        __u64 src = guard_task_cgroup_id(parent), dst = guard_task_cgroup_id(task);
        struct guard_decision d;
        void *policy;
        __u32 type;

        if (guard_set_retired())
                return 0;
        policy = guard_policy_map();

        remember_cgroup(task, task->cgroups->dfl_cgrp);

        (void) guard_inherit_lock(parent, task); /* a tracepoint: it cannot refuse */

        if ((clone_flags & CLONE_INTO_CGROUP) && src != dst) {
                guard_task_decide_migration(policy, parent, guard_task_entry(policy, parent), guard_task_entry(policy, task), &d);
                if (d.verdict != GUARD_VERDICT_ALLOW)
                        guard_report_task(GUARD_EVENT_MIGRATION, &d, parent, src, task->pid, task->comm, src, dst, 0, 0,
                                          GUARD_MIGRATION_CLONE);
                guard_record_op(policy, GUARD_EVENT_MIGRATION,
                                d.verdict == GUARD_VERDICT_DENY ? GUARD_VERDICT_OBSERVED : d.verdict, parent, src, src, dst, 0);
        }

        if (clone_flags & CLONE_NEW_MASK) {
                guard_task_decide_namespace(parent, (__u32) (clone_flags & CLONE_NEW_MASK), &d, &type);
                if (d.verdict != GUARD_VERDICT_ALLOW)
                        guard_report(GUARD_EVENT_NEW_NAMESPACE, &d, parent, task->pid, 0, 0, type, 0,
                                     (__u32) (clone_flags & CLONE_NEW_MASK));
                guard_record_op(policy, GUARD_EVENT_NEW_NAMESPACE,
                                d.verdict == GUARD_VERDICT_DENY ? GUARD_VERDICT_OBSERVED : d.verdict, parent, src, 0, 0,
                                (__u32) (clone_flags & CLONE_NEW_MASK));
        }
        return 0;
}
