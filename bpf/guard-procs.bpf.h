/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* Where a cgroup.procs write takes a process from, when its leader has exited (native and
 * compat). The kernel checks the write as leaving the leader's cgroup, but moves only the live
 * threads (cgroup_migrate_add_task() skips exiting tasks), and a zombie leader keeps the cgroup
 * it died in: with the threads moved elsewhere since, src == dst passed as a move that changes
 * nothing while they left. The write's first step (cgroup_procs_write_start(), which finds the
 * leader) notes a live thread's cgroup for the permission check of the same write. No typed
 * pointer leads from a task to its threads on 6.1, so they are read with
 * bpf_probe_read_kernel(), which lockdown=confidentiality takes away (the program using it would
 * not load): there, and past GUARD_THREAD_WALK_MAX exiting threads, the source is unknown and
 * gets the GUARD_CGROUP_UNCLASSIFIED entry: fail closed. With every thread exiting nothing moves:
 * a move that changes nothing. One invocation per cgroup.procs/cgroup.threads
 * write (bench/README.md). */

#include "guard-policy.bpf.h"

#define PF_EXITING_ 0x00000004
#define GUARD_THREAD_WALK_MAX 16

enum {
        GUARD_PROCS_UNKNOWN,
        GUARD_PROCS_KNOWN,
        GUARD_PROCS_NONE_LIVE,  /* every thread is exiting: nothing moves */
};

struct guard_procs_source {
        __u64 leader_src;       /* the leader's cgroup: the note is for a check told this one */
        __u64 src;              /* a live thread's cgroup (the leader's if unknown) */
        __u64 src_entry;        /* the id whose entry applies to it (guard_cgroup_entry()) */
        __u32 noted;
        __u32 known;            /* GUARD_PROCS_* */
};

struct {
        __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, int);
        __type(value, struct guard_procs_source);
} guard_procs_sources SEC(".maps");

/* guard_cgroup_entry() for a cgroup reached through bpf_probe_read_kernel(). */
static __always_inline void guard_cgroup_entry_id_read(void *policy, struct cgroup *cg, __u64 *ret_id) {
        *ret_id = 0;
        if (!policy)
                return;
        for (int level = 0; level < GUARD_CGROUP_WALK_MAX; level++) {
                struct cgroup_subsys_state *parent;
                struct guard_value *v;
                __u64 id;

                if (!cg)
                        return;
                id = BPF_CORE_READ(cg, kn, id);
                v = guard_lookup(policy, GUARD_KEY_CGROUP, id, 0);
                if (v) {
                        *ret_id = level > 0 && v->cgroup.state ? GUARD_CGROUP_UNCLASSIFIED : id;
                        return;
                }
                parent = BPF_CORE_READ(cg, self.parent);
                if (!parent)
                        return;
                cg = BPF_CORE_READ(parent, cgroup);
        }
        *ret_id = GUARD_CGROUP_UNCLASSIFIED;
}

/* A live thread's cgroup (the leader first, as the kernel lists them) in *ret; GUARD_PROCS_*. */
static __always_inline int guard_live_thread_cgroup(struct task_struct *leader, struct cgroup **ret) {
        void *head = (void *) BPF_CORE_READ(leader, signal);
        void *pos = BPF_CORE_READ(leader, signal, thread_head.next);

        if (!head || !pos)
                return GUARD_PROCS_UNKNOWN;
        head += bpf_core_field_offset(struct signal_struct, thread_head);
        for (int i = 0; i < GUARD_THREAD_WALK_MAX && pos; i++) {
                struct task_struct *t = pos - bpf_core_field_offset(struct task_struct, thread_node);

                if (pos == head)
                        return GUARD_PROCS_NONE_LIVE;
                if (!(BPF_CORE_READ(t, flags) & PF_EXITING_)) {
                        *ret = BPF_CORE_READ(t, cgroups, dfl_cgrp);
                        return *ret ? GUARD_PROCS_KNOWN : GUARD_PROCS_UNKNOWN;
                }
                pos = BPF_CORE_READ((struct list_head *) pos, next);
        }
        return GUARD_PROCS_UNKNOWN;
}

static __always_inline void guard_note_procs_source(bool threadgroup, struct task_struct *leader, bool can_read) {
        struct task_struct *writer = bpf_get_current_task_btf();
        struct guard_procs_source *note = bpf_task_storage_get(&guard_procs_sources, writer, 0, 0);
        struct cgroup *live = NULL;
        int known = GUARD_PROCS_UNKNOWN;

        if (note)
                note->noted = 0; /* a cgroup v1 write, which has no such permission check, left it */
        if (!threadgroup || (unsigned long) leader >= (unsigned long) -4095 || !(leader->flags & PF_EXITING_))
                return;
        note = bpf_task_storage_get(&guard_procs_sources, writer, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (!note)
                return;
        note->leader_src = leader->cgroups->dfl_cgrp->kn->id;
        if (can_read)
                known = guard_live_thread_cgroup(leader, &live);
        note->src = note->leader_src;
        note->src_entry = GUARD_CGROUP_UNCLASSIFIED;
        if (known == GUARD_PROCS_KNOWN) {
                note->src = BPF_CORE_READ(live, kn, id);
                guard_cgroup_entry_id_read(guard_policy_map(), live, &note->src_entry);
        }
        note->known = known;
        note->noted = 1;
}

SEC("fexit/cgroup_procs_write_start")
int BPF_PROG(guard_procs_write_start, char *buf, bool threadgroup, bool *threadgroup_locked, struct task_struct *leader) {
        guard_note_procs_source(threadgroup, leader, true);
        return 0;
}

SEC("?fexit/cgroup_procs_write_start")
int BPF_PROG(guard_procs_write_start_lockdown, char *buf, bool threadgroup, bool *threadgroup_locked,
             struct task_struct *leader) {
        guard_note_procs_source(threadgroup, leader, false);
        return 0;
}

/* In the permission check of a cgroup.procs write told the leader's cgroup leader_src: the
 * source noted for this write, if any (then 1, and the note is used up); *ret_known: GUARD_PROCS_*. */
static __always_inline int guard_procs_noted(__u64 leader_src, __u64 *ret_src, __u64 *ret_entry_id, int *ret_known) {
        struct guard_procs_source *note = bpf_task_storage_get(&guard_procs_sources, bpf_get_current_task_btf(), 0, 0);

        if (!note || !note->noted)
                return 0;
        note->noted = 0;
        if (note->leader_src != leader_src)
                return 0;
        *ret_src = note->src;
        *ret_entry_id = note->src_entry;
        *ret_known = note->known;
        return 1;
}
