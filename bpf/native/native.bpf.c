/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */

/* Native backend: the proposed sandboxing hooks. cgroup_attach sees every migration (cgroup.procs,
 * cgroup.threads, clone3(CLONE_INTO_CGROUP)) with actor, task, source and destination, before it
 * happens; namespace_install sees each namespace a setns() installs; namespace_alloc sees every
 * namespace being created (unshare, clone), which also records sandboxes for lock_on_entry;
 * namespace_free forgets them; task_alloc passes a lock and a forged exe link's mark on to
 * children and keeps them out of pid and time namespaces their parent prepared before its lock.
 * The hooks are sleepable, but nothing here sleeps: attached as plain lsm/ programs they run
 * under RCU instead of RCU tasks trace, which is most of the cost of a sleepable invocation
 * (bench/README.md). */

/* Link pins stay open to anyone here (no inode_permission program on this hot hook, but under
 * lockdown=confidentiality): guard_tamper_bpf() then takes link detaches and updates from all but
 * admins. */
#define GUARD_LINK_PINS_OPEN 1

#include "guard-cgroups.bpf.h"
#include "guard-policy.bpf.h"
#include "guard-identity.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define ENOMEM 12
#define TASK_NEW 0x00000800

/* Under lockdown=confidentiality only (see guard_tamper_bpf_lockdown): pins of the guard
 * cannot be opened. Otherwise native leaves this hot hook alone. */
SEC("?lsm/inode_permission")
int BPF_PROG(guard_tamper_pin_open, struct inode *inode, int mask) {
        return guard_tamper_inode_permission(inode);
}

/* src_cgrp is the cgroup of the task the kernel names: for a cgroup.procs write whose leader
 * exited, not that of the threads that move (guard_moved_threads_source()). */
static __always_inline int native_attach(struct task_struct *task, struct cgroup *src_cgrp, struct cgroup *dst_cgrp,
                                         bool threadgroup, const int can_read) {
        struct task_struct *actor = bpf_get_current_task_btf();
        __u64 src = src_cgrp->kn->id, dst = dst_cgrp->kn->id, src_entry_id = 0;
        void *policy = guard_policy_map();
        struct guard_value *src_entry, *dst_entry;
        struct guard_decision d;
        enum guard_source source;
        bool admin_join;
        int refused;
        __u32 flags;

        source = guard_moved_threads_source(policy, task, threadgroup, can_read, &src, &src_entry_id);
        if (source == GUARD_SOURCE_NOTHING)
                return 0;
        if (source != GUARD_SOURCE_UNKNOWN &&
            guard_migration_changes_nothing(src, dst, threadgroup, guard_cgroup_threaded(dst_cgrp)))
                return 0;
        if (guard_tamper_move(actor, src, dst))
                return -EPERM;
        dst_entry = guard_cgroup_entry(policy, dst_cgrp, NULL);
        admin_join = guard_tamper_admin_join(actor, dst, dst_entry);
        src_entry = source == GUARD_SOURCE_LEADER ? guard_cgroup_entry(policy, src_cgrp, NULL) :
                                                    guard_entry_by_id(policy, src_entry_id);
        if (guard_task_decide_migration(policy, actor, src_entry, dst_entry, &d) != GUARD_VERDICT_ALLOW) {
                /* On the clone3(CLONE_INTO_CGROUP) path the task is the child being created. */
                flags = (threadgroup ? GUARD_MIGRATION_THREADGROUP : 0) |
                        ((task->__state & TASK_NEW) ? GUARD_MIGRATION_CLONE : 0);
                guard_report_task(GUARD_EVENT_MIGRATION, &d, actor, guard_task_cgroup_id(actor), task->pid, task->comm, src,
                                  dst, 0, 0, flags);
        }
        /* What the policy lets into an admin cgroup, tamper protection may still refuse. */
        refused = d.verdict == GUARD_VERDICT_DENY ? -EPERM : admin_join ? tamper_refuse(actor, GUARD_TAMPER_ADMIN_JOIN, dst) : 0;
        guard_record_op(policy, GUARD_EVENT_MIGRATION, refused ? GUARD_VERDICT_DENY : d.verdict, actor,
                        guard_task_cgroup_id(actor), src, dst, 0);
        return refused;
}

SEC("lsm/cgroup_attach")
int BPF_PROG(native_cgroup_attach, struct task_struct *task, struct cgroup *src_cgrp, struct cgroup *dst_cgrp,
             struct super_block *sb, bool threadgroup, struct cgroup_namespace *ns) {
        if (guard_set_retired())
                return 0;
        return native_attach(task, src_cgrp, dst_cgrp, threadgroup, 1);
}

/* Under lockdown=confidentiality: a process whose leader exited is judged as moving from an
 * unclassified cgroup (its threads cannot be read). */
SEC("?lsm/cgroup_attach")
int BPF_PROG(native_cgroup_attach_lockdown, struct task_struct *task, struct cgroup *src_cgrp, struct cgroup *dst_cgrp,
             struct super_block *sb, bool threadgroup, struct cgroup_namespace *ns) {
        if (guard_set_retired())
                return 0;
        return native_attach(task, src_cgrp, dst_cgrp, threadgroup, 0);
}

SEC("lsm/namespace_install")
int BPF_PROG(native_namespace_install, struct nsset *nsset, struct ns_common *ns) {
        struct task_struct *actor = bpf_get_current_task_btf();
        __u32 type = guard_ns_type(ns), inum = ns->inum, decided;
        struct guard_decision d;

        if (guard_set_retired())
                return 0;

        /* Re-joining the namespace one is already in changes nothing. */
        if (inum == guard_task_joined_ns_inum(actor, type))
                return 0;
        if (guard_tamper_setns(actor, inum, type))
                return -EPERM;
        guard_task_decide_namespace(actor, type, &d, &decided);
        guard_record_op(guard_policy_map(), GUARD_EVENT_SETNS, d.verdict, actor, guard_task_cgroup_id(actor), 0, 0, type);
        if (d.verdict != GUARD_VERDICT_ALLOW) {
                guard_report(GUARD_EVENT_SETNS, &d, actor, actor->pid, 0, 0, type, inum, 0);
                if (d.verdict == GUARD_VERDICT_DENY)
                        return -EPERM;
        }
        if (guard_task_decide_sandbox_threads(actor, type, inum, &d) != GUARD_VERDICT_ALLOW) {
                guard_report(GUARD_EVENT_SETNS, &d, actor, actor->pid, 0, 0, type, inum, GUARD_SETNS_THREADS);
                if (d.verdict == GUARD_VERDICT_DENY)
                        return -EPERM;
        }
        /* Locked from here on, or not let in (no memory for the mark). */
        return guard_enter_namespace(actor, type, inum) ? -ENOMEM : 0;
}

SEC("lsm/namespace_alloc")
int BPF_PROG(native_namespace_alloc, struct ns_common *ns) {
        struct task_struct *actor = bpf_get_current_task_btf();
        __u32 type = guard_ns_type(ns), decided;
        struct guard_decision d;
        struct guard_value *cg;

        if (guard_set_retired())
                return 0;

        /* One lookup of the creator's entry serves the decision and the sandbox record. */
        guard_task_decide_namespace_entry(actor, type, &d, &decided, &cg);
        guard_record_op(guard_policy_map(), GUARD_EVENT_NEW_NAMESPACE, d.verdict, actor, guard_task_cgroup_id(actor), 0, 0,
                        type);
        if (d.verdict != GUARD_VERDICT_ALLOW) {
                guard_report(GUARD_EVENT_NEW_NAMESPACE, &d, actor, actor->pid, 0, 0, type, ns->inum, type);
                if (d.verdict == GUARD_VERDICT_DENY)
                        return -EPERM;
        }
        /* A sandbox nobody entering would be locked in is not made (a full map). */
        return guard_record_sandbox_entry(cg, type, ns->inum);
}

/* May run from RCU or a workqueue: current means nothing here, only forget the namespace. */
SEC("lsm/namespace_free")
int BPF_PROG(native_namespace_free, struct ns_common *ns) {
        if (guard_set_retired())
                return 0;
        guard_forget_sandbox(ns->inum);
        return 0;
}

/* Where exec enters a prepared time namespace (Linux 6.6 and later): loaded by the daemon
 * only there (choose_exec_programs()). */
SEC("?lsm/bprm_creds_for_exec")
int BPF_PROG(native_exec_pending, struct linux_binprm *bprm) {
        if (guard_set_retired())
                return 0;
        return guard_exec_pending();
}

SEC("lsm/task_alloc")
int BPF_PROG(native_task_alloc, struct task_struct *task, unsigned long clone_flags) {
        struct task_struct *parent = bpf_get_current_task_btf();

        if (guard_set_retired())
                return 0;

        if (guard_fork_pending(parent, clone_flags) || guard_inherit_identity(parent, task, clone_flags))
                return -EPERM;
        return guard_inherit_lock(parent, task) ? -ENOMEM : 0;
}
