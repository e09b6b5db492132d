/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Explain: the kernel's decision code over the generation in force, for a live actor and
 * target (the task state read from the kernel's maps), as D-Bus Explain* and the CLI ask. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "backend-internal.h"
#include "bus.h"
#include "cgroup-path.h"
#include "cgroupfs.h"
#include "event-format.h"
#include "log.h"
#include "log-struct.h"
#include "manager-internal.h"
#include "manager.h"
#include "policy-compile.h"
#include "policy-parse.h"
#include "process-util.h"
#include "response.h"
#include "string-util.h"

/* Checked to fit what is read from it (open_pinned_map()): anyone may ask Explain. */
static int open_state_map(Manager *m, const char *name) {
        return open_pinned_map(m->bpffs_dir, name);
}

static void task_lock_of(Manager *m, uint32_t pid, struct guard_task_lock *ret) {
        _cleanup_(closep) int map = open_state_map(m, GUARD_MAP(guard_task_locks)), pidfd = -EBADF;

        *ret = (struct guard_task_lock) {};
        if (map < 0)
                return;
        pidfd = syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0 || bpf_map_lookup_elem(map, &pidfd, ret) < 0)
                *ret = (struct guard_task_lock) {};
}

/* pid's identity marks as the kernel keeps them (0 if none): bpf/guard-identity.bpf.h. */
static uint32_t task_identity_of(Manager *m, uint32_t pid) {
        _cleanup_(closep) int map = open_state_map(m, GUARD_MAP(guard_identity)), pidfd = -EBADF;
        struct guard_task_identity id = {};

        if (map < 0)
                return 0;
        pidfd = syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0 || bpf_map_lookup_elem(map, &pidfd, &id) < 0)
                return 0;
        return id.flags;
}

/* The sandbox record of pid's namespace of type, as the kernel keeps it ({0} if none). */
static void sandbox_of(Manager *m, uint32_t pid, uint32_t type, struct guard_sandbox_ns *ret) {
        _cleanup_(closep) int map = open_state_map(m, GUARD_MAP(guard_sandbox_ns));
        uint32_t inum;

        *ret = (struct guard_sandbox_ns) {};
        if (map < 0 || pid_ns_inum(pid, ns_type_to_string(type), &inum) < 0)
                return;
        if (bpf_map_lookup_elem(map, &inum, ret) < 0 || ret->type != type)
                *ret = (struct guard_sandbox_ns) {};
}

/* The model oracle words the reason; the verdict is the kernel's code over the generation in
 * force. They agree (tests/unit/test-decide-differential.c); if they ever do not, the kernel's
 * answer is the truth and the disagreement is a bug worth a loud log line. */
static void take_kernel_verdict(Manager *m, const struct guard_decision *kd, PolicyDecision *d) {
        Verdict v = kd->verdict == GUARD_VERDICT_DENY ? VERDICT_DENY :
                    kd->verdict == GUARD_VERDICT_AUDIT ? VERDICT_AUDIT : VERDICT_ALLOW;

        if (v == d->verdict && (v == VERDICT_ALLOW || (d->rule && d->rule->id == kd->rule)))
                return;
        /* Over a pinned generation kept as it is there is no model to word it: no bug. */
        if (!m->kept_pinned)
                log_error("BUG: explain's model says %s (rule %u), the kernel's decision code says %s (rule %u); "
                          "answering with the kernel's.", verdict_to_string(d->verdict), d->rule ? d->rule->id : 0,
                          verdict_to_string(v), kd->rule);
        d->verdict = v;
        d->rule = policy_rule_by_id(&m->policy, kd->rule);
        d->action = kd->action;
        snprintf(d->reason, sizeof(d->reason), "decided by rule id %u of the policy in force", kd->rule);
}

/* stat() as far as statx(AT_STATX_DONT_SYNC) fills it: device, inode and mode. */
static int stat_kernel_held(const char *path, struct stat *ret) {
        struct statx stx;

        if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &stx) < 0)
                return -errno;
        *ret = (struct stat) { .st_dev = makedev(stx.stx_dev_major, stx.stx_dev_minor), .st_ino = stx.stx_ino,
                               .st_mode = stx.stx_mode };
        return 0;
}

/* The entry that applies to a cgroup, found as the kernel finds it (guard_cgroup_entry()). */
static struct guard_value *entry_of(Manager *m, uint64_t id) {
        return policy_image_cgroup(&m->image, &m->tree, id);
}

static int explain_actor(Manager *m, uint32_t pid, char **ret_cgroup, char **ret_exe, PolicyActor *ret,
                         struct guard_actor *ret_kernel) {
        struct stat st = {};
        char fn[64];
        int r;

        r = cgroup2_path_of_pid(pid, ret_cgroup);
        if (r < 0)
                return r;
        *ret_exe = pid_exe_path(pid);
        *ret = (PolicyActor) { .exe = *ret_exe, .cgroup = *ret_cgroup };
        uint64_t id = 0;
        (void) cgroup2_id_of_path(m->cgroup_root_fd, *ret_cgroup, &id);
        *ret_kernel = (struct guard_actor) { .cgroup = entry_of(m, id), .identity = task_identity_of(m, pid) };
        snprintf(fn, sizeof(fn), "/proc/%u/exe", pid);
        /* A forged exe link identifies nobody (guard_actor_exe_trusted()): the model is told so too.
         * The attributes the kernel holds, without asking the file system (a FUSE server that never
         * answers would hold the daemon); the generation still opens the file (a known gap). */
        if (!(ret_kernel->identity & GUARD_IDENTITY_EXE_FORGED) && stat_kernel_held(fn, &st) == 0) {
                ret->exe_resolved = true;
                ret->exe_dev = st.st_dev;
                ret->exe_ino = st.st_ino;
                ret_kernel->exe_known = 1;
                ret_kernel->exe_dev = kernel_dev(st.st_dev);
                ret_kernel->exe_ino = st.st_ino;
                /* The kernel knows it always; where the file system does not tell, rules are keyed
                 * without it (GUARD_KEY_EXE_ANY_GEN) and 0 serves as well. */
                (void) policy_file_generation(fn, st.st_dev, st.st_ino, &ret_kernel->exe_gen);
                ret->exe_gen = ret_kernel->exe_gen;
        }
        return 0;
}

/* Tamper protection refuses a move into an admin cgroup that the policy lets through
 * (guard_tamper_admin_join()): say so, as the kernel decides it. The guard's own unit is another
 * refusal, kept out of explain: nothing but PID 1 moves anything there. */
static bool admin_join_refused(Manager *m, uint32_t actor_pid, const struct guard_actor *who, const char *actor_cgroup,
                               uint64_t dst_id, PolicyDecision *ret) {
        const struct guard_value *config = policy_image_lookup(&m->image, GUARD_KEY_CONFIG, 0, 0);
        uint64_t actor_id = 0;

        if (!policy_protect_self(&m->policy))
                return false;
        (void) cgroup2_id_of_path(m->cgroup_root_fd, actor_cgroup, &actor_id);
        bool trusted = actor_pid == 1 || (who->identity & (GUARD_IDENTITY_PID1_CHILD | GUARD_IDENTITY_SELF));
        if (!guard_admin_join_refused(config, entry_of(m, dst_id), dst_id, trusted,
                                      guard_identity_may_be_admin(who->identity) &&
                                              guard_cgroup_admin(config, who->cgroup, actor_id)))
                return false;
        *ret = (PolicyDecision) { .verdict = VERDICT_DENY };
        snprintf(ret->reason, sizeof(ret->reason),
                 "the destination is an admin cgroup, which only PID 1, the guard and tasks in admin cgroups may "
                 "move a process into (protect_self)");
        return true;
}

int manager_explain_migration(Manager *m, uint32_t actor_pid, uint32_t task_pid, const char *dst, PolicyDecision *ret) {
        _cleanup_(freep) char *actor_cgroup = NULL, *exe = NULL, *src = NULL;
        struct guard_actor who;
        struct guard_decision kd;
        PolicyActor actor;
        uint64_t src_id = 0, dst_id = 0;
        int r;

        r = explain_actor(m, actor_pid, &actor_cgroup, &exe, &actor, &who);
        if (r < 0)
                return r;
        r = cgroup2_path_of_process(task_pid, &src);
        if (r < 0)
                return r;
        (void) cgroup2_id_of_path(m->cgroup_root_fd, src, &src_id);
        policy_decide_migration(&m->policy, &actor, src, dst, ret);
        if (cgroup2_id_of_path(m->cgroup_root_fd, dst, &dst_id) >= 0) {
                /* Unknown threadedness counts as threaded: decided, as the kernel would. */
                if (guard_migration_changes_nothing(src_id, dst_id, true,
                                                    cgroup2_is_threaded(m->cgroup_root_fd, dst) != 0)) {
                        *ret = (PolicyDecision) { .verdict = VERDICT_ALLOW };
                        snprintf(ret->reason, sizeof(ret->reason),
                                 "the task is in %s already: a move that changes nothing is allowed whoever asks", dst);
                        return 0;
                }
                guard_decide_migration(&m->image, &who, entry_of(m, src_id), entry_of(m, dst_id), &kd);
                if (kd.verdict != GUARD_VERDICT_DENY && admin_join_refused(m, actor_pid, &who, actor_cgroup, dst_id, ret))
                        return 0;
                take_kernel_verdict(m, &kd, ret);
                return 0;
        }

        /* Not there yet: decide with the entry it would get when created, under an id no cgroup
         * has, and take it out again. */
        struct guard_key key = { .kind = GUARD_KEY_CGROUP, .a = UINT64_MAX };
        struct guard_value v = {};
        if (policy_compile_cgroup(&m->policy, &m->tree, dst, &v.cgroup) && policy_image_put(&m->image, &key, &v) < 0)
                return -ENOMEM;
        /* The put may have moved the image's values: the actor's entry, looked up before, is
         * looked up again (a review found the stale pointer read, any bus client's to set off). */
        uint64_t actor_id = 0;
        (void) cgroup2_id_of_path(m->cgroup_root_fd, actor_cgroup, &actor_id);
        who.cgroup = entry_of(m, actor_id);
        guard_decide_migration(&m->image, &who, entry_of(m, src_id), policy_image_lookup(&m->image, GUARD_KEY_CGROUP, UINT64_MAX, 0), &kd);
        bool refused = kd.verdict != GUARD_VERDICT_DENY && admin_join_refused(m, actor_pid, &who, actor_cgroup, UINT64_MAX, ret);
        policy_image_remove(&m->image, &key);
        if (!refused)
                take_kernel_verdict(m, &kd, ret);
        return 0;
}

/* pid (in cgroup, cgroup_id, carrying mark) joins target_pid's namespace of type, which is not its
 * own: the join's decision as the kernel makes it, worded by the model. */
static void explain_join_type(Manager *m, uint32_t pid, const char *cgroup, uint64_t cgroup_id,
                              const struct guard_task_lock *mark, uint32_t type, uint32_t target_pid,
                              PolicyDecision *ret) {
        struct guard_sandbox_ns sandbox;
        struct guard_decision kd;
        struct guard_hints hints;
        uint32_t decided;

        sandbox_of(m, target_pid, type, &sandbox);
        const PolicyRule *sandbox_rule = policy_rule_by_id(&m->policy, sandbox.rule);
        PolicyNsTask task = { .cgroup = cgroup, .entered = policy_rule_by_id(&m->policy, mark->rule),
                              .entered_types = mark->types };
        /* The model names creators by cgroup; the kernel recorded the rule itself. */
        policy_decide_setns(&m->policy, &task, type, sandbox_rule ? sandbox_rule->cgroup : NULL, ret, NULL);
        guard_image_hints(&m->image, &hints);
        guard_decide_namespace_hinted(&m->image, &hints, entry_of(m, cgroup_id), mark, type, &kd, &decided);
        take_kernel_verdict(m, &kd, ret);
}

int manager_explain_setns(Manager *m, uint32_t pid, uint32_t type, uint32_t target_pid, PolicyDecision *ret) {
        _cleanup_(freep) char *cgroup = NULL;
        struct guard_sandbox_ns sandbox;
        struct guard_task_lock mark;
        PolicyDecision reach = { .verdict = VERDICT_ALLOW };
        uint32_t own = 0, target = 0, own_mnt, target_mnt;
        uint64_t cgroup_id = 0;
        int r;

        r = cgroup2_path_of_pid(pid, &cgroup);
        if (r < 0)
                return r;
        (void) cgroup2_id_of_path(m->cgroup_root_fd, cgroup, &cgroup_id);
        task_lock_of(m, pid, &mark);

        /* A join names the process by its /proc/PID/ns file or a pidfd, and either first reads the
         * process (ptrace_may_access() in read mode), which the kernel decides as a join of its
         * mount namespace where that differs (guard_namespace_reach()): before anything else. */
        if (type != GUARD_CLONE_NEWNS && pid_ns_inum(pid, "mnt", &own_mnt) >= 0 &&
            pid_ns_inum(target_pid, "mnt", &target_mnt) >= 0 && own_mnt != target_mnt) {
                char why[sizeof(reach.reason)];

                explain_join_type(m, pid, cgroup, cgroup_id, &mark, GUARD_CLONE_NEWNS, target_pid, &reach);
                snprintf(why, sizeof(why), "%s", reach.reason);
                snprintf(reach.reason, sizeof(reach.reason),
                         "naming pid %u (its /proc/PID/ns file or a pidfd) reaches into its mount namespace; %.400s",
                         target_pid, why);
                if (reach.verdict == VERDICT_DENY) {
                        *ret = reach;
                        return 0;
                }
        }

        /* /proc/PID/ns may be unreadable (another user namespace's init): then the namespaces
         * count as different and the target as no sandbox, which is what the kernel sees too
         * unless it is a sandbox we cannot name. Its own as the kernel compares it
         * (guard_task_joined_ns_inum()): for pid, its children's. */
        bool known = pid_ns_inum(pid, type == GUARD_CLONE_NEWPID ? "pid_for_children" : ns_type_to_string(type), &own) >= 0 &&
                     pid_ns_inum(target_pid, ns_type_to_string(type), &target) >= 0;
        *ret = (PolicyDecision) { .verdict = VERDICT_ALLOW };
        if (known && own == target) {
                /* What the kernel does too: re-joining one's own namespace changes nothing. */
                snprintf(ret->reason, sizeof(ret->reason), "pid %u is already in that %s namespace", pid,
                         ns_type_to_string(type));
        } else
                explain_join_type(m, pid, cgroup, cgroup_id, &mark, type, target_pid, ret);

        /* Then, as the kernel does after a join it lets through: a process with other threads
         * that entering the sandbox would lock. */
        uint32_t threads = 1;
        struct guard_decision kt;

        sandbox_of(m, target_pid, type, &sandbox);
        if (!(known && own == target) && ret->verdict != VERDICT_DENY && pid_threads(pid, &threads) >= 0 &&
            guard_decide_sandbox_threads(&m->image, entry_of(m, cgroup_id), sandbox.rule ? &sandbox : NULL, &mark,
                                         threads, &kt) != GUARD_VERDICT_ALLOW &&
            (kt.verdict == GUARD_VERDICT_DENY || ret->verdict == VERDICT_ALLOW)) {
                ret->verdict = kt.verdict == GUARD_VERDICT_DENY ? VERDICT_DENY : VERDICT_AUDIT;
                ret->rule = policy_rule_by_id(&m->policy, kt.rule);
                ret->action = kt.action;
                snprintf(ret->reason, sizeof(ret->reason),
                         "pid %u has %u threads, and entering this sandbox would lock the joining one alone", pid,
                         threads);
        }
        /* An audited reach, then a join let through: the reach is what is audited. */
        if (reach.verdict == VERDICT_AUDIT && ret->verdict == VERDICT_ALLOW)
                *ret = reach;
        return 0;
}

int manager_explain_new_namespaces(Manager *m, uint32_t pid, uint32_t types, PolicyDecision *ret) {
        _cleanup_(freep) char *cgroup = NULL;
        struct guard_task_lock mark;
        struct guard_decision kd;
        struct guard_hints hints;
        uint64_t cgroup_id = 0;
        uint32_t decided;
        int r;

        r = cgroup2_path_of_pid(pid, &cgroup);
        if (r < 0)
                return r;
        (void) cgroup2_id_of_path(m->cgroup_root_fd, cgroup, &cgroup_id);
        task_lock_of(m, pid, &mark);

        PolicyNsTask task = { .cgroup = cgroup, .entered = policy_rule_by_id(&m->policy, mark.rule),
                              .entered_types = mark.types };
        policy_decide_new_namespace(&m->policy, &task, types, ret);
        guard_image_hints(&m->image, &hints);
        guard_decide_namespace_hinted(&m->image, &hints, entry_of(m, cgroup_id), &mark, types, &kd, &decided);
        take_kernel_verdict(m, &kd, ret);
        return 0;
}
