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

/* The new cgroup's entry in one generation (policy), if its parent classifies its children:
 * classified from the parent's state and its name (the compiler's own result,
 * bpf/guard-decide.h), or, where that cannot be done here, the parent's entry, which the daemon
 * then corrects. Returns whether it was classified. */
static __always_inline int guard_cgroup_enter(void *policy, struct cgroup *cgrp, __u64 id, __u64 parent, int read_name) {
        struct guard_key key = { .kind = GUARD_KEY_CGROUP, .a = id };
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
        /* The parent's entry, its state replaced as the daemon does (GUARD_STATE_DAEMON): a copy
         * that kept a classifying state had its own children classified from the parent's level,
         * x/L getting what the plain name L there gets (a review found it). */
        if (!scratch)
                return 0;
        scratch->value = *parent_info;
        scratch->value.cgroup.state = GUARD_STATE_DAEMON;
        if ((int) bpf_map_update_elem(policy, &key, &scratch->value, BPF_NOEXIST) == -7 /* E2BIG */)
                guard_count(GUARD_COUNTER_MAP_FULL);
        return 0;
}

_Static_assert(GUARD_CGROUP_EVENT_NAME_MAX == GUARD_NAME_MAX, "cgroup names");

/* Tells the daemon a cgroup went. */
static __always_inline void guard_cgroup_notify_rmdir(__u64 id, __u64 parent) {
        struct guard_cgroup_event *e = bpf_ringbuf_reserve(&guard_events, sizeof(*e), 0);

        if (!e) {
                guard_count(GUARD_COUNTER_LOST_CGROUP_EVENTS);
                return;
        }
        e->kind = GUARD_EVENT_CGROUP_RMDIR;
        e->pad = 0;
        e->id = id;
        e->parent_id = parent;
        bpf_ringbuf_submit(e, 0);
}

/* Tells the daemon a cgroup appeared, with its name (read_name: the kernel lets us read it). */
static __always_inline void guard_cgroup_notify_mkdir(struct cgroup *cgrp, __u64 id, __u64 parent, int read_name) {
        struct guard_cgroup_mkdir_event *e = bpf_ringbuf_reserve(&guard_events, sizeof(*e), 0);

        if (!e) {
                guard_count(GUARD_COUNTER_LOST_CGROUP_EVENTS);
                return;
        }
        e->cgroup.kind = GUARD_EVENT_CGROUP_MKDIR;
        e->cgroup.pad = 0;
        e->cgroup.id = id;
        e->cgroup.parent_id = parent;
        e->name[0] = 0;
        if (read_name && bpf_probe_read_kernel_str(e->name, sizeof(e->name), cgrp->kn->name) < 0)
                e->name[0] = 0;
        bpf_ringbuf_submit(e, 0);
}

/* kernfs_node.parent became __parent in 6.15; the css parent is stable. */
static __always_inline __u64 guard_cgroup_parent_id(struct cgroup *cgrp) {
        return cgrp->self.parent->cgroup->kn->id;
}

/* What guard_cgroup_enter_slot() needs, on the caller's stack. */
struct guard_cgroup_enter_ctx {
        struct cgroup *cgrp;
        __u64 id, parent;
        int read_name;
};

/* One slot of the outer map (GUARD_SLOT_ACTIVE, GUARD_SLOT_NEXT): a bpf_loop() callback, so the
 * verifier checks the classification once, not once per slot (it was most of the daemon's start
 * under TCG). */
static long guard_cgroup_enter_slot(__u64 slot, void *data) {
        struct guard_cgroup_enter_ctx *ctx = data;
        __u32 key = slot;

        guard_cgroup_enter(bpf_map_lookup_elem(&guard_policy, &key), ctx->cgrp, ctx->id, ctx->parent, ctx->read_name);
        return 0;
}

_Static_assert(GUARD_SLOT_ACTIVE == 0 && GUARD_SLOT_NEXT == 1, "the slots guard_cgroup_created() walks");

static __always_inline int guard_cgroup_created(struct cgroup *cgrp, int read_name) {
        struct guard_cgroup_enter_ctx ctx = { .cgrp = cgrp, .read_name = read_name };

        if (cgrp->root->hierarchy_id != 0)
                return 0;
        ctx.id = cgrp->kn->id;
        ctx.parent = guard_cgroup_parent_id(cgrp);
        /* The generation in force, and the one being prepared, from its own entries: in force
         * next, it covers this cgroup already (manager_reload()). */
        bpf_loop(2, guard_cgroup_enter_slot, &ctx, 0);
        guard_cgroup_notify_mkdir(cgrp, ctx.id, ctx.parent, read_name);
        return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(guard_cgroup_mkdir, struct cgroup *cgrp, const char *path) {
        if (guard_set_retired())
                return 0;
        return guard_cgroup_created(cgrp, 1);
}

/* Under lockdown=confidentiality, where bpf_probe_read_kernel_str() is refused: the name cannot
 * be read, so the new cgroup starts with its parent's entry and the daemon classifies it. */
SEC("?tp_btf/cgroup_mkdir")
int BPF_PROG(guard_cgroup_mkdir_lockdown, struct cgroup *cgrp, const char *path) {
        if (guard_set_retired())
                return 0;
        return guard_cgroup_created(cgrp, 0);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(guard_cgroup_rmdir, struct cgroup *cgrp, const char *path) {
        struct guard_key key = { .kind = GUARD_KEY_CGROUP };
        void *policy, *next;

        if (guard_set_retired() || cgrp->root->hierarchy_id != 0)
                return 0;
        policy = guard_policy_map();
        next = guard_next_policy_map();
        key.a = cgrp->kn->id;
        bpf_map_delete_elem(&guard_cgroup_counts, &key.a);
        if (next)
                bpf_map_delete_elem(next, &key);
        if (!policy)
                return 0;
        bpf_map_delete_elem(policy, &key);
        /* The daemon forgets it now; its sweep only catches what a full ring buffer lost. */
        guard_cgroup_notify_rmdir(key.a, guard_cgroup_parent_id(cgrp));
        return 0;
}

/* The per-cgroup state, readable with the daemon stopped: `cat` on the pinned link "cgroups"
 * under the guard's bpffs directory runs this for every cgroup of the cgroup2 hierarchy, parents
 * before children. One line each (format in cgroup-guardd(8), CGROUP STATE):
 *   ID LEVEL NAME entry=own|inherited|unclassified|none protect=RULE mode=M lock=TYPE:RULE,...
 *   denied=N audited=N observed=N
 * RULE is the rule's name ("policy-file:protect/0" unless the policy names it) from guard_rule_names (the daemon writes them), "-" for none.
 * It reads the maps only: nothing here changes what is enforced. */
static const char guard_ns_names[GUARD_NS_TYPES][8] = { "mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time" };

static __always_inline void guard_seq_rule(struct seq_file *seq, void *policy, __u32 rule_id) {
        struct guard_rule_name *name = NULL;
        struct guard_value *rule;

        if (!rule_id) {
                BPF_SEQ_PRINTF(seq, "-");
                return;
        }
        if (rule_id == GUARD_RULE_UNCLASSIFIED) {
                BPF_SEQ_PRINTF(seq, "unclassified");
                return;
        }
        rule = policy ? guard_lookup(policy, GUARD_KEY_RULE, rule_id, 0) : NULL;
        if (rule && rule->rule.name_hash) {
                __u64 hash = rule->rule.name_hash;

                name = bpf_map_lookup_elem(&guard_rule_names, &hash);
        }
        if (name)
                BPF_SEQ_PRINTF(seq, "%s", name->rule);
        else
                BPF_SEQ_PRINTF(seq, "rule#%u", rule_id);
}

/* A cgroup iterator cannot resume across read sessions (the kernel refuses, EOPNOTSUPP, once
 * its 32 KiB buffer filled): the listing stays within one by listing only what differs, and at
 * most GUARD_ITER_LINES cgroups. Lines per session id. */
#define GUARD_ITER_LINES 150

struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 64);
        __type(key, __u64);     /* bpf_iter_meta.session_id */
        __type(value, __u32);
} guard_iter_lines SEC(".maps");

SEC("iter/cgroup")
int guard_iter_cgroups(struct bpf_iter__cgroup *ctx) {
        struct seq_file *seq = ctx->meta->seq;
        struct cgroup *cgrp = ctx->cgroup;
        struct guard_cgroup_counts *counts;
        struct guard_value *entry, *config;
        static const char modes[3][8] = { "off", "audit", "enforce" };
        void *policy = guard_policy_map();
        __u64 id, entry_id = 0;
        __u32 mode, any = 0;

        if (!cgrp)
                return 0;
        if (ctx->meta->seq_num == 0) {
                config = policy ? guard_lookup(policy, GUARD_KEY_CONFIG, 0, 0) : NULL;
                BPF_SEQ_PRINTF(seq, "# cgroup-guard: generation %u\n", config ? config->config.generation : 0);
                BPF_SEQ_PRINTF(seq, "# id level name entry protect mode lock denied audited observed\n");
                BPF_SEQ_PRINTF(seq, "# (cgroups not listed decide by their nearest listed ancestor's entry and have no counts)\n");
        }
        id = cgrp->kn->id;
        entry = guard_cgroup_entry(policy, cgrp, &entry_id);
        counts = bpf_map_lookup_elem(&guard_cgroup_counts, &id);
        /* A cgroup deciding by its nearest ancestor's entry and without counts says nothing its
         * listed ancestor does not: left out, except the first one visited (the root of the walk,
         * or the one cgroup of a walk of one: cgroup-guardd --show-cgroup). */
        if (ctx->meta->seq_num > 0 && entry_id != id && entry_id != GUARD_CGROUP_UNCLASSIFIED && !counts)
                return 0;
        if (ctx->meta->seq_num > 0) {
                __u64 session = ctx->meta->session_id;
                __u32 *lines = bpf_map_lookup_elem(&guard_iter_lines, &session), one = 1;

                if (!lines) {
                        bpf_map_update_elem(&guard_iter_lines, &session, &one, BPF_ANY);
                } else if (*lines >= GUARD_ITER_LINES) {
                        BPF_SEQ_PRINTF(seq, "# ... more: at most %d cgroups in one read; cgroup-guardctl show CGROUP for any\n",
                                       GUARD_ITER_LINES);
                        return 1; /* ends the walk */
                } else {
                        *lines += 1;
                }
        }
        BPF_SEQ_PRINTF(seq, "%llu %d %s entry=%s protect=", id, cgrp->level, cgrp->level ? cgrp->kn->name : "/",
                       !entry ? "none" : entry_id == id ? "own" : entry_id == GUARD_CGROUP_UNCLASSIFIED ? "unclassified" :
                                                                                                      "inherited");
        guard_seq_rule(seq, policy, entry ? entry->cgroup.protect_rule : 0);
        mode = entry && entry->cgroup.protect_rule ? entry->cgroup.protect_mode : 0;
        BPF_SEQ_PRINTF(seq, " mode=%s lock=", modes[mode < 3 ? mode : 0]);
        for (int t = 0; t < GUARD_NS_TYPES; t++) {
                __u32 rule = entry ? entry->cgroup.lock_rule[t] : 0;

                if (!rule)
                        continue;
                BPF_SEQ_PRINTF(seq, "%s%s:", any ? "," : "", guard_ns_names[t]);
                guard_seq_rule(seq, policy, rule);
                any = 1;
        }
        if (!any)
                BPF_SEQ_PRINTF(seq, "-");
        BPF_SEQ_PRINTF(seq, " denied=%llu audited=%llu observed=%llu\n", counts ? counts->denied : 0,
                       counts ? counts->audited : 0, counts ? counts->observed : 0);
        return 0;
}
