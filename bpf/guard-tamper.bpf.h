/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* Tamper protection (policy "protect_self", on by default), for the backends that can deny:
 * nobody but cgroup-guardd itself may get a handle on the guard's maps, programs or links
 * (by id or by pin), remove or rename its pins, signal it (except PID 1) or ptrace it. The
 * daemon is recognised by its executable's device and inode, which a restarted daemon still
 * has; the daemon writes them into guard_self at start. Every refusal is reported. */

#include <bpf/bpf_core_read.h>

#include "guard-policy.bpf.h"

#define GUARD_TAMPER_EPERM 1
#define BPF_FS_MAGIC_ 0xcafe4a11
#define SIGCONT_ 18

struct guard_self {
        __u64 exe_dev;          /* kernel dev_t of cgroup-guardd's executable */
        __u64 exe_ino;
        __u32 enabled;          /* protect_self */
        __u32 pad;
};

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct guard_self);
} guard_self SEC(".maps");

/* The guard's own objects: map/prog/link ids (kind in the upper bits) and pin inode numbers. */
#define GUARD_OBJ_MAP (1ULL << 32)
#define GUARD_OBJ_PROG (2ULL << 32)
#define GUARD_OBJ_LINK (3ULL << 32)
#define GUARD_OBJ_PIN (4ULL << 32)

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 1024);
        __type(key, __u64);
        __type(value, __u8);
} guard_objects SEC(".maps");

static __always_inline struct guard_self *tamper_config(void) {
        __u32 zero = 0;
        struct guard_self *self = bpf_map_lookup_elem(&guard_self, &zero);

        return self && self->enabled ? self : NULL;
}

static __always_inline bool is_guard(struct task_struct *task, struct guard_self *self) {
        struct file *exe = task->mm->exe_file;

        return exe && exe->f_inode->i_ino == self->exe_ino && exe->f_inode->i_sb->s_dev == self->exe_dev;
}

static __always_inline bool is_guard_object(__u64 kind, __u64 id) {
        __u64 key = kind | id;

        return bpf_map_lookup_elem(&guard_objects, &key) != NULL;
}

static __always_inline int tamper_refuse(struct task_struct *actor, __u32 what, __u64 object) {
        struct guard_decision d = { .verdict = GUARD_VERDICT_DENY };

        guard_report(GUARD_EVENT_TAMPER, &d, actor, 0, object, 0, 0, 0, what);
        return -GUARD_TAMPER_EPERM;
}

SEC("lsm/bpf_map")
int BPF_PROG(guard_tamper_bpf_map, struct bpf_map *map, unsigned int fmode) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self || !is_guard_object(GUARD_OBJ_MAP, map->id))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_MAP, map->id);
}

SEC("lsm/bpf_prog")
int BPF_PROG(guard_tamper_bpf_prog, struct bpf_prog *prog) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self || !is_guard_object(GUARD_OBJ_PROG, prog->aux->id))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_PROG, prog->aux->id);
}

/* The link behind one of the current task's file descriptors, or 0. Links have no LSM hook of
 * their own; a link fd got from a pin is harmless until it is used to detach or update, so those
 * commands are checked here instead of every path lookup (inode_permission is a hot hook). */
extern const void bpf_link_fops __ksym __weak;

static __always_inline __u32 guard_link_of_fd(int fd) {
        struct task_struct *task = bpf_get_current_task_btf();
        struct fdtable *fdt = task->files->fdt;
        unsigned long slot = (unsigned long) fdt->fd;
        struct file *file = NULL;
        const void *fops = NULL;
        struct bpf_link *link = NULL;
        __u32 id = 0;

        if (fd < 0 || (unsigned int) fd >= fdt->max_fds)
                return 0;
        bpf_probe_read_kernel(&file, sizeof(file), (void *) (slot + fd * sizeof(void *)));
        if (!file)
                return 0;
        bpf_core_read(&fops, sizeof(fops), &file->f_op);
        if (fops != &bpf_link_fops)
                return 0;
        bpf_core_read(&link, sizeof(link), &file->private_data);
        if (link)
                bpf_core_read(&id, sizeof(id), &link->id);
        return id;
}

static __always_inline int tamper_check_link(__u32 id) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self || !is_guard_object(GUARD_OBJ_LINK, id))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_LINK, id);
}

SEC("lsm/bpf")
int BPF_PROG(guard_tamper_bpf, int cmd, union bpf_attr *attr, unsigned int size) {
        if (cmd == BPF_LINK_GET_FD_BY_ID)
                return tamper_check_link(attr->link_id);
        if (cmd == BPF_LINK_DETACH)
                return tamper_check_link(guard_link_of_fd(attr->link_detach.link_fd));
        if (cmd == BPF_LINK_UPDATE)
                return tamper_check_link(guard_link_of_fd(attr->link_update.link_fd));
        return 0;
}

/* lockdown=confidentiality takes bpf_probe_read_kernel() away, and with it the link behind an
 * fd. The loader then picks this one (and, on native, guard_tamper_pin_open): ids are still
 * checked, and the guard's pins cannot be opened, so no other process holds a link fd to
 * detach or update with. Off unless chosen ("?"). */
SEC("?lsm/bpf")
int BPF_PROG(guard_tamper_bpf_lockdown, int cmd, union bpf_attr *attr, unsigned int size) {
        return cmd == BPF_LINK_GET_FD_BY_ID ? tamper_check_link(attr->link_id) : 0;
}

/* Opening a pin (BPF_OBJ_GET) checks permission on its inode. Only bpffs inodes go further.
 * Compat has an inode_permission program anyway (the migration window) and adds this check to
 * it; native does without: it checks link use (above) instead of every path lookup. */
static __always_inline int guard_tamper_inode_permission(struct inode *inode) {
        struct guard_self *self;
        struct task_struct *actor;

        if (inode->i_sb->s_magic != BPF_FS_MAGIC_)
                return 0;
        self = tamper_config();
        if (!self || !is_guard_object(GUARD_OBJ_PIN, inode->i_ino))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_PIN, inode->i_ino);
}

static __always_inline int protect_pin(struct dentry *dentry) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;
        struct inode *inode = dentry->d_inode;

        if (!self || !inode || inode->i_sb->s_magic != BPF_FS_MAGIC_ || !is_guard_object(GUARD_OBJ_PIN, inode->i_ino))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_PIN, inode->i_ino);
}

SEC("lsm/inode_unlink")
int BPF_PROG(guard_tamper_inode_unlink, struct inode *dir, struct dentry *dentry) {
        return protect_pin(dentry);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(guard_tamper_inode_rmdir, struct inode *dir, struct dentry *dentry) {
        return protect_pin(dentry);
}

SEC("lsm/inode_rename")
int BPF_PROG(guard_tamper_inode_rename, struct inode *old_dir, struct dentry *old_dentry, struct inode *new_dir,
             struct dentry *new_dentry) {
        return protect_pin(old_dentry) ?: protect_pin(new_dentry);
}

/* Signals to the daemon: only from PID 1 (systemd stopping the service), the daemon itself, and
 * its own unit's cgroup (ExecReload=kill -HUP runs there); never from the root cgroup. */
SEC("lsm/task_kill")
int BPF_PROG(guard_tamper_task_kill, struct task_struct *target, struct kernel_siginfo *info, int sig,
             const struct cred *cred) {
        struct guard_self *self;
        struct task_struct *actor;

        if (sig == 0 || sig == SIGCONT_)
                return 0;
        self = tamper_config();
        if (!self || !is_guard(target, self))
                return 0;
        actor = bpf_get_current_task_btf();
        if (actor->tgid == 1 || is_guard(actor, self))
                return 0;
        if (target->cgroups->dfl_cgrp->level > 0 && guard_task_cgroup_id(actor) == guard_task_cgroup_id(target))
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_SIGNAL, target->tgid);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(guard_tamper_ptrace, struct task_struct *child, unsigned int mode) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self || !is_guard(child, self))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_PTRACE, child->tgid);
}
