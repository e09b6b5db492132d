/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */

/* Compat backend: BPF LSM works but the kernel lacks the sandboxing hooks (Debian's 6.1 and most
 * kernels in the field). Each decision pairs an fentry/fexit "window" on a kernel function that
 * knows what is happening with a classic LSM hook called inside it that can say no:
 *   migration: cgroup_attach_permissions(src, dst) + inode_permission(MAY_WRITE) on the
 *              cgroup.procs the kernel checks inside it (cgroup.procs, cgroup.threads, clone3);
 *              cgroup_procs_write_start() says which task a write names, and where its threads
 *              are when its leader has exited;
 *   setns:     the per-type *_install(nsset, ns) + capable(CAP_SYS_ADMIN) inside it;
 *   unshare:   ksys_unshare(flags) + capable(CAP_SYS_ADMIN); user namespaces: userns_create;
 *   clone:     task_alloc(clone_flags), which also keeps a locked task's children out of pid
 *              and time namespaces it prepared before the lock.
 * The hot hooks (inode_permission, capable) first read one counter of open windows and leave
 * at once when it is zero. fexit always closes the window. */

#include "guard-cgroups.bpf.h"
#include "guard-policy.bpf.h"
#include "guard-identity.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define ENOMEM 12
#define MAY_WRITE 0x2
#define CAP_SYS_ADMIN 21
/* The eight CLONE_NEW* flags; not CLONE_IO (0x80000000), which shares their byte. */
#define CLONE_NEW_MASK ((unsigned long) GUARD_NS_ALL)

/* What cgroup_procs_write_start() found for the cgroup.procs or cgroup.threads write under way,
 * for the cgroup_attach_permissions() window it opens: the task the write names and, where that
 * is a leader that exited, the source of the threads that move (guard_moved_threads_source()).
 * Used by that window only (the kernel's source cgroup must be the named task's) and then gone;
 * cgroup_procs_write_finish() drops it in any case, so no later move (a clone3 by the same
 * task, a cgroup v1 write) can be decided by it. */
struct compat_note {
        __u64 task_cgroup;      /* the cgroup the kernel judges from: the named task's */
        __u64 src, src_entry;   /* GUARD_SOURCE_LIVE, _UNKNOWN: the source and its entry's id */
        __u32 source;           /* enum guard_source */
        __u32 task_pid;         /* 0: no note */
        char task_comm[GUARD_COMM_LEN];
};

struct compat_window {
        __u64 src, dst;         /* migration: the cgroups (for reports) */
        __u64 src_entry, dst_entry; /* and the ids whose entries apply (guard_cgroup_entry()) */
        __u32 ns_type, ns_inum; /* setns */
        __u32 unshare_types;    /* unshare */
        __u32 kind;             /* 0: closed, else GUARD_EVENT_* */
        __u32 verdict;          /* decided at entry */
        __u32 reported;
        __u32 task_pid;         /* migration: the moved task, from the note (0: not known) */
        __u32 pad;
        char task_comm[GUARD_COMM_LEN];
        struct compat_note note;
};

struct {
        __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, int);
        __type(value, struct compat_window);
} compat_windows SEC(".maps");

/* A window kind beside the GUARD_EVENT_* ones: clone3(CLONE_INTO_CGROUP)'s cgroup_can_fork(),
 * whose first cgroup.procs permission check (cgroup_may_write() on the destination) comes before
 * its cgroup_attach_permissions() window. */
#define COMPAT_WINDOW_FORK 0x100
#define CLONE_INTO_CGROUP_ 0x200000000ULL
#define S_IFMT_ 00170000
#define S_IFREG_ 0100000

/* How many windows are open right now, machine-wide: the hot hooks' early exit. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, __s64);
} compat_open_windows SEC(".maps");

static __always_inline bool windows_open(void) {
        __u32 zero = 0;
        __s64 *n = bpf_map_lookup_elem(&compat_open_windows, &zero);

        return n && *n > 0;
}

static __always_inline struct compat_window *window_open(__u32 kind) {
        struct compat_window *w = bpf_task_storage_get(&compat_windows, bpf_get_current_task_btf(), 0,
                                                       BPF_LOCAL_STORAGE_GET_F_CREATE);
        __u32 zero = 0;
        __s64 *n;

        if (!w)
                return NULL;
        if (!w->kind) {
                n = bpf_map_lookup_elem(&compat_open_windows, &zero);
                if (n)
                        __sync_fetch_and_add(n, 1);
        }
        w->kind = kind;
        w->verdict = GUARD_VERDICT_ALLOW;
        w->reported = 0;
        return w;
}

static __always_inline struct compat_window *window_current(void) {
        return bpf_task_storage_get(&compat_windows, bpf_get_current_task_btf(), 0, 0);
}

static __always_inline void window_close(struct compat_window *w) {
        __u32 zero = 0;
        __s64 *n;

        if (!w || !w->kind)
                return;
        w->kind = 0;
        n = bpf_map_lookup_elem(&compat_open_windows, &zero);
        if (n)
                __sync_fetch_and_add(n, -1);
}

/* --- migration --- */

/* A cgroup.procs or cgroup.threads write has found the task it names (cgroup v1 writes too,
 * which open no window: their note is dropped at cgroup_procs_write_finish()). */
static __always_inline int procs_write_start(struct task_struct *task, bool threadgroup, const int can_read) {
        struct compat_window *w;

        if (!task || (unsigned long) task >= (unsigned long) -4095L) /* IS_ERR() */
                return 0;
        w = bpf_task_storage_get(&compat_windows, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (!w)
                return 0;
        w->note.task_cgroup = guard_task_cgroup_id(task);
        w->note.src = w->note.task_cgroup; /* unless the live threads' is found */
        w->note.source = guard_moved_threads_source(guard_policy_map(), task, threadgroup, can_read, &w->note.src,
                                                    &w->note.src_entry);
        w->note.task_pid = task->pid;
        __builtin_memcpy(w->note.task_comm, task->comm, sizeof(w->note.task_comm));
        return 0;
}

SEC("fexit/cgroup_procs_write_start")
int BPF_PROG(compat_procs_write_start, char *buf, bool threadgroup, bool *threadgroup_locked, struct task_struct *ret) {
        if (guard_set_retired())
                return 0;
        return procs_write_start(ret, threadgroup, 1);
}

/* Under lockdown=confidentiality: a process whose leader exited is judged as moving from an
 * unclassified cgroup (its threads cannot be read). */
SEC("?fexit/cgroup_procs_write_start")
int BPF_PROG(compat_procs_write_start_lockdown, char *buf, bool threadgroup, bool *threadgroup_locked,
             struct task_struct *ret) {
        if (guard_set_retired())
                return 0;
        return procs_write_start(ret, threadgroup, 0);
}

/* The write is over: its note goes, and so does a window cgroup_attach_permissions()' fexit did
 * not close (that program skipped): left open, its verdict would pass a later check. */
SEC("fexit/cgroup_procs_write_finish")
int BPF_PROG(compat_procs_write_finish, struct task_struct *task, bool threadgroup_locked) {
        struct compat_window *w;

        if (guard_set_retired())
                return 0;
        w = window_current();
        if (w) {
                w->note.task_pid = 0;
                window_close(w);
        }
        return 0;
}

SEC("fentry/cgroup_attach_permissions")
int BPF_PROG(compat_attach_enter, struct cgroup *src_cgrp, struct cgroup *dst_cgrp, struct super_block *sb,
             bool threadgroup, struct cgroup_namespace *ns) {
        __u64 src = src_cgrp->kn->id, dst = dst_cgrp->kn->id, src_entry = 0;
        __u32 source = GUARD_SOURCE_LEADER, task_pid = 0;
        struct compat_window *w;
        void *policy;

        if (guard_set_retired())
                return 0;
        w = window_current();

        /* The write's note, if this window is the write's (not a clone3's: its source is the
         * parent's cgroup); used once. */
        if (w && w->note.task_pid && w->note.task_cgroup == src) {
                task_pid = w->note.task_pid;
                source = w->note.source;
                if (source == GUARD_SOURCE_LIVE || source == GUARD_SOURCE_UNKNOWN) {
                        src = w->note.src;
                        src_entry = w->note.src_entry;
                }
                w->note.task_pid = 0;
        }
        w = window_open(GUARD_EVENT_MIGRATION);
        if (!w)
                return 0; /* the permission check inside finds no window: refused */
        /* Nothing to decide: the window lets the write's permission check through. Every move
         * opens one, so that a check without one is known for a move nobody decided. */
        if (source == GUARD_SOURCE_NOTHING ||
            (source != GUARD_SOURCE_UNKNOWN &&
             guard_migration_changes_nothing(src, dst, threadgroup, guard_cgroup_threaded(dst_cgrp)))) {
                w->reported = 1;
                return 0;
        }
        policy = guard_policy_map();
        w->src = src;
        w->dst = dst;
        w->src_entry = src_entry;
        if (source == GUARD_SOURCE_LEADER)
                guard_cgroup_entry(policy, src_cgrp, &w->src_entry);
        guard_cgroup_entry(policy, dst_cgrp, &w->dst_entry);
        w->task_pid = task_pid;
        if (task_pid)
                __builtin_memcpy(w->task_comm, w->note.task_comm, sizeof(w->task_comm));
        else
                __builtin_memset(w->task_comm, 0, sizeof(w->task_comm));
        return 0;
}

SEC("fexit/cgroup_attach_permissions")
int BPF_PROG(compat_attach_exit, struct cgroup *src_cgrp, struct cgroup *dst_cgrp, struct super_block *sb,
             bool threadgroup, struct cgroup_namespace *ns, int ret) {
        if (guard_set_retired())
                return 0;
        window_close(window_current());
        return 0;
}

/* clone3(CLONE_INTO_CGROUP): a window for the destination's permission check that comes before
 * cgroup_attach_permissions() (which opens its own inside this one). */
SEC("fentry/cgroup_can_fork")
int BPF_PROG(compat_fork_enter, struct task_struct *child, struct kernel_clone_args *kargs) {
        struct compat_window *w;

        if (guard_set_retired())
                return 0;

        if (!(kargs->flags & CLONE_INTO_CGROUP_))
                return 0;
        w = window_open(COMPAT_WINDOW_FORK);
        if (w)
                w->reported = 0; /* the destination's check not seen yet */
        return 0;
}

SEC("fexit/cgroup_can_fork")
int BPF_PROG(compat_fork_exit, struct task_struct *child, struct kernel_clone_args *kargs, int ret) {
        if (guard_set_retired())
                return 0;
        /* Whatever is open: the fork window, or a migration window left by a skipped fexit (every
         * fork comes here: no task storage lookup while no window is open anywhere). */
        if (windows_open())
                window_close(window_current());
        return 0;
}

/* A cgroup.procs permission check (cgroup_may_write(): exactly MAY_WRITE, on a regular file of
 * cgroup2; opening one asks MAY_OPEN too) outside any window: the move it is part of was never
 * decided. Its fentry program was skipped (the kernel skips a tracing program on a CPU where it
 * is already running: a task preempted inside it, full preemption), or the task storage could
 * not be had (6.1: busy on this CPU). Refused, fail closed; PID 1 excepted, which must keep
 * starting units. One check in a clone3's fork window is its destination's, before its
 * cgroup_attach_permissions() window. */
static __always_inline int no_window(struct inode *inode, struct compat_window *w) {
        struct task_struct *actor;

        if (inode->i_sb->s_magic != CGROUP2_SUPER_MAGIC_ || (inode->i_mode & S_IFMT_) != S_IFREG_)
                return 0;
        if (w && w->kind == COMPAT_WINDOW_FORK && !w->reported) {
                w->reported = 1;
                return 0;
        }
        actor = bpf_get_current_task_btf();
        if (actor->tgid == 1)
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_NO_WINDOW, inode->i_ino);
}

/* Also the tamper check on the guard's pins: one program on this hot hook, not two. */
SEC("lsm/inode_permission")
int BPF_PROG(compat_inode_permission, struct inode *inode, int mask) {
        struct task_struct *actor;
        struct compat_window *w;
        struct guard_decision d;

        int refused = guard_tamper_inode_permission(inode);

        if (refused)
                return refused;
        if (mask != MAY_WRITE || guard_set_retired())
                return 0;
        if (!windows_open())
                return no_window(inode, NULL);
        w = window_current();
        if (!w || w->kind != GUARD_EVENT_MIGRATION)
                return no_window(inode, w);
        if (w->reported)
                return w->verdict == GUARD_VERDICT_DENY ? -EPERM : 0;

        actor = bpf_get_current_task_btf();
        w->reported = 1;
        refused = guard_tamper_move(actor, w->src, w->dst);
        if (refused) {
                w->verdict = GUARD_VERDICT_DENY;
                return refused;
        }
        void *policy = guard_policy_map();
        struct guard_value *dst_entry = guard_entry_by_id(policy, w->dst_entry);
        bool admin_join = guard_tamper_admin_join(actor, w->dst, dst_entry);

        w->verdict = guard_task_decide_migration(policy, actor, guard_entry_by_id(policy, w->src_entry), dst_entry, &d);
        if (w->verdict != GUARD_VERDICT_ALLOW)
                guard_report_task(GUARD_EVENT_MIGRATION, &d, actor, guard_task_cgroup_id(actor), w->task_pid,
                                  w->task_comm, w->src, w->dst, 0, 0, 0);
        /* What the policy lets into an admin cgroup, tamper protection may still refuse. */
        refused = w->verdict == GUARD_VERDICT_DENY ? -EPERM :
                  admin_join ? tamper_refuse(actor, GUARD_TAMPER_ADMIN_JOIN, w->dst) : 0;
        if (refused)
                w->verdict = GUARD_VERDICT_DENY;
        guard_record_op(policy, GUARD_EVENT_MIGRATION, w->verdict, actor, guard_task_cgroup_id(actor), w->src, w->dst, 0);
        return refused;
}

/* --- setns --- */

static __always_inline int install_enter(struct ns_common *ns, __u32 type) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct compat_window *w;
        struct guard_decision d;
        __u32 inum = ns->inum, decided;

        if (guard_set_retired())
                return 0;
        w = window_open(GUARD_EVENT_SETNS);
        if (!w)
                return 0;
        w->ns_type = type;
        w->ns_inum = inum;
        if (inum == guard_task_joined_ns_inum(actor, type))
                return 0;
        /* A namespace of the daemon's: refused at the capability check inside, as a denial. */
        if (guard_tamper_setns(actor, inum, type)) {
                w->verdict = GUARD_VERDICT_DENY;
                return 0;
        }
        w->verdict = guard_task_decide_namespace(actor, type, &d, &decided);
        guard_record_op(guard_policy_map(), GUARD_EVENT_SETNS, w->verdict, actor, guard_task_cgroup_id(actor), 0, 0, type);
        if (w->verdict != GUARD_VERDICT_ALLOW)
                guard_report(GUARD_EVENT_SETNS, &d, actor, actor->pid, 0, 0, type, inum, 0);
        if (w->verdict != GUARD_VERDICT_DENY &&
            guard_task_decide_sandbox_threads(actor, type, inum, &d) != GUARD_VERDICT_ALLOW) {
                guard_report(GUARD_EVENT_SETNS, &d, actor, actor->pid, 0, 0, type, inum, GUARD_SETNS_THREADS);
                if (d.verdict == GUARD_VERDICT_DENY)
                        w->verdict = GUARD_VERDICT_DENY;
        }
        return 0;
}

static __always_inline int install_exit(int ret) {
        struct compat_window *w;

        if (guard_set_retired())
                return 0;
        w = window_current();
        if (!w || w->kind != GUARD_EVENT_SETNS)
                return 0;
        if (ret == 0)
                (void) guard_enter_namespace(bpf_get_current_task_btf(), w->ns_type, w->ns_inum); /* committed */
        window_close(w);
        return 0;
}

#define INSTALL_WINDOW(fn, type)                                                          \
        SEC("fentry/" #fn)                                                                \
        int BPF_PROG(compat_##fn##_enter, struct nsset *nsset, struct ns_common *ns) {    \
                return install_enter(ns, type);                                           \
        }                                                                                 \
        SEC("fexit/" #fn)                                                                 \
        int BPF_PROG(compat_##fn##_exit, struct nsset *nsset, struct ns_common *ns, int ret) { \
                return install_exit(ret);                                                 \
        }

INSTALL_WINDOW(mntns_install, GUARD_CLONE_NEWNS)
INSTALL_WINDOW(utsns_install, GUARD_CLONE_NEWUTS)
INSTALL_WINDOW(ipcns_install, GUARD_CLONE_NEWIPC)
INSTALL_WINDOW(netns_install, GUARD_CLONE_NEWNET)
INSTALL_WINDOW(pidns_install, GUARD_CLONE_NEWPID)
INSTALL_WINDOW(userns_install, GUARD_CLONE_NEWUSER)
INSTALL_WINDOW(cgroupns_install, GUARD_CLONE_NEWCGROUP)
INSTALL_WINDOW(timens_install, GUARD_CLONE_NEWTIME)

/* --- unshare --- */

static __always_inline int unshare_enter(unsigned long flags) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct compat_window *w;
        struct guard_decision d;
        __u32 types = flags & CLONE_NEW_MASK, decided;

        if (!types)
                return 0;
        w = window_open(GUARD_EVENT_NEW_NAMESPACE);
        if (!w)
                return 0;
        w->unshare_types = types;
        w->verdict = guard_task_decide_namespace(actor, types, &d, &decided);
        guard_record_op(guard_policy_map(), GUARD_EVENT_NEW_NAMESPACE, w->verdict, actor, guard_task_cgroup_id(actor), 0, 0,
                        types);
        if (w->verdict != GUARD_VERDICT_ALLOW)
                guard_report(GUARD_EVENT_NEW_NAMESPACE, &d, actor, actor->pid, 0, 0, decided, 0, types);
        return 0;
}

static __always_inline int unshare_exit(long ret) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct compat_window *w = window_current();

        if (!w || w->kind != GUARD_EVENT_NEW_NAMESPACE)
                return 0;
        if (ret == 0)
                for (int i = 0; i < GUARD_NS_TYPES; i++)
                        if (w->unshare_types & guard_ns_flag(i))
                                guard_record_sandbox(actor, guard_ns_flag(i), guard_task_ns_inum(actor, guard_ns_flag(i)));
        window_close(w);
        return 0;
}

SEC("fentry/ksys_unshare")
int BPF_PROG(compat_unshare_enter, unsigned long flags) {
        if (guard_set_retired())
                return 0;
        return unshare_enter(flags);
}

SEC("fexit/ksys_unshare")
int BPF_PROG(compat_unshare_exit, unsigned long flags, int ret) {
        if (guard_set_retired())
                return 0;
        return unshare_exit(ret);
}

/* The alternative where ksys_unshare() is not attachable (inlined into the syscall, renamed):
 * the syscall's own entry point, flags from the saved registers. The loader turns these on only
 * then (src/daemon/bpf-backend.c, window_alternatives). */
SEC("?fentry/__x64_sys_unshare")
int BPF_PROG(compat_unshare_sys_enter, struct pt_regs *regs) {
        if (guard_set_retired())
                return 0;
        return unshare_enter(regs->di);
}

SEC("?fexit/__x64_sys_unshare")
int BPF_PROG(compat_unshare_sys_exit, struct pt_regs *regs, long ret) {
        if (guard_set_retired())
                return 0;
        return unshare_exit(ret);
}

/* Inside a setns or unshare window, the CAP_SYS_ADMIN check is where the kernel asks. */
SEC("lsm/capable")
int BPF_PROG(compat_capable, const struct cred *cred, struct user_namespace *ns, int cap, unsigned int opts) {
        struct compat_window *w;

        if (cap != CAP_SYS_ADMIN || guard_set_retired() || !windows_open())
                return 0;
        w = window_current();
        if (!w || (w->kind != GUARD_EVENT_SETNS && w->kind != GUARD_EVENT_NEW_NAMESPACE))
                return 0;
        return w->verdict == GUARD_VERDICT_DENY ? -EPERM : 0;
}

/* User namespaces need no capability: they have their own hook (clone and unshare). */
SEC("lsm/userns_create")
int BPF_PROG(compat_userns_create, const struct cred *cred) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct compat_window *w;
        struct guard_decision d;
        __u32 decided;

        if (guard_set_retired())
                return 0;
        w = window_current();

        /* unshare(CLONE_NEWUSER) was decided (and reported) when its window opened. */
        if (w && w->kind == GUARD_EVENT_NEW_NAMESPACE)
                return w->verdict == GUARD_VERDICT_DENY ? -EPERM : 0;
        guard_task_decide_namespace(actor, GUARD_CLONE_NEWUSER, &d, &decided);
        guard_record_op(guard_policy_map(), GUARD_EVENT_NEW_NAMESPACE, d.verdict, actor, guard_task_cgroup_id(actor), 0, 0,
                        GUARD_CLONE_NEWUSER);
        if (d.verdict == GUARD_VERDICT_ALLOW)
                return 0;
        guard_report(GUARD_EVENT_NEW_NAMESPACE, &d, actor, actor->pid, 0, 0, decided, 0, GUARD_CLONE_NEWUSER);
        return d.verdict == GUARD_VERDICT_DENY ? -EPERM : 0;
}

/* Every namespace's inode number is released here (6.1 has no namespace_free hook): forget
 * sandboxes before the number can be handed to a new namespace. */
SEC("fentry/proc_free_inum")
int BPF_PROG(compat_proc_free_inum, unsigned int inum) {
        if (guard_set_retired())
                return 0;
        guard_forget_sandbox(inum);
        return 0;
}

/* --- clone --- */

/* Where exec enters a prepared time namespace (Linux 6.6 and later): loaded by the daemon
 * only there (choose_exec_programs()). */
SEC("?lsm/bprm_creds_for_exec")
int BPF_PROG(compat_exec_pending, struct linux_binprm *bprm) {
        if (guard_set_retired())
                return 0;
        return guard_exec_pending();
}

SEC("lsm/task_alloc")
int BPF_PROG(compat_task_alloc, struct task_struct *task, unsigned long clone_flags) {
        struct task_struct *actor = bpf_get_current_task_btf();
        __u32 types = (clone_flags & CLONE_NEW_MASK) & ~GUARD_CLONE_NEWUSER, decided;
        struct guard_decision d;

        if (guard_set_retired())
                return 0;

        if (guard_inherit_lock(actor, task))
                return -ENOMEM; /* a locked parent's child unmarked would be free */
        if (guard_inherit_identity(actor, task, clone_flags))
                return -EPERM;
        if (types) {
                guard_task_decide_namespace(actor, types, &d, &decided);
                if (d.verdict != GUARD_VERDICT_ALLOW)
                        guard_report(GUARD_EVENT_NEW_NAMESPACE, &d, actor, actor->pid, 0, 0, decided, 0, types);
                guard_record_op(guard_policy_map(), GUARD_EVENT_NEW_NAMESPACE, d.verdict, actor, guard_task_cgroup_id(actor),
                                0, 0, types);
                if (d.verdict == GUARD_VERDICT_DENY)
                        return -EPERM;
        }
        return guard_fork_pending(actor, clone_flags) ? -EPERM : 0;
}

/* The child's namespaces exist now: remember sandboxes a creator made by clone. */
SEC("tp_btf/task_newtask")
int BPF_PROG(compat_task_newtask, struct task_struct *task, __u64 clone_flags) {
        struct task_struct *creator = bpf_get_current_task_btf();

        if (guard_set_retired())
                return 0;

        if (!(clone_flags & CLONE_NEW_MASK))
                return 0;
        for (int i = 0; i < GUARD_NS_TYPES; i++)
                if (clone_flags & guard_ns_flag(i))
                        guard_record_sandbox(creator, guard_ns_flag(i), guard_task_ns_inum(task, guard_ns_flag(i)));
        return 0;
}
