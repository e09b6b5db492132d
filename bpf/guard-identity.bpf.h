/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* Identity a confined process cannot forge (guard-maps.h, enum guard_identity_flag). mm->exe_file
 * is what exe rules and the guard's own binary are recognised by, and prctl(PR_SET_MM,
 * PR_SET_MM_EXE_FILE or PR_SET_MM_MAP with exe_fd) points it at any file (root; in a user
 * namespace anyone, with PR_SET_MM_MAP). So:
 *   - a task that asks for either is marked EXE_FORGED (an attempt counts: the hook runs before
 *     the kernel's own checks): no exe rule matches it and it is never the guard; its children
 *     inherit the mark (their exe link is the same file), a real exec clears it;
 *   - the request is refused while another task shares the memory (threads, CLONE_VM): that one
 *     would carry the new link without the mark;
 *   - a child PID 1 forks is marked PID1_CHILD until it execs; if it execs the guard's binary in
 *     the guard's own unit (guard_self_unit: the name and parent of the cgroup the daemon ran in)
 *     it becomes the guard (SELF): systemd restarting cgroup-guardd.service, whose cgroup the
 *     policy may well confine. Any other unit running the binary (systemd-run from a confined
 *     service, LD_PRELOAD in its environment) is not the guard, nor a traced exec; attaching to
 *     PID 1's child before its exec is refused to confined tasks (bpf/guard-tamper.bpf.h). Under
 *     lockdown=confidentiality the name cannot be read (no bpf_probe_read_kernel_str()): no exec
 *     is the guard there.
 * Rare-event hooks only (prctl, exec, fork): bench/README.md. */

#include "guard-tamper.bpf.h"

#define PR_SET_MM_ 35
#define PR_SET_MM_EXE_FILE_ 13
#define PR_SET_MM_MAP_ 14
#define CLONE_THREAD_ 0x00010000

/* Returns 0 (the kernel goes on with the prctl) or a refusal. */
SEC("lsm/task_prctl")
int BPF_PROG(guard_identity_prctl, int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
             unsigned long arg5) {
        struct guard_decision d = { .verdict = GUARD_VERDICT_DENY };
        struct guard_task_identity *id;
        struct task_struct *task;

        if (guard_set_retired())
                return 0;

        if (option != PR_SET_MM_ || (arg2 != PR_SET_MM_EXE_FILE_ && arg2 != PR_SET_MM_MAP_))
                return 0;
        task = bpf_get_current_task_btf();
        if (task->mm->mm_users.counter > 1) {
                guard_report(GUARD_EVENT_TAMPER, &d, task, 0, arg2, 0, 0, 0, GUARD_TAMPER_EXE);
                return -GUARD_TAMPER_EPERM;
        }
        id = bpf_task_storage_get(&guard_identity, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (!id)
                return -GUARD_TAMPER_EPERM; /* no mark, no new link */
        /* Added to, never in place of, the marks that deny trust: code in PID 1's cgroup (a
         * generator) that forged its link, then exec'd the guard's binary there, was the guard.
         * PID 1's child that forges runs code not systemd's: PID 1's trust goes, the mark that
         * denies an admin's stays. */
        id->flags = GUARD_IDENTITY_EXE_FORGED |
                    (id->flags & (GUARD_IDENTITY_PID1_CHILD | GUARD_IDENTITY_PID1_CGROUP) ? GUARD_IDENTITY_PID1_CGROUP : 0);
        return 0;
}

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct guard_self_unit);
} guard_self_unit SEC(".maps");

/* Is the cgroup the guard's own unit's: named as the daemon's was, under the same parent? (The
 * unit's cgroup gets a new id at each start; PID 1 names no transient unit after a unit that has
 * a unit file.) */
static __always_inline bool is_guard_unit_cgroup(struct cgroup *cg) {
        struct cgroup_subsys_state *parent = cg->self.parent;
        struct guard_self_unit *unit;
        char name[GUARD_UNIT_NAME_MAX];
        __u32 zero = 0;

        unit = bpf_map_lookup_elem(&guard_self_unit, &zero);
        if (!unit || !unit->parent_id || !parent || parent->cgroup->kn->id != unit->parent_id)
                return false;
        if (bpf_probe_read_kernel_str(name, sizeof(name), cg->kn->name) <= 0)
                return false;
        for (int i = 0; i < GUARD_UNIT_NAME_MAX; i++) {
                if (name[i] != unit->name[i])
                        return false;
                if (!name[i])
                        return true;
        }
        return false;
}

static __always_inline bool in_guard_unit(struct task_struct *task) {
        return is_guard_unit_cgroup(task->cgroups->dfl_cgrp);
}

/* PID 1 made the guard's unit's cgroup anew (a restart): it is the guard's cgroup from now on,
 * as backend_protect() registers it once the new daemon runs. Here, before kernfs_activate()
 * shows its files: in the seconds the new daemon takes to start, a confined root would otherwise
 * open its cgroup.freeze or cgroup.kill for writing and stop the daemon with that fd later, or
 * move a task in. Under lockdown=confidentiality the name cannot be read (no restart is
 * recognised, as in identity_exec()): not loaded there. */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(guard_tamper_unit_mkdir, struct cgroup *cgrp, const char *path) {
        struct guard_self *self = tamper_config();
        __u64 key;
        __u8 one = 1;

        if (!self || cgrp->root->hierarchy_id != 0 || !is_guard_unit_cgroup(cgrp))
                return 0;
        /* The last one so registered is gone (a cgroup of its name under that parent could not be
         * made otherwise): its key goes, or a confined root making and removing the name while
         * the daemon is stopped would fill guard_objects, and the next daemon's objects would
         * find no room. */
        if (self->cgroup_id && self->cgroup_id != cgrp->kn->id) {
                key = GUARD_OBJ_CGROUP_DIR | self->cgroup_id;
                bpf_map_delete_elem(&guard_objects, &key);
        }
        key = GUARD_OBJ_CGROUP_DIR | cgrp->kn->id;
        bpf_map_update_elem(&guard_objects, &key, &one, BPF_ANY);
        self->cgroup_id = cgrp->kn->id;
        return 0;
}

/* Is task, forked by PID 1 (PID1_CHILD) or by such a child (its parent), still in PID 1's cgroup,
 * where PID 1 runs it before it moves itself to its unit's? Not where PID 1 is in the root cgroup
 * (no systemd): there the root cgroup is the admin's by default and anyone may join it. */
static __always_inline bool in_pid1_cgroup(struct task_struct *task, struct task_struct *pid1) {
        __u64 id = guard_task_cgroup_id(task);

        return pid1->tgid == 1 && id != GUARD_CGROUP_ROOT_ID && id == guard_task_cgroup_id(pid1);
}

/* The identity marks at a successful exec (the new exe link is the file executed): forged no
 * more; PID1_CGROUP stays, and PID 1's child gets it where it execs still in PID 1's cgroup (a
 * generator; code that ran before systemd moved it, whose exec of the guard's binary there would
 * be the guard, in an admin cgroup); PID 1's child is the guard if it is PID 1 (re)starting the
 * guard's unit (in_unit), and not traced: a tracer attached before the exec stays attached (only
 * attaching to the guard is refused) and would drive the guard. ptrace_attach() holds cred_guard_mutex, which the exec
 * holds here: no tracer attaches between this check and the mark. */
static __always_inline void identity_exec(struct linux_binprm *bprm, bool may_be_unit) {
        struct task_struct *task = bpf_get_current_task_btf();
        struct guard_task_identity *id = bpf_task_storage_get(&guard_identity, task, 0, 0);
        struct guard_decision d = { .verdict = GUARD_VERDICT_DENY };
        struct guard_self *self;
        __u32 flags;

        if (!id)
                return;
        flags = id->flags;
        id->flags = flags & GUARD_IDENTITY_PID1_CGROUP;
        if ((flags & GUARD_IDENTITY_PID1_CHILD) && in_pid1_cgroup(task, task->real_parent))
                id->flags = GUARD_IDENTITY_PID1_CGROUP;
        if (!may_be_unit || !(flags & GUARD_IDENTITY_PID1_CHILD) || id->flags)
                return;
        self = tamper_config();
        if (!self || !is_guard_binary(bprm->file->f_inode, self) || !in_guard_unit(task))
                return;
        if (task->ptrace) {
                guard_report(GUARD_EVENT_TAMPER, &d, task, 0, task->parent->tgid, 0, 0, 0, GUARD_TAMPER_TRACED_EXEC);
                return;
        }
        id->flags = GUARD_IDENTITY_SELF;
}

SEC("lsm/bprm_committed_creds")
int BPF_PROG(guard_identity_exec, struct linux_binprm *bprm) {
        if (guard_set_retired())
                return 0;
        identity_exec(bprm, true);
        return 0;
}

/* lockdown=confidentiality refuses bpf_probe_read_kernel_str(): the unit's name cannot be
 * compared, so PID 1's exec of the binary is nobody's (a restart then works where the policy
 * names the guard's unit an admin cgroup: there the binary is the admin's). */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(guard_identity_exec_lockdown, struct linux_binprm *bprm) {
        if (guard_set_retired())
                return 0;
        identity_exec(bprm, false);
        return 0;
}

/* From task_alloc: a forged link goes with the memory it is in; PID 1's children are marked, and
 * so is what they fork while still in PID 1's cgroup, and all that descends from that
 * (PID1_CGROUP). Returns nonzero if the child cannot carry its mark (then no fork). */
static __always_inline int guard_inherit_identity(struct task_struct *parent, struct task_struct *child,
                                                  unsigned long clone_flags) {
        __u32 parent_flags = guard_task_identity(parent);
        __u32 flags = parent_flags & (GUARD_IDENTITY_EXE_FORGED | GUARD_IDENTITY_PID1_CGROUP);
        struct guard_task_identity *id;

        if (parent->tgid == 1 && !(clone_flags & CLONE_THREAD_))
                flags |= GUARD_IDENTITY_PID1_CHILD;
        else if ((parent_flags & GUARD_IDENTITY_PID1_CHILD) && in_pid1_cgroup(parent, parent->real_parent))
                flags |= GUARD_IDENTITY_PID1_CGROUP;
        if (!flags)
                return 0;
        id = bpf_task_storage_get(&guard_identity, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (!id)
                return flags; /* unmarked, PID 1's child would be an admin in PID 1's cgroup */
        id->flags = flags;
        return 0;
}
