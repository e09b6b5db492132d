/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* The "provided" vmlinux.h (meson option vmlinux-h=provided, the default): only the kernel types
 * our programs touch, each marked preserve_access_index so every field access is a CO-RE
 * relocation resolved against the running kernel's BTF at load time. Field order and sizes here
 * do not matter; names do. This keeps the build independent of the build machine's kernel and
 * makes one object work on Debian's 6.1, 6.18 and kernels carrying the new hooks. Fields that
 * moved between versions are read through ___flavor structs in bpf/guard-policy.bpf.h. */

#include <linux/types.h>
#include <linux/bpf.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
typedef _Bool bool;
typedef int pid_t;
enum { false = 0, true = 1 };

/* Only ever used through pointers. */
struct nsset;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct kernfs_node {
        struct kernfs_node *parent;
        const char *name;
        const void *ns;                 /* sysfs: the struct net of a net device's directory */
        u64 id;
        unsigned short flags;           /* KERNFS_NS: a directory whose entries carry namespaces */
        void *priv;                     /* a cgroup directory's struct cgroup */
};

/* A kernfs superblock's s_fs_info, and its root (read with bpf_probe_read_kernel(): reached
 * through a void pointer). */
struct kernfs_root {
        struct kernfs_node *kn;
};

struct kernfs_super_info {
        struct kernfs_root *root;
        const void *ns;                 /* sysfs: the namespace the mounter was in (what it lists) */
};

struct cgroup;
struct cgroup_subsys_state {
        struct cgroup *cgroup;
        struct cgroup_subsys_state *parent;
};

struct cgroup_root {
        int hierarchy_id;
        unsigned int subsys_mask;       /* the controllers a v1 hierarchy binds */
        char release_agent_path[1];     /* PATH_MAX in the kernel: only the first byte is read */
};

struct cgroup {
        struct cgroup_subsys_state self;
        struct kernfs_node *kn;
        struct cgroup_root *root;
        int level;
        int nr_threaded_children;       /* threaded children: a threaded domain (4.14) */
        struct cgroup *dom_cgrp;        /* itself, unless threaded (4.14) */
};

struct css_set {
        struct cgroup *dfl_cgrp;
};

struct super_block {
        unsigned int s_dev;
        unsigned long s_magic;
        void *s_fs_info;
};

struct bpf_map {
        u32 id;
        char name[16];
};

struct bpf_prog_aux {
        u32 id;
};

struct bpf_prog {
        enum bpf_prog_type type;
        enum bpf_attach_type expected_attach_type;
        struct bpf_prog_aux *aux;
};

struct qstr {
        u32 len;                /* inside an anonymous struct in a union */
        const unsigned char *name;
};

struct dentry {
        unsigned int d_flags;
        struct dentry *d_parent;
        struct qstr d_name;
        struct inode *d_inode;
        unsigned char d_iname[32]; /* short names, NUL-terminated (DNAME_INLINE_LEN) */
};

struct kernel_siginfo;

typedef struct {
        int counter;
} atomic_t;

struct inode {
        unsigned short i_mode;
        unsigned long i_ino;
        __u32 i_generation;
        struct super_block *i_sb;
        atomic_t i_writecount; /* opens for writing (guard_entry_arrives()) */
        void *i_private;       /* kernfs (sysfs, cgroupfs): its struct kernfs_node */
        __u32 i_rdev;          /* a device node's device (dev_t) */
        unsigned int i_nlink;  /* 0: an O_TMPFILE not linked yet (in an anonymous union: CO-RE finds it) */
        unsigned long i_state; /* I_NEW, I_CREATING (u32 on 6.12: libbpf narrows the load) */
};

/* copy_process()'s arguments (cgroup_can_fork()): the CLONE_* flags. */
struct kernel_clone_args {
        __u64 flags;
};

struct vfsmount {
        struct dentry *mnt_root;
        struct super_block *mnt_sb;
        int mnt_flags;
};

/* The kernel's own (fs/mount.h), around a vfsmount: read only with bpf_probe_read_kernel(). */
struct list_head {
        struct list_head *next, *prev;
};

struct mount {
        struct mount *mnt_parent;
        struct dentry *mnt_mountpoint;  /* the directory it is mounted on, in its parent */
        struct vfsmount mnt;
        struct list_head mnt_mounts;    /* its children, linked through their mnt_child */
        struct list_head mnt_child;
        struct list_head mnt_share;     /* its peers: a circular list */
        struct list_head mnt_slave_list; /* its slaves, linked through their mnt_slave */
        struct list_head mnt_slave;
        struct mount *mnt_master;       /* the peer whose mnt_slave_list it is on */
        struct mnt_namespace *mnt_ns;
};

struct path {
        struct vfsmount *mnt;
        struct dentry *dentry;
};

struct file {
        struct inode *f_inode;
        struct path f_path;
        const void *f_op;
        void *private_data;
        unsigned int f_mode;
};

struct fown_struct;
struct rlimit;

/* A perf event: where its attributes are moves between kernels (CO-RE); within them, UAPI's fixed
 * layout: the flag bits (bitfields) are read whole, the __u64 at offset 40. */
struct perf_event_attr___flags {
        __u64 config_and_before[3];
};
struct perf_event {
        struct perf_event_attr___flags attr;
};
#define PERF_ATTR_FLAGS_OFFSET 40

/* Why the kernel asks whether it is locked down: only the name matters, CO-RE gives its value. */
enum lockdown_reason {
        LOCKDOWN_DEBUGFS = 14,
        LOCKDOWN_BPF_WRITE_USER = 17,
};

/* A unix socket: the listening socket's path is copied to the server side of each connection. */
struct sock;
struct socket {
        struct sock *sk;
};
struct unix_sock {
        struct path path;
        struct sock *peer;
};

struct iattr {
        unsigned int ia_valid;
};

struct fdtable {
        unsigned int max_fds;
        struct file **fd;
};

struct files_struct {
        struct fdtable *fdt;
};

struct bpf_link {
        u32 id;
};


struct mm_struct {
        struct file *exe_file;
        atomic_t mm_users;      /* tasks sharing it (threads, CLONE_VM); inside an anonymous struct */
};

struct linux_binprm {
        struct file *file;
};

struct proc_ns_operations {
        int type;
};

struct ns_common {
        unsigned int inum;
        const struct proc_ns_operations *ops;
};

struct uts_namespace { struct ns_common ns; };
struct ipc_namespace { struct ns_common ns; };
struct mnt_namespace { struct ns_common ns; };
struct pid_namespace { struct ns_common ns; unsigned int level; };
struct proc_dir_entry;
struct net { struct ns_common ns; struct proc_dir_entry *proc_net; };
struct proc_dir_entry {
        struct proc_dir_entry *parent;  /* the proc root's is itself */
        void *data;                     /* a namespace's proc_net directory: that struct net */
};
struct proc_inode {
        struct proc_dir_entry *pde;
        struct inode vfs_inode;
};
struct time_namespace { struct ns_common ns; };
struct cgroup_namespace { struct ns_common ns; };
struct user_namespace { struct ns_common ns; int level; };

struct nsproxy {
        struct uts_namespace *uts_ns;
        struct ipc_namespace *ipc_ns;
        struct mnt_namespace *mnt_ns;
        struct pid_namespace *pid_ns_for_children;
        struct net *net_ns;
        struct time_namespace *time_ns;
        struct time_namespace *time_ns_for_children;
        struct cgroup_namespace *cgroup_ns;
};

struct pid {
        unsigned int level;
};

struct cred {
        struct user_namespace *user_ns;
};

struct pt_regs {
        unsigned long r8;
        unsigned long di;
        unsigned long si;
        unsigned long orig_ax;
};

struct signal_struct {
        struct list_head thread_head;
        int nr_threads;
};

struct thread_info {
        u32 status;                     /* TS_COMPAT: in an ia32 system call */
};

struct task_struct {
        struct thread_info thread_info;
        unsigned int flags;
        struct list_head thread_node;
        struct signal_struct *signal;
        pid_t pid;
        pid_t tgid;
        char comm[16];
        struct css_set *cgroups;
        struct mm_struct *mm;
        struct task_struct *group_leader;
        struct nsproxy *nsproxy;
        const struct cred *cred;
        struct files_struct *files;
        unsigned int __state;
        struct task_struct *real_parent;
        struct task_struct *parent;     /* the tracer, while traced */
        unsigned int ptrace;
        struct pid *thread_pid;
        u64 start_boottime;             /* ns, what /proc/PID/stat shows in clock ticks */
};

#pragma clang attribute pop

struct seq_file;
struct bpf_iter_meta {
        union {
                struct seq_file *seq;
        };
        u64 session_id;
        u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_iter__cgroup {
        union {
                struct bpf_iter_meta *meta;
        };
        union {
                struct cgroup *cgroup;
        };
} __attribute__((preserve_access_index));

struct bpf_iter__task {
        union {
                struct bpf_iter_meta *meta;
        };
        union {
                struct task_struct *task;
        };
};
