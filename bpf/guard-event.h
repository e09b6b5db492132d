/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* Records that cross the kernel/user boundary, included by the BPF programs and the daemon so
 * their layout cannot drift. Fixed-size types only. */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define GUARD_COMM_LEN 16

enum guard_event_kind {
        GUARD_EVENT_MIGRATION = 1,
        GUARD_EVENT_SETNS = 2,
        GUARD_EVENT_NEW_NAMESPACE = 3,
        GUARD_EVENT_TAMPER = 4,         /* flags: enum guard_tamper_what; src_cgroup_id: the object */
        GUARD_EVENT_CHILD_NAMESPACE = 5, /* a fork would put the child in a pid/time namespace prepared
                                         * before the lock: ns_type/ns_inum that one, flags the types */
        GUARD_EVENT_CGROUP_MKDIR = 16,  /* internal: struct guard_cgroup_event */
        GUARD_EVENT_CGROUP_RMDIR = 17,  /* internal: struct guard_cgroup_event */
        GUARD_EVENT_RECORD_NEW = 18,    /* internal: struct guard_record_event */
};

enum guard_verdict {
        GUARD_VERDICT_ALLOW = 0,
        GUARD_VERDICT_AUDIT = 1,
        GUARD_VERDICT_DENY = 2,
        GUARD_VERDICT_OBSERVED = 3, /* observe backend: it happened, we could not stop it */
};

struct guard_event {
        __u32 kind;             /* enum guard_event_kind */
        __u32 verdict;          /* enum guard_verdict */
        __u32 actor_pid;        /* thread id of the actor */
        __u32 actor_tgid;
        __u64 actor_cgroup_id;
        __u32 task_pid;         /* the migrated task, or the task changing namespaces */
        __u32 flags;            /* migration: GUARD_MIGRATION_*; namespaces: CLONE_NEW* mask */
        __u64 src_cgroup_id;
        __u64 dst_cgroup_id;
        __u32 ns_type;          /* CLONE_NEW* value */
        __u32 ns_inum;
        __u32 rule_id;
        __u32 generation;
        __u32 action;           /* PolicyAction of the rule */
        __u32 pad;
        __u64 timestamp_ns;     /* CLOCK_MONOTONIC */
        char actor_comm[GUARD_COMM_LEN];
        /* The actor's executable when it acted (it may exec another one before the daemon reads
         * the record): the kernel's dev_t of its file system (major << 20 | minor) and its inode;
         * both 0 for a task without one (a kernel thread). */
        __u64 actor_exe_dev;
        __u64 actor_exe_ino;
        __u32 actor_uid;        /* real uid and gid (bpf_get_current_uid_gid()) */
        __u32 actor_gid;
        /* The moved task's name when it was decided (migrations that name task_pid; else empty):
         * by the time the daemon reads the record it may have exited or exec'd. */
        char task_comm[GUARD_COMM_LEN];
};

/* Fixed layout on both sides: new members go at the end, and these say where. */
_Static_assert(sizeof(struct guard_event) == 136, "struct guard_event layout");
_Static_assert(__builtin_offsetof(struct guard_event, actor_comm) == 80, "struct guard_event layout");
_Static_assert(__builtin_offsetof(struct guard_event, actor_exe_dev) == 96, "struct guard_event layout");
_Static_assert(__builtin_offsetof(struct guard_event, actor_exe_ino) == 104, "struct guard_event layout");
_Static_assert(__builtin_offsetof(struct guard_event, actor_uid) == 112, "struct guard_event layout");
_Static_assert(__builtin_offsetof(struct guard_event, actor_gid) == 116, "struct guard_event layout");
_Static_assert(__builtin_offsetof(struct guard_event, task_comm) == 120, "struct guard_event layout");

/* The kernel's dev_t, as guard_event carries it. */
#define GUARD_DEV_MAJOR(dev) ((__u32) ((dev) >> 20))
#define GUARD_DEV_MINOR(dev) ((__u32) ((dev) & 0xfffff))

enum guard_tamper_what {
        GUARD_TAMPER_MAP = 1,
        GUARD_TAMPER_PROG = 2,
        GUARD_TAMPER_LINK = 3,
        GUARD_TAMPER_PIN = 4,
        GUARD_TAMPER_SIGNAL = 5,
        GUARD_TAMPER_PTRACE = 6,
        GUARD_TAMPER_SIGIO = 7,         /* object: the daemon's pid */
        GUARD_TAMPER_RLIMIT = 8,        /* object: the daemon's pid */
        GUARD_TAMPER_CGROUP_FILE = 9,   /* object: the control file's inode */
        GUARD_TAMPER_MOUNT = 10,        /* object: the bpffs device */
        GUARD_TAMPER_EXE = 11,          /* object: the PR_SET_MM option; its memory is shared */
        GUARD_TAMPER_JOIN = 12,         /* object: the daemon's cgroup id */
        GUARD_TAMPER_PID1_CHILD = 13,   /* object: the pid of PID 1's child, not exec'd yet */
        GUARD_TAMPER_TRACED_EXEC = 14,  /* actor: the traced task; object: its tracer's pid */
        GUARD_TAMPER_LEAVE = 15,        /* object: the daemon's cgroup id */
        GUARD_TAMPER_SCHED = 16,        /* object: the daemon's pid */
        GUARD_TAMPER_OOM = 17,          /* object: the daemon's pid */
        GUARD_TAMPER_CGROUP1 = 18,      /* object: the cgroup v1 superblock's device */
        GUARD_TAMPER_NAMESPACE = 19,    /* object: the inode number of the daemon's namespace */
        GUARD_TAMPER_ATTACH = 20,       /* object: the pid attached to, outside the actor's cgroup */
        GUARD_TAMPER_FILE = 21,         /* object: the inode number of a file the guard runs (or a name on its path) */
        GUARD_TAMPER_ADMIN_JOIN = 22,   /* object: the admin cgroup's id */
        GUARD_TAMPER_ADMIN_ATTACH = 23, /* object: the pid attached to, in an admin cgroup */
        GUARD_TAMPER_HELPER = 24,       /* object: the usermode helper's sysctl (enum guard_helper_sysctl) */
        GUARD_TAMPER_BINFMT = 25,       /* object: the binfmt_misc file's inode */
        GUARD_TAMPER_PROG_LOAD = 26,    /* object: the program type (an LSM program, fmod_ret: tracing, or
                                         * a tracing program from a confined cgroup) */
        GUARD_TAMPER_PID1_EXEC = 27,    /* actor: PID 1; object: the inode of the file it was to exec */
        GUARD_TAMPER_ROOT_PRIVATE = 28, /* object: the root file system's device */
        GUARD_TAMPER_DEBUGFS = 29,      /* object: 0; a debugfs file with write permission opened
                                         * (sched/preempt "full" lets a task preempted inside a
                                         * compat window program make the kernel skip it for others) */
        GUARD_TAMPER_FTRACE = 30,       /* object: 0; kernel.ftrace_enabled changed (0 unpatches every
                                         * BPF trampoline) */
        GUARD_TAMPER_SIGNAL_ALL = 31,   /* object: 0 /proc/sysrq-trigger opened, 1 a perf event with
                                         * sigtrap: signals the kernel sends as its own */
        GUARD_TAMPER_NO_WINDOW = 32,    /* object: the inode of the cgroup.procs checked; compat: a move's
                                         * permission check with no window open (its program skipped, or
                                         * no task storage): refused, fail closed */
        GUARD_TAMPER_GUARD_CGROUP_DIR = 33, /* object: the guard's cgroup id; a cgroup made in it, or it removed,
                                             * by other than PID 1 and the guard */
        GUARD_TAMPER_CGROUP_MOUNT = 34, /* object: the mount's device; a mount over cgroup2 or its unmount,
                                         * where it reaches PID 1's namespace */
        GUARD_TAMPER_LOCKDOWN = 35,     /* object: 0; securityfs's lockdown opened for writing (a raised
                                         * level takes the guard's lockdown variants at its next load) */
        GUARD_TAMPER_FANOTIFY_PERM = 36, /* object: the mark's kind (0 inode, 1 mount, 2 file system); a
                                          * fanotify mark asking for permission events */
        GUARD_TAMPER_PROC_MOUNT = 37,   /* object: the proc file system's device; moving or remounting the
                                         * one the daemon reads */
        GUARD_TAMPER_MOUNT_LIMIT = 38,  /* object: 0 user.max_mnt_namespaces, 1 fs.mount-max changed */
        GUARD_TAMPER_LEASE = 39,        /* object: the lease asked for (0 read, 1 write); a file lease
                                         * taken from a confined cgroup */
        GUARD_TAMPER_LIMIT = 40,        /* object: 0 a user.max_* limit, 1 fs.nr_open, 2 fs.file-max,
                                         * 3 vm.max_map_count, 4 kernel.threads-max, 5 kernel.pid_max,
                                         * 6 fs.inotify.max_user_instances, 7 ..._watches,
                                         * 8 net.core.bpf_jit_enable, 9 ..._limit,
                                         * 10 fs.epoll.max_user_watches; lowered; changed:
                                         * 11 kernel.sched_rt_runtime_us, 12 ..._period_us,
                                         * 13 vm.overcommit_memory, 14 ..._ratio, 15 ..._kbytes,
                                         * 16 kernel.sysrq */
        GUARD_TAMPER_KPTR = 41,         /* no longer sent (the fd checks need no kernel address); kept for old pins */
        GUARD_TAMPER_LINK_CHANGE = 42,  /* object: 0; BPF_LINK_DETACH or BPF_LINK_UPDATE outside the admin
                                         * cgroups (the fd they name cannot be judged race-free) */
        GUARD_TAMPER_COVERED_MOUNT = 43, /* object: the device of the mount it would land on; a mount onto a
                                          * place covered since it was named (an fd opened before), whose
                                          * top mount is in PID 1's namespace or propagates there */
        GUARD_TAMPER_MOUNT_RACE = 44,   /* object: the place's device; a mount onto a place another confined
                                         * task's mount is on its way to (guard_mount_claim()), or an
                                         * unmount, move or pivot_root of such a place's mount */
        GUARD_TAMPER_KEXEC = 45,        /* object: 0 kexec_file_load(), 1 kexec_load(), 2 /dev/snapshot opened,
                                         * 3 /sys/power/resume opened for writing: a kernel (or memory
                                         * image) to boot into, outside the admin cgroups */
        GUARD_TAMPER_CGROUP_PROG = 46,  /* object: the cgroup id; a cgroup program attached to the root
                                         * cgroup, PID 1's, or the daemon's or one above it, outside the
                                         * admin cgroups */
        GUARD_TAMPER_UNIT_DIR = 47,     /* actor: PID 1; object: the inode of the entry or directory; what
                                         * PID 1 does in systemd's unit directories for whoever reaches
                                         * its API and never for itself (a socket unit's Symlinks= to a
                                         * confined root's file, ListenFIFO= there, ListenSpecial= with
                                         * Writable=yes, systemctl link) */
};

/* The sysctls that make the kernel run a program as root in the root cgroup (a usermode helper). */
enum guard_helper_sysctl {
        GUARD_HELPER_CORE_PATTERN = 1,  /* kernel.core_pattern "|program", at a crash */
        GUARD_HELPER_MODPROBE = 2,      /* kernel.modprobe, at request_module() */
        GUARD_HELPER_HOTPLUG = 3,       /* kernel.hotplug (CONFIG_UEVENT_HELPER), at a uevent */
        GUARD_HELPER_POWEROFF_CMD = 4,  /* kernel.poweroff_cmd, at an orderly poweroff */
        GUARD_HELPER_SYSCTL_PROGRAM = 5, /* a cgroup/sysctl program attached (it could override the guard's) */
        GUARD_HELPER_SYSFS = 6,         /* a sysfs file naming a helper (uevent_helper, a machine check's trigger, module parameters) */
        GUARD_HELPER_OCFS2_HB_CTL = 7,  /* fs.ocfs2.nm.hb_ctl_path, ocfs2's heartbeat helper */
};

#define GUARD_MIGRATION_THREADGROUP 0x1u
#define GUARD_MIGRATION_CLONE 0x2u
/* A setns event that is no setns(): access to a task in other namespaces (ptrace_may_access():
 * /proc/PID/root, cwd, fd/, ptrace, pidfd_getfd), decided as a join of them; task_pid is that
 * task. */
#define GUARD_SETNS_THROUGH_PROC 0x4u
/* A setns event refused for the threads beside the joining one (guard_decide_sandbox_threads()). */
#define GUARD_SETNS_THREADS 0x8u
/* A setns event that is no setns(): an open of another network namespace's /proc/PID/net files
 * (guard_net_reach()), decided as a join of it; no task pid. */
#define GUARD_SETNS_PROC_NET 0x10u
/* Likewise for another network namespace's sysfs entries (a sysfs mounted from there: its net
 * devices' directories carry that namespace, guard_net_reach()). */
#define GUARD_SETNS_SYSFS_NET 0x20u
/* A child-namespace event (flags: the CLONE_NEW* types pending) at an exec, which enters the
 * prepared time namespace itself (Linux 6.6 and later), not at a fork. No CLONE_NEW* bit. */
#define GUARD_PENDING_AT_EXEC 0x1u

/* A cgroup appeared: the daemon adds what its path decides (globs at its own level). Or it went:
 * the daemon forgets it. */
struct guard_cgroup_event {
        __u32 kind;             /* GUARD_EVENT_CGROUP_MKDIR or GUARD_EVENT_CGROUP_RMDIR */
        __u32 pad;
        __u64 id;
        __u64 parent_id;
};

_Static_assert(sizeof(struct guard_cgroup_event) == 24, "struct guard_cgroup_event layout");

#define GUARD_CGROUP_EVENT_NAME_MAX 256 /* NAME_MAX + 1, as GUARD_NAME_MAX */

/* GUARD_EVENT_CGROUP_MKDIR carries the new cgroup's name: reports about a cgroup removed before
 * the daemon could read its path (a scope PID 1 could not fill) still name it. Empty where the
 * kernel's string cannot be read (lockdown=confidentiality). */
struct guard_cgroup_mkdir_event {
        struct guard_cgroup_event cgroup;
        char name[GUARD_CGROUP_EVENT_NAME_MAX];
};

_Static_assert(sizeof(struct guard_cgroup_mkdir_event) == 24 + GUARD_CGROUP_EVENT_NAME_MAX,
               "struct guard_cgroup_mkdir_event layout");

