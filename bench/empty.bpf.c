/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */

/* The floor the guard's programs are measured against: one empty program on each hook the guard
 * uses (bench/cg-empty.c loads those the running kernel has). Same attach types, nothing inside,
 * so what is left is what the kernel charges for calling a BPF program there. */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY(sec, name) \
        SEC("?" sec) int BPF_PROG(empty_##name) { return 0; }

/* native */
EMPTY("lsm/cgroup_attach", cgroup_attach)
EMPTY("lsm/namespace_install", namespace_install)
EMPTY("lsm/namespace_alloc", namespace_alloc)
EMPTY("lsm/namespace_free", namespace_free)
EMPTY("lsm/task_alloc", task_alloc)
EMPTY("lsm/file_open", file_open)
EMPTY("lsm/task_kill", task_kill)
EMPTY("tp_btf/cgroup_mkdir", cgroup_mkdir)
/* compat */
EMPTY("fentry/cgroup_attach_permissions", cgroup_attach_permissions_enter)
EMPTY("fexit/cgroup_attach_permissions", cgroup_attach_permissions_exit)
EMPTY("lsm/inode_permission", inode_permission)
EMPTY("fentry/utsns_install", utsns_install_enter)
EMPTY("fexit/utsns_install", utsns_install_exit)
EMPTY("fentry/ksys_unshare", ksys_unshare_enter)
EMPTY("fexit/ksys_unshare", ksys_unshare_exit)
EMPTY("lsm/capable", capable)
EMPTY("lsm/userns_create", userns_create)
EMPTY("fentry/proc_free_inum", proc_free_inum)
EMPTY("tp_btf/task_newtask", task_newtask)
/* observe */
EMPTY("tp_btf/cgroup_attach_task", cgroup_attach_task)
