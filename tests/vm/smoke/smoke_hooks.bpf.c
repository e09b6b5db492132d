/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/* Rig smoke test for the hooks kernel: the proposed hooks exist and their return value is
 * honoured. Denies every migration into one cgroup (cgroup.procs, cgroup.threads and
 * clone3(CLONE_INTO_CGROUP)) and every setns() into one namespace. */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 target_cgroup_id = 0;
const volatile __u32 target_ns_inum = 0;

SEC("lsm.s/cgroup_attach")
int BPF_PROG(smoke_cgroup_attach, struct task_struct *task, struct cgroup *src_cgrp, struct cgroup *dst_cgrp,
             struct super_block *sb, bool threadgroup, struct cgroup_namespace *ns) {
        if (dst_cgrp->kn->id == target_cgroup_id)
                return -1; /* -EPERM */
        return 0;
}

SEC("lsm.s/namespace_install")
int BPF_PROG(smoke_namespace_install, struct nsset *nsset, struct ns_common *ns) {
        if (ns->inum == target_ns_inum)
                return -1;
        return 0;
}
