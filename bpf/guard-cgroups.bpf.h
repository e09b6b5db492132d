/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* Cgroups come and go; every backend includes these two programs. A new cgroup inherits its
 * parent's entry at once, in the kernel (a protected or locked subtree covers its new children
 * from their creation), and userspace is told so it can add what only a glob at the child's own
 * level decides. Entries of removed cgroups are dropped. */

#include "guard-policy.bpf.h"

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(guard_cgroup_mkdir, struct cgroup *cgrp, const char *path) {
        void *policy = guard_policy_map();
        struct guard_cgroup_event *e;
        struct guard_value *parent_info;
        struct guard_key key = { .kind = GUARD_KEY_CGROUP };
        __u64 id, parent;

        if (cgrp->root->hierarchy_id != 0)
                return 0;
        id = cgrp->kn->id;
        /* kernfs_node.parent became __parent in 6.15; the css parent is stable. */
        parent = cgrp->self.parent->cgroup->kn->id;
        if (policy) {
                parent_info = guard_lookup(policy, GUARD_KEY_CGROUP, parent, 0);
                if (parent_info) {
                        key.a = id;
                        bpf_map_update_elem(policy, &key, parent_info, BPF_NOEXIST);
                }
        }

        e = bpf_ringbuf_reserve(&guard_events, sizeof(*e), 0);
        if (!e) {
                guard_count(GUARD_COUNTER_LOST_EVENTS);
                return 0;
        }
        e->kind = GUARD_EVENT_CGROUP_MKDIR;
        e->pad = 0;
        e->id = id;
        e->parent_id = parent;
        bpf_ringbuf_submit(e, 0);
        return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(guard_cgroup_rmdir, struct cgroup *cgrp, const char *path) {
        void *policy = guard_policy_map();
        struct guard_key key = { .kind = GUARD_KEY_CGROUP };

        if (!policy || cgrp->root->hierarchy_id != 0)
                return 0;
        key.a = cgrp->kn->id;
        bpf_map_delete_elem(policy, &key);
        return 0;
}
