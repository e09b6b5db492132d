/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */

/* Observe backend: where no BPF LSM program can load, report every completed cgroup migration
 * from the cgroup_attach_task tracepoint. It cannot prevent anything; userspace decides what
 * was a violation and applies the configured response. */

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "guard-event.h"

char LICENSE[] SEC("license") = "GPL";

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, __u64);
} lost_events SEC(".maps");

static __always_inline __u64 task_cgroup_id(struct task_struct *task) {
        return task->cgroups->dfl_cgrp->kn->id;
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(observe_cgroup_attach_task, struct cgroup *dst_cgrp, const char *path,
             struct task_struct *task, bool threadgroup) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct guard_event *e;
        __u32 zero = 0;
        __u64 *lost;

        /* Only the default (cgroup2) hierarchy, id 0, is policy; v1 hierarchies of hybrid setups are not. */
        if (dst_cgrp->root->hierarchy_id != 0)
                return 0;

        e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
        if (!e) {
                lost = bpf_map_lookup_elem(&lost_events, &zero);
                if (lost)
                        __sync_fetch_and_add(lost, 1);
                return 0;
        }
        e->kind = GUARD_EVENT_MIGRATION;
        e->verdict = GUARD_VERDICT_OBSERVED;
        e->actor_pid = actor->pid;
        e->actor_tgid = actor->tgid;
        e->actor_cgroup_id = task_cgroup_id(actor);
        e->task_pid = task->pid;
        e->flags = threadgroup ? GUARD_MIGRATION_THREADGROUP : 0;
        /* The tracepoint fires after the move: the task's css_set already points at dst. */
        e->src_cgroup_id = 0;
        e->dst_cgroup_id = dst_cgrp->kn->id;
        e->ns_type = 0;
        e->ns_inum = 0;
        e->rule_id = 0;
        e->generation = 0;
        e->timestamp_ns = bpf_ktime_get_ns();
        bpf_get_current_comm(e->actor_comm, sizeof(e->actor_comm));
        bpf_ringbuf_submit(e, 0);
        return 0;
}
