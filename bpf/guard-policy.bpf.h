/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* Maps and decisions every backend shares. The programs decide from the maps alone: userspace
 * compiles the policy (src/policy/policy-compile.c), guard-decide.h decides from it (the same
 * code answers explain in userspace), and this file feeds it what the kernel knows about tasks.
 * Only direct BTF pointer loads: lockdown=confidentiality refuses bpf_probe_read_kernel(). */

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "guard-event.h"
#include "guard-maps.h"

/* Returns v, and the verifier no longer knows it: a global function's result is any number.
 * For a value made of several branches (a set of flags) that later code branches on: the
 * verifier would otherwise walk that code once for each value it can take (guard_tamper_ptrace
 * had 365k instructions to verify, guard_ns_elsewhere()'s eight flags). Global: checked once per
 * program, not on each path. */
__attribute__((noinline)) __u32 guard_forget(__u32 v) {
        /* (or clang, seeing v returned, uses v at the call sites) */
        asm volatile("" : "+r"(v));
        return v;
}

struct guard_policy_inner {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, GUARD_POLICY_ENTRIES_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, struct guard_key);
        __type(value, struct guard_value);
} guard_policy_template SEC(".maps");

/* Slot GUARD_SLOT_ACTIVE holds the generation in force, GUARD_SLOT_NEXT the one being prepared. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
        __uint(max_entries, _GUARD_SLOT_MAX);
        __type(key, __u32);
        __array(values, struct guard_policy_inner);
} guard_policy SEC(".maps") = {
        .values = { &guard_policy_template },
};

/* Two ring buffers, so neither kind of record can crowd out the other: cgroup bookkeeping
 * (mkdir/rmdir, bpf/guard-cgroups.bpf.h) here, ... */
struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 1024 * 1024);
} guard_events SEC(".maps");

/* ... denial, audit, violation and tamper records (guard_report_actor()) here, rate-limited. */
struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 256 * 1024);
} guard_denials SEC(".maps");

/* The rate limit on denial records (guard-maps.h): the value is the "theoretical arrival time"
 * of the generic cell rate algorithm, one number per key, no lock. */
struct {
        __uint(type, BPF_MAP_TYPE_LRU_HASH);
        __uint(max_entries, 4096);
        __type(key, struct guard_report_key);
        __type(value, __u64);
} guard_report_limit SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, _GUARD_COUNTER_MAX);
        __type(key, __u32);
        __type(value, __u64);
} guard_counters SEC(".maps");

/* Recording (guard-maps.h): operations seen, counted per distinct key, drained by the daemon. */
struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, GUARD_RECORDS_MAX);
        __type(key, struct guard_record_key);
        __type(value, struct guard_record_value);
} guard_records SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, int);
        __type(value, struct guard_task_lock);
} guard_task_locks SEC(".maps");

/* Who a task is (guard-maps.h): the guard's mark, a forged exe link (bpf/guard-identity.bpf.h). */
struct {
        __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, int);
        __type(value, struct guard_task_identity);
} guard_identity SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 65536);
        __type(key, __u32);     /* namespace inode number */
        __type(value, struct guard_sandbox_ns);
} guard_sandbox_ns SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, GUARD_RULE_COUNTS_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, struct guard_rule_count_key);
        __type(value, __u64);
} guard_rule_counts SEC(".maps");

/* Written by the daemon only: the programs never read it. */
struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, GUARD_RULE_COUNTS_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, __u64);
        __type(value, struct guard_rule_name);
} guard_rule_names SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, GUARD_CGROUP_COUNTS_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, __u64);     /* cgroup id */
        __type(value, struct guard_cgroup_counts);
} guard_cgroup_counts SEC(".maps");

/* What the generation in force lets the programs skip (struct guard_hints): this object's own,
 * pinned and reused only with its programs (a program set of another load keeps its own, which
 * the daemon set for that set's generations). Created zero: nothing is skipped. Read-only to
 * programs: "retired" stops the whole set, and a program of someone's own naming the map (an fd
 * had before the guard armed) could otherwise write it (a review found it). */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(map_flags, BPF_F_RDONLY_PROG);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct guard_hints);
} guard_hints SEC(".maps");

/* Whether a sandbox (guard_sandbox_ns) of each namespace type, and a lock mark
 * (guard_task_locks), may exist. Marks come only from entering a sandbox, and sandboxes only from
 * guard_record_sandbox(), which sets these before it writes one: while a type's flag is 0 no
 * namespace of that type is a sandbox, and while guard_seen_any is 0 none is and no task
 * carries a mark, so the hot paths (setns, unshare, fork) skip those lookups. Set, never
 * cleared, by plain stores of 1
 * (racing stores lose nothing). Loaded as all-ones: the daemon clears them before loading only
 * when the two state maps start empty (reused pins hold sandboxes and marks these programs did
 * not record; guard_seen_init() in src/daemon/bpf-backend.c). */
volatile __u32 guard_seen_sandbox[GUARD_NS_TYPES] SEC(".data.guard_seen") = { 1, 1, 1, 1, 1, 1, 1, 1 };
volatile __u32 guard_seen_any SEC(".data.guard_seen") = 1;     /* any sandbox: marks may exist */

static __always_inline int guard_sandbox_seen(__u32 type) {
        int idx = guard_ns_index(type);

        return idx < 0 || idx >= GUARD_NS_TYPES || guard_seen_sandbox[idx];
}

/* The task's lock mark, or NULL; no task storage lookup while no mark can exist. */
static __always_inline struct guard_task_lock *guard_task_mark(struct task_struct *task) {
        return guard_seen_any ? bpf_task_storage_get(&guard_task_locks, task, 0, 0) : NULL;
}

static __always_inline void guard_count(__u32 counter) {
        __u64 *c = bpf_map_lookup_elem(&guard_counters, &counter);

        if (c)
                *c += 1;
}

/* An array lookup: the verifier makes it a bounds check and an address. */
static __always_inline struct guard_hints *guard_hints_get(void) {
        __u32 zero = 0;

        return bpf_map_lookup_elem(&guard_hints, &zero);
}

/* A set a later load replaced does nothing at all (disarm_replaced_set(): its hints say so, then
 * are frozen): the new set decides, records and protects. Kept running by whoever holds its
 * links, it went on denying by its last generation (no relaxation and no unload reached it), and
 * its maps, no longer registered, could be written (a review found it). Every program of a set
 * asks first (the hot hooks once they know they have work); an array lookup, inlined. */
static __always_inline bool guard_set_retired(void) {
        struct guard_hints *hints = guard_hints_get();

        return hints && hints->retired;
}

static __always_inline void *guard_policy_map(void) {
        __u32 slot = GUARD_SLOT_ACTIVE;

        return bpf_map_lookup_elem(&guard_policy, &slot);
}

/* The next generation while the daemon prepares it; NULL otherwise (and in pins of older builds,
 * whose outer map has one slot). */
static __always_inline void *guard_next_policy_map(void) {
        __u32 slot = GUARD_SLOT_NEXT;

        return bpf_map_lookup_elem(&guard_policy, &slot);
}

static __always_inline struct guard_value *guard_lookup(void *policy, __u32 kind, __u64 a, __u64 b) {
        struct guard_key key = { .kind = kind, .a = a, .b = b };

        return bpf_map_lookup_elem(policy, &key);
}

/* The decision itself: shared with userspace, which compiles the same file. The actor of every
 * migration the programs decide is the current task (the writer, clone3's parent), whose entry
 * guard_current_entry() finds from the cgroup ids the helpers give, where the decision needs it
 * (guard_task_actor() leaves it to be found). */
static __always_inline struct guard_value *guard_current_entry(void *policy);
#define guard_actor_entry(policy, actor) ((actor)->cgroup_late ? guard_current_entry(policy) : (actor)->cgroup)
#define GUARD_POLICY_T void *
#include "guard-decide.h"

static long guard_match_callback(__u64 index, void *ctx) {
        return guard_match_step(ctx);
}

/* Zero, but not a constant to the verifier. Since 6.8 the verifier checks a bpf_loop() callback
 * as a loop until its states repeat; positions starting at a known 0 are exact numbers used as
 * indices, so every (p, i, star) it can reach was a state of its own: about 18 s per load of
 * guard_cgroup_mkdir under TCG on 6.12 (half the daemon's start). Starting from a value it only
 * knows as a 32-bit number, the bounds checks in guard_match_step() give ranges that contain the
 * next step's, and the loop converges at once. Nothing writes it: the section is zeroed or keeps
 * its initial value (guard_seen_init()), and only the guard may write the guard's maps. */
volatile __u32 guard_zero SEC(".data.guard_seen") = 0;

/* At most (name + 1) x (pattern + 1) steps, even with backtracking. */
static int guard_glob_match(const char *pattern, const char *name) {
        __u32 zero = guard_zero;
        struct guard_match m = { .pattern = pattern, .name = name, .p = zero, .i = zero, .star = GUARD_NO_STAR };

        bpf_loop((GUARD_NAME_MAX + 1) * (GUARD_COMPONENT_MAX + 1), guard_match_callback, &m, 0);
        return m.matched;
}

static long guard_glob_scan_callback(__u64 index, void *ctx) {
        return guard_glob_scan_step(ctx, index);
}

static void guard_glob_scan(struct guard_glob_scan *s) {
        bpf_loop(GUARD_STATE_GLOBS_MAX, guard_glob_scan_callback, s, 0);
}

static __always_inline __u64 guard_task_cgroup_id(struct task_struct *task) {
        return task->cgroups->dfl_cgrp->kn->id;
}

/* The ancestor walks below: one level per bpf_loop() callback, so that the verifier checks one
 * level rather than GUARD_CGROUP_WALK_MAX of them in every program (and every global function)
 * that walks: most of the daemon's start under TCG was these walks. */
struct guard_cgroup_walk {
        void *policy;
        struct cgroup *cg;      /* the cgroup to look at next, NULL: past the root */
        __u64 cg_read;          /* the same, known by its address (guard_cgroup_entry_id_read()) */
        struct guard_value *v;  /* the entry found */
        __u64 id;               /* whose it is; GUARD_CGROUP_UNCLASSIFIED: see guard_cgroup_entry() */
        __u64 stop;             /* guard_cgroup_within(): the id looked for */
        int done;               /* the walk ended before GUARD_CGROUP_WALK_MAX levels */
        int found;
};

/* Level index + 1 of guard_cgroup_entry()'s walk: the cgroup w->cg has id; returns 1 when the
 * walk is over. Any entry here is an ancestor's: one that classifies its children means the
 * walk's first cgroup lacks the entry it should have. */
static __always_inline long guard_cgroup_walk_entry(struct guard_cgroup_walk *w, __u64 id) {
        struct guard_value *v = guard_lookup(w->policy, GUARD_KEY_CGROUP, id, 0);

        if (!v)
                return 0;
        w->id = v->cgroup.state ? GUARD_CGROUP_UNCLASSIFIED : id;
        w->v = v->cgroup.state ? NULL : v;
        return 1;
}

/* Direct loads, not bpf_probe_read_kernel(): the walk runs under lockdown=confidentiality too. */
static long guard_cgroup_entry_step(__u64 index, void *ctx) {
        struct guard_cgroup_walk *w = ctx;
        struct cgroup *cg = w->cg;
        struct cgroup_subsys_state *parent;

        w->done = 1;
        if (!cg || guard_cgroup_walk_entry(w, cg->kn->id))
                return 1;
        parent = cg->self.parent;
        if (!parent)
                return 1; /* the root has no entry: nothing governs anything */
        w->cg = parent->cgroup;
        w->done = 0;
        return 0;
}

static long guard_cgroup_entry_read_step(__u64 index, void *ctx) {
        struct guard_cgroup_walk *w = ctx;
        struct cgroup *cg = (struct cgroup *) w->cg_read;
        struct cgroup_subsys_state *parent;

        w->done = 1;
        if (!cg || guard_cgroup_walk_entry(w, BPF_CORE_READ(cg, kn, id)))
                return 1;
        parent = BPF_CORE_READ(cg, self.parent);
        if (!parent)
                return 1;
        w->cg_read = (__u64) BPF_CORE_READ(parent, cgroup);
        w->done = 0;
        return 0;
}

/* The entry that applies to cgroup cg: its own, or, for one that needs none (the children of a
 * settled cgroup are all alike), its nearest ancestor's; the GUARD_CGROUP_UNCLASSIFIED entry if
 * that ancestor classifies its children, so this one's entry should exist and does not (a full
 * map): fail closed. *ret_id (if given): the id whose entry it is, for callers that keep it.
 * The cgroup's own entry, the common case, is looked up inline. */
static __always_inline struct guard_value *guard_cgroup_entry(void *policy, struct cgroup *cg, __u64 *ret_id) {
        struct guard_cgroup_walk w = { .policy = policy };
        struct cgroup_subsys_state *parent;
        struct guard_value *v;
        __u64 id;

        if (ret_id)
                *ret_id = 0;
        if (!policy || !cg)
                return NULL;
        id = cg->kn->id;
        v = guard_lookup(policy, GUARD_KEY_CGROUP, id, 0);
        if (v) {
                if (ret_id)
                        *ret_id = id;
                return v;
        }
        parent = cg->self.parent;
        if (!parent)
                return NULL;
        w.cg = parent->cgroup;
        bpf_loop(GUARD_CGROUP_WALK_MAX - 1, guard_cgroup_entry_step, &w, 0);
        if (w.done && w.id != GUARD_CGROUP_UNCLASSIFIED) {
                if (ret_id)
                        *ret_id = w.v ? w.id : 0;
                return w.v;
        }
        if (ret_id)
                *ret_id = GUARD_CGROUP_UNCLASSIFIED;
        return guard_lookup(policy, GUARD_KEY_CGROUP, GUARD_CGROUP_UNCLASSIFIED, 0);
}

/* The same walk from a cgroup known only by its address (read from the kernel, not handed to the
 * program): every step through bpf_probe_read_kernel(). Returns the id whose entry applies, as
 * *ret_id above (0: none). */
static __always_inline __u64 guard_cgroup_entry_id_read(void *policy, __u64 cg) {
        struct guard_cgroup_walk w = { .policy = policy };
        __u64 id;

        if (!policy || !cg)
                return 0;
        /* The first level: the walk's steps take any entry as an ancestor's. */
        id = BPF_CORE_READ((struct cgroup *) cg, kn, id);
        if (guard_lookup(policy, GUARD_KEY_CGROUP, id, 0))
                return id;
        w.cg_read = (__u64) BPF_CORE_READ((struct cgroup *) cg, self.parent, cgroup);
        bpf_loop(GUARD_CGROUP_WALK_MAX - 1, guard_cgroup_entry_read_step, &w, 0);
        if (!w.done)
                return GUARD_CGROUP_UNCLASSIFIED;
        return w.id;
}

/* guard_cgroup_entry() of the current task's cgroup from the ids of its ancestors, which the
 * helpers give by level (bpf_get_current_ancestor_cgroup_id()): no pointer read. 6.12's verifier
 * spends about a millisecond under TCG on each field read through a trusted pointer (it looks up
 * the struct's __safe_trusted names in vmlinux's BTF), and the global functions every tamper
 * check calls are verified once per program: the walk through pointers made a third of the
 * daemon's start there. */
struct guard_current_walk {
        void *policy;
        __u32 level;            /* the current cgroup's level (found bit by bit) */
        struct guard_cgroup_walk w;
};

/* The highest level with an ancestor: bit 30 - index of the current cgroup's level. */
static long guard_current_level_step(__u64 index, void *ctx) {
        struct guard_current_walk *c = ctx;
        __u32 level = c->level | (1U << ((30 - index) & 31));

        if (index <= 30 && bpf_get_current_ancestor_cgroup_id(level))
                c->level = level;
        return 0;
}

/* The ancestor at level level - 1 - index, as guard_cgroup_entry_step() does by pointer. */
static long guard_current_entry_step(__u64 index, void *ctx) {
        struct guard_current_walk *c = ctx;
        __u32 level = c->level - 1 - (__u32) index;

        if (index >= c->level)
                return 1; /* not reached: the root ends the walk */
        c->w.done = 1;
        if (guard_cgroup_walk_entry(&c->w, bpf_get_current_ancestor_cgroup_id(level)))
                return 1;
        c->w.done = level == 0; /* the root has no entry: nothing governs anything */
        return c->w.done;
}

static __always_inline struct guard_value *guard_current_entry(void *policy) {
        struct guard_current_walk c = { .policy = policy, .w = { .policy = policy } };
        struct guard_value *v;

        if (!policy)
                return NULL;
        v = guard_lookup(policy, GUARD_KEY_CGROUP, bpf_get_current_cgroup_id(), 0);
        if (v)
                return v;
        bpf_loop(31, guard_current_level_step, &c, 0);
        if (c.level == 0)
                return NULL;
        /* As far up as guard_cgroup_entry() looks, and the same verdict where that is not enough. */
        bpf_loop(GUARD_CGROUP_WALK_MAX - 1, guard_current_entry_step, &c, 0);
        if (c.w.done && c.w.id != GUARD_CGROUP_UNCLASSIFIED)
                return c.w.v;
        return guard_lookup(policy, GUARD_KEY_CGROUP, GUARD_CGROUP_UNCLASSIFIED, 0);
}

/* An entry kept by id (compat's windows, observe's last cgroup): 0 is none. */
static __always_inline struct guard_value *guard_entry_by_id(void *policy, __u64 id) {
        return policy && id ? guard_lookup(policy, GUARD_KEY_CGROUP, id, 0) : NULL;
}

static __always_inline __u32 guard_task_identity(struct task_struct *task) {
        struct guard_task_identity *id = bpf_task_storage_get(&guard_identity, task, 0, 0);

        return id ? id->flags : 0;
}

/* task: the current task (every caller's actor is), whose cgroup entry is found when needed. */
static __always_inline void guard_task_actor(void *policy, struct task_struct *task, struct guard_actor *ret) {
        struct file *exe_file = task->mm ? task->mm->exe_file : NULL;

        ret->cgroup = NULL;
        ret->cgroup_late = 1; /* the current task's: guard_actor_entry() */
        ret->exe_known = 0;
        ret->identity = guard_task_identity(task);
        ret->exe_dev = 0;
        ret->exe_ino = 0;
        ret->exe_gen = 0;
        if (exe_file) {
                ret->exe_dev = exe_file->f_inode->i_sb->s_dev;
                ret->exe_ino = exe_file->f_inode->i_ino;
                ret->exe_gen = exe_file->f_inode->i_generation;
                ret->exe_known = 1;
        }
}

/* Part of a threaded subtree: a threaded cgroup, or a threaded domain with threaded children. */
static __always_inline int guard_cgroup_threaded(struct cgroup *cgrp) {
        return cgrp->dom_cgrp != cgrp || cgrp->nr_threaded_children > 0;
}

#define GUARD_PF_EXITING 0x00000004
/* Threads looked at for a live one, at most; past that the source is unknown (fail closed). */
#define GUARD_THREADS_WALK_MAX 4096

/* Where the threads a cgroup.procs write moves come from (guard_moved_threads_source()). */
enum guard_source {
        GUARD_SOURCE_LEADER = 0,        /* the leader lives: the kernel's source cgroup is theirs */
        GUARD_SOURCE_LIVE = 1,          /* the leader exited: the live threads' cgroup */
        GUARD_SOURCE_NOTHING = 2,       /* no live thread: nothing moves */
        GUARD_SOURCE_UNKNOWN = 3,       /* not known here: judged as unclassified (fail closed) */
};

struct guard_thread_walk {
        __u64 head;             /* &signal->thread_head */
        __u64 node;             /* the list node looked at last */
        __u64 cgroup;           /* the first live thread's cgroup (struct cgroup *) */
        __u32 done;             /* the list was read to a live thread or to its end */
};

static long guard_thread_walk_step(__u64 index, void *ctx) {
        struct guard_thread_walk *w = ctx;
        struct task_struct *t;
        __u64 next = 0;
        unsigned int flags = 0;

        if (bpf_probe_read_kernel(&next, sizeof(next), &((struct list_head *) w->node)->next) < 0 || !next)
                return 1;
        if (next == w->head) {
                w->done = 1;
                return 1;
        }
        t = (struct task_struct *) (next - bpf_core_field_offset(struct task_struct, thread_node));
        if (BPF_CORE_READ_INTO(&flags, t, flags) < 0)
                return 1;
        if (!(flags & GUARD_PF_EXITING)) {
                w->cgroup = (__u64) BPF_CORE_READ(t, cgroups, dfl_cgrp);
                w->done = w->cgroup != 0;
                return 1;
        }
        w->node = next;
        return 0;
}

/* A cgroup.procs write names a process by its leader, and the kernel judges it from the leader's
 * cgroup; but it moves only the threads that are not exiting. A leader that exited while other
 * threads live (a zombie: main thread ended by pthread_exit()) stays in the cgroup it died in,
 * which need not be theirs: then the source is the live threads' cgroup. The thread list is
 * stable here (the write holds cgroup_threadgroup_rwsem, which a thread takes to set PF_EXITING
 * and to be created) and all live threads of a domain cgroup share one cgroup; in a threaded
 * subtree they need not, and the source is unknown. A leader that lives costs one flag test.
 * can_read: bpf_probe_read_kernel() may be used (not under lockdown=confidentiality, where the
 * thread list cannot be read: unknown). For GUARD_SOURCE_LIVE sets *ret_src and *ret_entry_id
 * (the id whose entry applies, as guard_cgroup_entry()); for _UNKNOWN *ret_entry_id, and
 * *ret_src where a live thread was found (else it keeps the caller's: the leader's cgroup). */
static __always_inline enum guard_source guard_moved_threads_source(void *policy, struct task_struct *leader,
                                                                     int threadgroup, const int can_read,
                                                                     __u64 *ret_src, __u64 *ret_entry_id) {
        struct guard_thread_walk w = {};
        struct cgroup *cg;

        if (!threadgroup || !(leader->flags & GUARD_PF_EXITING))
                return GUARD_SOURCE_LEADER;
        *ret_entry_id = GUARD_CGROUP_UNCLASSIFIED;
        if (!can_read)
                return GUARD_SOURCE_UNKNOWN;
        w.head = (__u64) BPF_CORE_READ(leader, signal) + bpf_core_field_offset(struct signal_struct, thread_head);
        w.node = w.head;
        bpf_loop(GUARD_THREADS_WALK_MAX, guard_thread_walk_step, &w, 0);
        if (!w.done)
                return GUARD_SOURCE_UNKNOWN;
        if (!w.cgroup)
                return GUARD_SOURCE_NOTHING;
        cg = (struct cgroup *) w.cgroup;
        *ret_src = BPF_CORE_READ(cg, kn, id);
        if (BPF_CORE_READ(cg, dom_cgrp) != cg || BPF_CORE_READ(cg, nr_threaded_children) > 0)
                return GUARD_SOURCE_UNKNOWN;
        *ret_entry_id = guard_cgroup_entry_id_read(policy, w.cgroup);
        return GUARD_SOURCE_LIVE;
}

/* actor moves a task from a cgroup with entry src to one with entry dst (guard_cgroup_entry()). */
static __always_inline __u32 guard_task_decide_migration(void *policy, struct task_struct *actor, struct guard_value *src,
                                                         struct guard_value *dst, struct guard_decision *d) {
        struct guard_actor who;

        guard_task_actor(policy, actor, &who);
        return guard_decide_migration(policy, &who, src, dst, d);
}

static __always_inline struct guard_value *guard_task_entry(void *policy, struct task_struct *task) {
        return guard_cgroup_entry(policy, task->cgroups->dfl_cgrp, NULL);
}

/* ns_common's type moved: ns->ns_type on new kernels, ns->ops->type on 6.1. */
struct ns_common___new {
        int ns_type;
} __attribute__((preserve_access_index));

static __always_inline __u32 guard_ns_type(struct ns_common *ns) {
        if (bpf_core_field_exists(((struct ns_common___new *) ns)->ns_type))
                return ((struct ns_common___new *) ns)->ns_type;
        return ns->ops->type;
}

/* task changes namespaces of the types in mask (CLONE_NEW*); *ret_type: the type that decided;
 * *ret_cg (if given): the entry of the task's cgroup, for a caller that needs it too. */
static __always_inline __u32 guard_task_decide_namespace_entry(struct task_struct *task, __u32 mask,
                                                               struct guard_decision *d, __u32 *ret_type,
                                                               struct guard_value **ret_cg) {
        struct guard_task_lock *mark = guard_task_mark(task);
        struct guard_value *cg;
        void *policy;

        /* Types no rule locks (most setns() and unshare() calls): no lookup of the generation or
         * the cgroup's entry, which is then not needed for a sandbox either. This is
         * guard_decide_namespace_hinted() with the test made once: made twice, the verifier of
         * 6.12 walks both outcomes of the second for each of the first, and guard_tamper_ptrace
         * went past its million instructions. */
        if (guard_namespace_unruled(guard_hints_get(), mark, mask)) {
                if (ret_cg)
                        *ret_cg = NULL;
                return guard_decide_namespace_unruled(d, ret_type);
        }
        policy = guard_policy_map();
        cg = guard_task_entry(policy, task);
        if (ret_cg)
                *ret_cg = cg;
        return guard_decide_namespace(policy, cg, mark, mask, d, ret_type);
}

static __always_inline __u32 guard_task_decide_namespace(struct task_struct *task, __u32 mask, struct guard_decision *d,
                                                         __u32 *ret_type) {
        return guard_task_decide_namespace_entry(task, mask, d, ret_type, NULL);
}



/* Inode number of the task's current namespace of one type (0 if unknown). */
static __always_inline __u32 guard_task_ns_inum(struct task_struct *task, __u32 type) {
        struct nsproxy *nsp = task->nsproxy;

        switch (type) {
        case GUARD_CLONE_NEWNS: return nsp->mnt_ns->ns.inum;
        case GUARD_CLONE_NEWUTS: return nsp->uts_ns->ns.inum;
        case GUARD_CLONE_NEWIPC: return nsp->ipc_ns->ns.inum;
        case GUARD_CLONE_NEWNET: return nsp->net_ns->ns.inum;
        case GUARD_CLONE_NEWPID: return nsp->pid_ns_for_children->ns.inum;
        case GUARD_CLONE_NEWUSER: return task->cred->user_ns->ns.inum;
        case GUARD_CLONE_NEWCGROUP: return nsp->cgroup_ns->ns.inum;
        case GUARD_CLONE_NEWTIME: return nsp->time_ns_for_children->ns.inum;
        }
        return 0;
}

/* The namespace of type that a setns() to changes nothing: guard_task_ns_inum(), except for time,
 * whose install (timens_install()) moves the task itself as well as its children: a task that
 * unshared time before its lock joined its own prepared namespace (/proc/self/ns/time_for_children)
 * undecided, and its children with it (a review found it). */
static __always_inline __u32 guard_task_joined_ns_inum(struct task_struct *task, __u32 type) {
        if (type == GUARD_CLONE_NEWTIME)
                return task->nsproxy->time_ns->ns.inum;
        return guard_task_ns_inum(task, type);
}

/* Namespaces a child forked now would be put in that its parent is not in itself. pid and time
 * namespaces take effect for children: after unshare(CLONE_NEWPID|CLONE_NEWTIME) or a setns() to
 * a pid namespace the task stays where it is and its children go to *_for_children. Threads
 * (CLONE_THREAD) and, for time, CLONE_VM children would stay in the parent's: the kernel refuses
 * them itself (EINVAL) while the namespaces differ. A pid namespace for children is the task's
 * own or one of its descendants, so the levels tell them apart. */
static __always_inline __u32 guard_task_pending_types(struct task_struct *task, unsigned long clone_flags) {
        struct nsproxy *nsp = task->nsproxy;
        __u32 types = 0;

        if (!nsp)
                return 0;
        if (!(clone_flags & 0x00010000 /* CLONE_THREAD */) &&
            nsp->pid_ns_for_children->level != task->thread_pid->level)
                types |= GUARD_CLONE_NEWPID;
        if (!(clone_flags & 0x00000100 /* CLONE_VM */) && nsp->time_ns_for_children != nsp->time_ns)
                types |= GUARD_CLONE_NEWTIME;
        return types;
}

/* Task entered namespace inum of type: if it is a sandbox, the task may be locked from now on.
 * Nonzero if it is to be locked and its mark could not be made (native refuses the join then). */
static __always_inline int guard_enter_namespace(struct task_struct *task, __u32 type, __u32 inum) {
        struct guard_sandbox_ns *sandbox;
        struct guard_task_lock *mark, next = {};
        void *policy;

        /* Most namespaces are no sandbox: no lookup while none of this type was ever
         * recorded, one otherwise, and nothing else. */
        if (!guard_sandbox_seen(type))
                return 0;
        sandbox = bpf_map_lookup_elem(&guard_sandbox_ns, &inum);
        if (!sandbox || sandbox->type != type)
                return 0;
        mark = guard_task_mark(task);
        policy = guard_policy_map();
        if (!guard_enter_sandbox(policy, guard_task_entry(policy, task), sandbox, mark, &next))
                return 0;
        mark = bpf_task_storage_get(&guard_task_locks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (!mark)
                return 1;
        *mark = next;
        return 0;
}

/* Entering namespace inum of type with threads besides oneself, where that locks
 * (guard_decide_sandbox_threads()). Most namespaces are no sandbox: no lookup while none of
 * this type was ever recorded, and none for a single thread. */
static __always_inline __u32 guard_task_decide_sandbox_threads(struct task_struct *task, __u32 type, __u32 inum,
                                                               struct guard_decision *d) {
        __u32 threads = task->signal->nr_threads;
        struct guard_sandbox_ns *sandbox;
        void *policy;

        guard_decision_init(d);
        if (threads <= 1 || !guard_sandbox_seen(type))
                return d->verdict;
        sandbox = bpf_map_lookup_elem(&guard_sandbox_ns, &inum);
        if (!sandbox || sandbox->type != type)
                return d->verdict;
        policy = guard_policy_map();
        return guard_decide_sandbox_threads(policy, guard_task_entry(policy, task), sandbox, guard_task_mark(task),
                                            threads, d);
}

/* A namespace was created by a task whose cgroup has entry cg: remember it if it is a sandbox.
 * Returns 0, or -ENOSPC if it is one and could not be recorded (a full map: nobody entering it
 * would be locked). */
static __always_inline int guard_record_sandbox_entry(struct guard_value *cg, __u32 type, __u32 inum) {
        struct guard_sandbox_ns sandbox = { .type = type };
        int idx = guard_ns_index(type);

        sandbox.rule = guard_sandbox_rule(cg, type);
        if (!sandbox.rule || !inum || idx < 0 || idx >= GUARD_NS_TYPES)
                return 0;
        /* Before the sandbox exists: readers that see it must not skip it (guard_seen_*). */
        guard_seen_sandbox[idx] = 1;
        guard_seen_any = 1;
        return bpf_map_update_elem(&guard_sandbox_ns, &inum, &sandbox, BPF_ANY) < 0 ? -28 /* ENOSPC */ : 0;
}

static __always_inline void guard_record_sandbox(struct task_struct *creator, __u32 type, __u32 inum) {
        (void) guard_record_sandbox_entry(guard_task_entry(guard_policy_map(), creator), type, inum);
}

/* A namespace is gone: forget it if it was a sandbox (a lookup first: most were not, and a
 * delete takes the bucket lock). */
static __always_inline void guard_forget_sandbox(__u32 inum) {
        if (guard_seen_any && bpf_map_lookup_elem(&guard_sandbox_ns, &inum))
                bpf_map_delete_elem(&guard_sandbox_ns, &inum);
}

/* Children inherit their parent's lock: "once you enter, you stay" holds for what it forks.
 * Nonzero if the parent is locked and the child's mark could not be made (no memory: a child
 * born unmarked would be free, a review found; the callers that can refuse the fork do). */
static __always_inline int guard_inherit_lock(struct task_struct *parent, struct task_struct *child) {
        struct guard_task_lock *mark = guard_task_mark(parent), *child_mark;

        if (!mark)
                return 0;
        child_mark = bpf_task_storage_get(&guard_task_locks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (!child_mark)
                return 1;
        *child_mark = *mark;
        return 0;
}

/* May a record of this decision go out now (guard_report_limit)? Races between CPUs on one key
 * can let a record or two more through, never fewer. */
/* Tamper attempts have no rule: each kind of attempt (flags: enum guard_tamper_what) has a
 * bucket of its own, so a flood of one kind (a retried pin open) does not keep the first attempt
 * of another (a ptrace of an admin's process) out of the journal (a full test run showed it); and
 * each process has its own, so one root's flood does not keep another's attempts of that kind
 * out (a review found it). */
static __always_inline int guard_report_admit(__u32 kind, struct guard_decision *d, struct task_struct *actor,
                                              __u32 flags) {
        struct guard_report_key key = {
                .uid = (__u32) bpf_get_current_uid_gid(),
                .rule = kind == GUARD_EVENT_TAMPER ? flags : d->rule,
                .kind = kind,
                .tgid = d->action != GUARD_ACTION_DENY || kind == GUARD_EVENT_TAMPER ? actor->tgid : 0,
        };
        const __u64 interval = 1000000000ULL / GUARD_REPORT_PER_SEC;
        __u64 now = bpf_ktime_get_ns(), tat, *stored;

        stored = bpf_map_lookup_elem(&guard_report_limit, &key);
        if (!stored) {
                tat = now + interval;
                bpf_map_update_elem(&guard_report_limit, &key, &tat, BPF_ANY);
                return 1;
        }
        tat = *stored > now ? *stored : now;
        if (tat - now > (GUARD_REPORT_BURST - 1) * interval)
                return 0;
        *stored = tat + interval;
        return 1;
}

/* The decision counted by rule and kind, and for the actor's cgroup: on the deny/audit path only,
 * never on an allowed operation. */
static __always_inline void guard_count_decision(__u32 kind, struct guard_decision *d, __u64 cgroup_id, __u32 flags) {
        struct guard_rule_count_key key = { .kind = kind, .verdict = d->verdict };
        struct guard_cgroup_counts *cc, fresh = {};
        void *policy = guard_policy_map();
        struct guard_value *rule;
        __u64 *n, one = 1;

        if (kind == GUARD_EVENT_TAMPER)
                key.detail = flags;
        else if (d->rule && policy && (rule = guard_lookup(policy, GUARD_KEY_RULE, d->rule, 0)))
                key.rule_hash = rule->rule.name_hash;
        n = bpf_map_lookup_elem(&guard_rule_counts, &key);
        if (!n && (int) bpf_map_update_elem(&guard_rule_counts, &key, &one, BPF_NOEXIST) < 0)
                n = bpf_map_lookup_elem(&guard_rule_counts, &key); /* another CPU made it, or no room */
        else if (!n)
                one = 0; /* counted by the insert */
        if (n)
                __sync_fetch_and_add(n, 1);
        else if (one)
                guard_count(GUARD_COUNTER_COUNTS_FULL);

        if (!cgroup_id)
                return;
        cc = bpf_map_lookup_elem(&guard_cgroup_counts, &cgroup_id);
        if (!cc) {
                bpf_map_update_elem(&guard_cgroup_counts, &cgroup_id, &fresh, BPF_NOEXIST);
                cc = bpf_map_lookup_elem(&guard_cgroup_counts, &cgroup_id);
        }
        if (!cc) {
                guard_count(GUARD_COUNTER_COUNTS_FULL);
                return;
        }
        if (d->verdict == GUARD_VERDICT_DENY)
                __sync_fetch_and_add(&cc->denied, 1);
        else if (d->verdict == GUARD_VERDICT_AUDIT)
                __sync_fetch_and_add(&cc->audited, 1);
        else
                __sync_fetch_and_add(&cc->observed, 1);
}

/* Reports a decision that is not a plain allow; counts it; lost records are counted too.
 * actor_cgroup_id: the cgroup the actor acted from (0: unknown); task_comm: the moved task's
 * name (GUARD_COMM_LEN bytes, NULL: none). */
static __always_inline void guard_report_task(__u32 kind, struct guard_decision *d, struct task_struct *actor,
                                              __u64 actor_cgroup_id, __u32 task_pid, const char *task_comm, __u64 src,
                                              __u64 dst, __u32 ns_type, __u32 ns_inum, __u32 flags) {
        struct file *exe_file = actor->mm ? actor->mm->exe_file : NULL;
        __u64 uid_gid = bpf_get_current_uid_gid();
        struct guard_event *e;

        guard_count(d->verdict == GUARD_VERDICT_DENY ? GUARD_COUNTER_DENIED :
                    d->verdict == GUARD_VERDICT_AUDIT ? GUARD_COUNTER_AUDITED : GUARD_COUNTER_OBSERVED);
        guard_count_decision(kind, d, actor_cgroup_id, flags);
        if (!guard_report_admit(kind, d, actor, flags)) {
                guard_count(GUARD_COUNTER_SUPPRESSED);
                return;
        }
        e = bpf_ringbuf_reserve(&guard_denials, sizeof(*e), 0);
        if (!e) {
                guard_count(GUARD_COUNTER_LOST_EVENTS);
                return;
        }
        e->kind = kind;
        e->verdict = d->verdict;
        e->actor_pid = actor->pid;
        e->actor_tgid = actor->tgid;
        e->actor_cgroup_id = actor_cgroup_id;
        e->task_pid = task_pid;
        e->flags = flags;
        e->src_cgroup_id = src;
        e->dst_cgroup_id = dst;
        e->ns_type = ns_type;
        e->ns_inum = ns_inum;
        e->rule_id = d->rule;
        e->generation = d->generation;
        e->action = d->action;
        e->pad = 0;
        e->timestamp_ns = bpf_ktime_get_ns();
        __builtin_memcpy(e->actor_comm, actor->comm, sizeof(e->actor_comm));
        /* Who acted, as it was: the daemon reads the record later, the actor may have exec'd. */
        e->actor_exe_dev = exe_file ? exe_file->f_inode->i_sb->s_dev : 0;
        e->actor_exe_ino = exe_file ? exe_file->f_inode->i_ino : 0;
        e->actor_uid = (__u32) uid_gid;
        e->actor_gid = (__u32) (uid_gid >> 32);
        /* The moved task's name as it is now: the daemon reads the record later. */
        if (task_comm)
                __builtin_memcpy(e->task_comm, task_comm, sizeof(e->task_comm));
        else
                __builtin_memset(e->task_comm, 0, sizeof(e->task_comm));
        bpf_ringbuf_submit(e, 0);
}

/* The same, for a report that names no moved task. */
static __always_inline void guard_report_actor(__u32 kind, struct guard_decision *d, struct task_struct *actor,
                                               __u64 actor_cgroup_id, __u32 task_pid, __u64 src, __u64 dst,
                                               __u32 ns_type, __u32 ns_inum, __u32 flags) {
        guard_report_task(kind, d, actor, actor_cgroup_id, task_pid, NULL, src, dst, ns_type, ns_inum, flags);
}

/* The same, for an actor that acted from the cgroup it is in. */
static __always_inline void guard_report(__u32 kind, struct guard_decision *d, struct task_struct *actor,
                                         __u32 task_pid, __u64 src, __u64 dst, __u32 ns_type, __u32 ns_inum,
                                         __u32 flags) {
        guard_report_actor(kind, d, actor, guard_task_cgroup_id(actor), task_pid, src, dst, ns_type, ns_inum, flags);
}

/* Recording: one operation seen, whatever its verdict. Off (the generation in force does not
 * record): one lookup of the generation's config and nothing else. On: one hash lookup and an
 * add per operation; a key new since the last drain also goes to the daemon once (names). */
static __always_inline void guard_record_key_op(void *policy, struct guard_record_event *ev, struct task_struct *actor) {
        struct guard_value *config;
        struct guard_record_value *v, nv = {};
        struct file *exe_file;
        __u64 now;

        if (!policy)
                return;
        config = guard_lookup(policy, GUARD_KEY_CONFIG, 0, 0);
        if (!config || !config->config.record)
                return;
        exe_file = actor->mm ? actor->mm->exe_file : 0;
        ev->key.exe_dev = exe_file ? exe_file->f_inode->i_sb->s_dev : 0;
        ev->key.exe_ino = exe_file ? exe_file->f_inode->i_ino : 0;
        now = bpf_ktime_get_ns();
        v = bpf_map_lookup_elem(&guard_records, &ev->key);
        if (v) {
                __sync_fetch_and_add(&v->count, 1);
                v->last_ns = now;
                v->actor_tgid = actor->tgid;
                return;
        }
        nv.count = 1;
        nv.first_ns = now;
        nv.last_ns = now;
        nv.actor_tgid = actor->tgid;
        nv.actor_uid = (__u32) bpf_get_current_uid_gid();
        if (bpf_map_update_elem(&guard_records, &ev->key, &nv, BPF_NOEXIST) < 0) {
                /* Another CPU put it there first, or the map is full until the next drain. */
                v = bpf_map_lookup_elem(&guard_records, &ev->key);
                if (v)
                        __sync_fetch_and_add(&v->count, 1);
                else
                        guard_count(GUARD_COUNTER_RECORDS_DROPPED);
                return;
        }
        ev->kind = GUARD_EVENT_RECORD_NEW;
        ev->actor_tgid = actor->tgid;
        if (bpf_ringbuf_output(&guard_events, ev, sizeof(*ev), 0) < 0)
                guard_count(GUARD_COUNTER_LOST_CGROUP_EVENTS);
}

/* BPF calls take at most five arguments: the operation goes in as a record key. The arguments
 * are evaluated only when the generation may record (guard_hints). */
#define guard_record_op(policy, kind_, verdict_, actor, actor_cgroup_, src_, dst_, ns_types_)      \
        ({                                                                                          \
                struct guard_hints *hints_ = guard_hints_get();                                     \
                if (!hints_ || !hints_->skip_record) {                                              \
                        struct guard_record_event ev_ = {                                           \
                                .key = { .kind = (kind_), .verdict = (verdict_),                    \
                                         .ns_types = (ns_types_), .actor_cgroup = (actor_cgroup_),  \
                                         .src_cgroup = (src_), .dst_cgroup = (dst_) },              \
                        };                                                                          \
                        guard_record_key_op((policy), &ev_, (actor));                               \
                }                                                                                   \
        })

/* Linux 6.6 and later also put the task itself into the time namespace it prepared
 * (unshare(CLONE_NEWTIME)) at its next exec (exec_task_namespaces()): decided as a fork into it
 * is (guard_fork_pending()), before the exec's point of no return. Attached only where the kernel
 * does so (bprm_creds_for_exec, every exec: one compare unless a time namespace is prepared).
 * Returns 0 or -EPERM. */
static __always_inline int guard_exec_pending(void) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct nsproxy *nsp = actor->nsproxy;
        struct guard_decision d;
        __u32 decided;

        if (!nsp || nsp->time_ns_for_children == nsp->time_ns)
                return 0;
        if (guard_task_decide_namespace(actor, GUARD_CLONE_NEWTIME, &d, &decided) == GUARD_VERDICT_ALLOW)
                return 0;
        guard_report(GUARD_EVENT_CHILD_NAMESPACE, &d, actor, actor->pid, 0, 0, GUARD_CLONE_NEWTIME,
                     nsp->time_ns_for_children->ns.inum, GUARD_CLONE_NEWTIME | GUARD_PENDING_AT_EXEC);
        return d.verdict == GUARD_VERDICT_DENY ? -1 : 0;
}

#define PTRACE_MODE_ATTACH_ 0x02
#define PTRACE_MODE_NOAUDIT_ 0x04

/* The namespace types (CLONE_NEW*) in which task is elsewhere than the current task (pid: the
 * one each one's children get). */
static __always_inline __u32 guard_ns_elsewhere(struct task_struct *actor, struct task_struct *task) {
        struct nsproxy *ours = actor->nsproxy, *theirs = task->nsproxy;
        __u32 types = 0;

        if (!ours || !theirs)
                return 0;
        if (ours->mnt_ns != theirs->mnt_ns)
                types |= GUARD_CLONE_NEWNS;
        if (ours->uts_ns != theirs->uts_ns)
                types |= GUARD_CLONE_NEWUTS;
        if (ours->ipc_ns != theirs->ipc_ns)
                types |= GUARD_CLONE_NEWIPC;
        if (ours->net_ns != theirs->net_ns)
                types |= GUARD_CLONE_NEWNET;
        if (ours->cgroup_ns != theirs->cgroup_ns)
                types |= GUARD_CLONE_NEWCGROUP;
        if (ours->time_ns != theirs->time_ns)
                types |= GUARD_CLONE_NEWTIME;
        /* A process driven forks where its children go (a review found a lock on pid passed so). */
        if (ours->pid_ns_for_children != theirs->pid_ns_for_children)
                types |= GUARD_CLONE_NEWPID;
        if (actor->cred->user_ns != task->cred->user_ns)
                types |= GUARD_CLONE_NEWUSER;
        return guard_forget(types);
}

/* Another task's namespaces used without a setns(), through ptrace_may_access(): in read mode,
 * /proc/PID/root, cwd and the fd/ links lead into that task's mount namespace, its whole tree to
 * read, write and run from (chroot /proc/1/root); in attach mode (ptrace, /proc/PID/mem,
 * process_vm_writev, pidfd_getfd) the task itself, and with it every namespace it is in, is the
 * actor's to drive. Decided as joins of those namespaces (mnt alone in read mode; every type
 * where the two differ in attach mode): refused to a task locked for them (two reviews found the
 * ways around the lock). Costs a few loads unless the namespaces differ. Returns 0 or -EPERM. */
static __always_inline int guard_namespace_reach(struct task_struct *child, unsigned int mode) {
        struct task_struct *actor = bpf_get_current_task_btf();
        __u32 types = guard_ns_elsewhere(actor, child), decided;
        struct guard_decision d;

        if (!(mode & PTRACE_MODE_ATTACH_))
                types &= GUARD_CLONE_NEWNS;
        if (!types || guard_task_decide_namespace(actor, types, &d, &decided) == GUARD_VERDICT_ALLOW)
                return 0;
        /* NOAUDIT: a check whose failure only hides a field (/proc/PID/stat's addresses, as top reads). */
        if (!(mode & PTRACE_MODE_NOAUDIT_))
                guard_report(GUARD_EVENT_SETNS, &d, actor, child->tgid, 0, 0, decided,
                             guard_task_ns_inum(child, decided), GUARD_SETNS_THROUGH_PROC);
        return d.verdict == GUARD_VERDICT_DENY ? -1 : 0;
}

/* A fork by a task locked for pid or time namespaces must not put the child into one prepared
 * before the lock (guard_task_pending_types()): decided as creating a namespace of that type,
 * reported with the namespace the child would have entered. Returns 0 or -EPERM (1). */
static __always_inline int guard_fork_pending(struct task_struct *actor, unsigned long clone_flags) {
        __u32 types = guard_task_pending_types(actor, clone_flags), decided;
        struct guard_decision d;

        if (!types || guard_task_decide_namespace(actor, types, &d, &decided) == GUARD_VERDICT_ALLOW)
                return 0;
        guard_report(GUARD_EVENT_CHILD_NAMESPACE, &d, actor, actor->pid, 0, 0, decided,
                     guard_task_ns_inum(actor, decided), types);
        return d.verdict == GUARD_VERDICT_DENY ? -1 : 0;
}
