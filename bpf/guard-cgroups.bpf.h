/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* Cgroups come and go; every backend includes these two programs. A new cgroup inherits its
 * parent's entry at once, in the kernel (a protected or locked subtree covers its new children
 * from their creation), and userspace is told so it can add what only a glob at the child's own
 * level decides. Entries of removed cgroups are dropped, and userspace is told that too. */

#include "guard-policy.bpf.h"

/* A new cgroup's name and entry: too big for the BPF stack. */
struct guard_mkdir_scratch {
        struct guard_value value;
        char name[GUARD_NAME_MAX];
};

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct guard_mkdir_scratch);
} guard_mkdir_scratch SEC(".maps");

/* The new cgroup's entry, if its parent classifies its children: classified from the parent's
 * state and its name (the compiler's own result, bpf/guard-decide.h), or, where that cannot be
 * done here, the parent's entry, which the daemon then corrects. Returns whether it was
 * classified. */
static __always_inline int guard_cgroup_enter(struct cgroup *cgrp, __u64 id, __u64 parent, int read_name) {
        struct guard_key key = { .kind = GUARD_KEY_CGROUP, .a = id };
        void *policy = guard_policy_map();
        struct guard_mkdir_scratch *scratch;
        struct guard_value *parent_info;
        __u32 zero = 0;

        if (!policy)
                return 0;
        /* Children of a settled cgroup (or of one without an entry) are alike: no entry, the
         * decisions find the ancestor's (guard_cgroup_entry()). */
        parent_info = guard_lookup(policy, GUARD_KEY_CGROUP, parent, 0);
        if (!parent_info || !parent_info->cgroup.state)
                return 0;
        scratch = bpf_map_lookup_elem(&guard_mkdir_scratch, &zero);
        if (read_name && scratch &&
            bpf_probe_read_kernel_str(scratch->name, sizeof(scratch->name), cgrp->kn->name) > 0 &&
            guard_classify_child(policy, &parent_info->cgroup, id, scratch->name, &scratch->value.cgroup)) {
                /* (int): the verifier calls the map's update op directly, which returns int: the
                 * upper half of the result is not sign-extended. */
                if ((int) bpf_map_update_elem(policy, &key, &scratch->value, BPF_ANY) < 0)
                        guard_count(GUARD_COUNTER_MAP_FULL);
                return 1;
        }
        if ((int) bpf_map_update_elem(policy, &key, parent_info, BPF_NOEXIST) == -7 /* E2BIG */)
                guard_count(GUARD_COUNTER_MAP_FULL);
        return 0;
}

/* Tells the daemon a cgroup appeared or went (kind: GUARD_EVENT_CGROUP_MKDIR or _RMDIR). */
static __always_inline void guard_cgroup_notify(__u32 kind, __u64 id, __u64 parent) {
        struct guard_cgroup_event *e = bpf_ringbuf_reserve(&guard_events, sizeof(*e), 0);

        if (!e) {
                guard_count(GUARD_COUNTER_LOST_CGROUP_EVENTS);
                return;
        }
        e->kind = kind;
        e->pad = 0;
        e->id = id;
        e->parent_id = parent;
        bpf_ringbuf_submit(e, 0);
}

/* kernfs_node.parent became __parent in 6.15; the css parent is stable. */
static __always_inline __u64 guard_cgroup_parent_id(struct cgroup *cgrp) {
        return cgrp->self.parent->cgroup->kn->id;
}

static __always_inline int guard_cgroup_created(struct cgroup *cgrp, int read_name) {
        __u64 id, parent;

        if (cgrp->root->hierarchy_id != 0)
                return 0;
        id = cgrp->kn->id;
        parent = guard_cgroup_parent_id(cgrp);
        guard_cgroup_enter(cgrp, id, parent, read_name);
        guard_cgroup_notify(GUARD_EVENT_CGROUP_MKDIR, id, parent);
        return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(guard_cgroup_mkdir, struct cgroup *cgrp, const char *path) {
        return guard_cgroup_created(cgrp, 1);
}

/* Under lockdown=confidentiality, where bpf_probe_read_kernel_str() is refused: the name cannot
 * be read, so the new cgroup starts with its parent's entry and the daemon classifies it. */
SEC("?tp_btf/cgroup_mkdir")
int BPF_PROG(guard_cgroup_mkdir_lockdown, struct cgroup *cgrp, const char *path) {
        return guard_cgroup_created(cgrp, 0);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(guard_cgroup_rmdir, struct cgroup *cgrp, const char *path) {
        void *policy = guard_policy_map();
        struct guard_key key = { .kind = GUARD_KEY_CGROUP };

        if (!policy || cgrp->root->hierarchy_id != 0)
                return 0;
        key.a = cgrp->kn->id;
        bpf_map_delete_elem(policy, &key);
        /* The daemon forgets it now; its sweep only catches what a full ring buffer lost. */
        guard_cgroup_notify(GUARD_EVENT_CGROUP_RMDIR, key.a, guard_cgroup_parent_id(cgrp));
        return 0;
}
