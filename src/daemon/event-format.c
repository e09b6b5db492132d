/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "event-format.h"
#include "guard-maps.h"
#include "macro.h"
#include "string-util.h"

const char *event_kind_to_string(uint32_t kind) {
        switch (kind) {
        case GUARD_EVENT_MIGRATION: return "migration";
        case GUARD_EVENT_SETNS: return "setns";
        case GUARD_EVENT_NEW_NAMESPACE: return "namespace";
        case GUARD_EVENT_TAMPER: return "tamper";
        case GUARD_EVENT_CHILD_NAMESPACE: return "fork";
        }
        return "unknown";
}

const char *event_verdict_to_string(uint32_t verdict, const char *backend) {
        switch (verdict) {
        case GUARD_VERDICT_DENY:
                return backend && streq(backend, "observe") ? "observed" : "deny";
        case GUARD_VERDICT_AUDIT: return "audit";
        case GUARD_VERDICT_OBSERVED: return "observed";
        }
        return "allow";
}

/* A field that cannot be allocated is left out; the sentence is what must not be lost. */
_printf_(2, 3) static void add_field(EventText *t, const char *format, ...) {
        va_list ap;
        int r;

        if (t->n_fields >= EVENT_FIELDS_MAX)
                return;
        va_start(ap, format);
        r = vasprintf(&t->fields[t->n_fields], format, ap);
        va_end(ap);
        if (r < 0)
                t->fields[t->n_fields] = NULL;
        else
                t->n_fields++;
}

static const char *or_unknown(const char *s) {
        return s ? s : "(unknown)";
}

/* A name as the sentence shows it: shortened in the middle when long, then escaped, so no
 * cgroup, comm or executable path can forge a line or drive the terminal, and a 4 kB path
 * cannot push who, rule and response out of the sentence. */
static char *display(const char *s) {
        _cleanup_(freep) char *shortened = ellipsize_middle(or_unknown(s), EVENT_NAME_DISPLAY_MAX);

        return shortened ? cescape(shortened) : NULL;
}

static void strv_free_n(char **l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i]);
}

/* "... : /system.slice is protected by rule '10-system.json:protect/0' in 10-system.json" */
static char *explain_rule(const struct guard_event *e, const PolicyRule *rule, const EventText *t, bool escaped) {
        _cleanup_(freep) char *cgroup = NULL, *file = NULL;
        char *s = NULL;
        int r;

        if (!rule && e->rule_id == GUARD_RULE_UNCLASSIFIED)
                return asprintf(&s, "a cgroup involved has no entry in the policy map though its parent tells its "
                                "children apart (the map was full): fail closed") < 0 ? NULL : s;
        if (!rule)
                return asprintf(&s, "rule %u of policy generation %u", e->rule_id, e->generation) < 0 ? NULL : s;
        cgroup = escaped ? display(rule->cgroup) : strdup(or_unknown(rule->cgroup));
        file = escaped ? display(t->policy_file) : strdup(t->policy_file);
        if (!cgroup || !file)
                return NULL;
        switch (rule->kind) {
        case POLICY_RULE_PROTECT:
                if (rule->seal)
                        r = asprintf(&s, "%s is sealed by rule '%s' in %s (tasks inside never leave it, whoever moves "
                                     "them, unless an allow entry of that rule names the destination) and nothing "
                                     "allows this move", cgroup, t->rule_name, file);
                else
                        r = asprintf(&s, "%s is protected by rule '%s' in %s and no allow or delegate rule matches",
                                     cgroup, t->rule_name, file);
                break;
        case POLICY_RULE_LOCK:
                r = asprintf(&s, "tasks in %s are locked into their namespaces by rule '%s' in %s", cgroup,
                             t->rule_name, file);
                break;
        case POLICY_RULE_LOCK_ON_ENTRY:
                r = asprintf(&s, "the task entered a sandbox namespace created from %s and is locked by rule '%s' in %s",
                             cgroup, t->rule_name, file);
                break;
        default:
                r = asprintf(&s, "rule '%s' in %s", t->rule_name, file);
        }
        return r < 0 ? NULL : s;
}

static const char *tamper_what(uint32_t what) {
        switch (what) {
        case GUARD_TAMPER_MAP: return "getting a handle on the guard's map";
        case GUARD_TAMPER_PROG: return "getting a handle on the guard's program";
        case GUARD_TAMPER_LINK: return "getting a handle on the guard's link";
        case GUARD_TAMPER_PIN: return "opening, removing or renaming the guard's pin (inode)";
        case GUARD_TAMPER_SIGNAL: return "signalling cgroup-guardd (pid)";
        case GUARD_TAMPER_PTRACE: return "ptracing cgroup-guardd (pid)";
        case GUARD_TAMPER_SIGIO: return "signalling cgroup-guardd through F_SETOWN/SIGIO (pid)";
        case GUARD_TAMPER_RLIMIT: return "setting a resource limit of cgroup-guardd, or of PID 1 from a confined cgroup (pid)";
        case GUARD_TAMPER_CGROUP_FILE: return "writing a cgroup file of cgroup-guardd's cgroup or above, or the root's cgroup.max.* (inode)";
        case GUARD_TAMPER_MOUNT: return "unmounting or moving the bpffs holding the guard's pins, or moving a mount or the root in PID 1's mount namespace (device)";
        case GUARD_TAMPER_EXE: return "changing its executable link while another task shares its memory (PR_SET_MM option)";
        case GUARD_TAMPER_JOIN: return "moving a process into cgroup-guardd's cgroup (cgroup id)";
        case GUARD_TAMPER_PID1_CHILD: return "attaching to PID 1's child before its exec (pid)";
        case GUARD_TAMPER_TRACED_EXEC: return "becoming cgroup-guardd by an exec under ptrace (the tracer's pid)";
        case GUARD_TAMPER_LEAVE: return "moving a process out of cgroup-guardd's cgroup (cgroup id)";
        case GUARD_TAMPER_SCHED: return "changing the scheduling, CPU affinity, nice value or I/O priority of cgroup-guardd, or of PID 1 from a confined cgroup (pid)";
        case GUARD_TAMPER_OOM: return "writing the OOM score adjustment of cgroup-guardd (pid)";
        case GUARD_TAMPER_CGROUP1: return "mounting a cgroup v1 hierarchy (device)";
        case GUARD_TAMPER_NAMESPACE: return "joining a namespace of cgroup-guardd (inode)";
        case GUARD_TAMPER_ATTACH: return "attaching to a process outside its own cgroup from a confined one (pid)";
        case GUARD_TAMPER_FILE: return "writing, truncating, removing, renaming or mounting over a file cgroup-guardd runs (or the kernel, as a usermode helper, or an allow rule trusts), or a name on its path, or a place units' namespaces are made of (/tmp, /run/systemd/inaccessible), or changing its file attributes (chattr), or unmounting or moving a mount whose root is one, or adding an entry to modprobe's configuration (modprobe.d), PAM's (pam.d) or cgroup-guard's own (its policy directory, the directory of its disable flag) or at a usermode helper's name that is reserved, or changing, removing or linking one there, from a confined cgroup (inode); or moving or linking there a file open for writing, from anywhere (its inode)";
        case GUARD_TAMPER_ADMIN_JOIN: return "moving a process into an admin cgroup from outside the admin cgroups (cgroup id)";
        case GUARD_TAMPER_ADMIN_ATTACH: return "attaching to a process in an admin cgroup from outside the admin cgroups (pid)";
        case GUARD_TAMPER_HELPER: return "changing a usermode helper the kernel runs as root in the root cgroup from a confined cgroup "
                                         "(1 kernel.core_pattern, 2 kernel.modprobe, 3 kernel.hotplug, 4 kernel.poweroff_cmd, "
                                         "5 attaching a cgroup/sysctl program, 6 a sysfs file naming one, 7 fs.ocfs2.nm.hb_ctl_path)";
        case GUARD_TAMPER_BINFMT: return "registering or changing a binary format handler (binfmt_misc) outside the admin cgroups (inode)";
        case GUARD_TAMPER_PROG_LOAD: return "loading a BPF program that could overrule the LSM hooks, write into other processes or rewrite unix socket peers and addresses (an LSM, fmod_ret or extension program, a cgroup/getsockopt or unix sock_addr program, or bpf_probe_write_user(): 0) outside the admin cgroups, "
                                            "or a tracing program (it could signal cgroup-guardd) from a confined cgroup (program type)";
        case GUARD_TAMPER_PID1_EXEC: return "an exec by PID 1 of a program other than its own, systemd-shutdown or /sbin/init (the init a SwitchRoot caller named: inode)";
        case GUARD_TAMPER_DEBUGFS: return "opening a debugfs file that can be written (sched/preempt, say: full preemption lets a program of the compat backend be skipped) from a confined cgroup (0)";
        case GUARD_TAMPER_FTRACE: return "switching ftrace off (kernel.ftrace_enabled), which stops every BPF LSM and fentry program, the guard's among them, outside the admin cgroups (0)";
        case GUARD_TAMPER_SIGNAL_ALL: return "a signal the kernel sends as its own, which could stop cgroup-guardd, from a confined cgroup (0 opening /proc/sysrq-trigger, 1 a perf event with sigtrap)";
        case GUARD_TAMPER_GUARD_CGROUP_DIR: return "making a cgroup inside cgroup-guardd's cgroup, or removing that cgroup, which only PID 1 does (a child with a controller enabled keeps PID 1 from starting the unit there again) (cgroup id)";
        case GUARD_TAMPER_CGROUP_MOUNT: return "mounting over a cgroup2 directory, or unmounting cgroup2, where it reaches PID 1's mount namespace, a remount there that adds ro, noexec, nosuid, nodev or nosymfollow, or a mount_setattr(2) or an unbindable mount there, or a remount of cgroup2 or of the pins' bpffs (PID 1 works on cgroups by path, execs there, and the guard pins there) (device)";
        case GUARD_TAMPER_LOCKDOWN: return "raising the kernel's lockdown level (/sys/kernel/security/lockdown) from a confined cgroup, or by PID 1 for a socket unit (ListenSpecial=): under confidentiality the guard's next load takes its weaker lockdown variants (0 a confined task, 1 PID 1)";
        case GUARD_TAMPER_FANOTIFY_PERM: return "a fanotify mark asking for permission events (FAN_OPEN_PERM, FAN_ACCESS_PERM, FAN_OPEN_EXEC_PERM) from a confined cgroup: never answered, they hold whoever opens the file, cgroup-guardd's restart and reloads included (0 inode, 1 mount, 2 file system)";
        case GUARD_TAMPER_PROC_MOUNT: return "moving or remounting the proc file system cgroup-guardd reads, from a confined cgroup (subset=pid hides /proc/sys, where it reads the usermode helpers' settings; moved, its files could be mounted over) (device)";
        case GUARD_TAMPER_LIMIT: return "lowering a limit cgroup-guardd's next start needs, from a confined cgroup (0 a user.max_* namespace or inotify limit, 1 fs.nr_open, 2 fs.file-max, 3 vm.max_map_count, 4 kernel.threads-max, 5 kernel.pid_max, 6 fs.inotify.max_user_instances, 7 fs.inotify.max_user_watches, 8 net.core.bpf_jit_enable, 9 net.core.bpf_jit_limit, 10 fs.epoll.max_user_watches; or changing 11 kernel.sched_rt_runtime_us, 12 kernel.sched_rt_period_us, 13 vm.overcommit_memory, 14 vm.overcommit_ratio, 15 vm.overcommit_kbytes, 16 kernel.sysrq, 17 vm.mmap_min_addr)";
        case GUARD_TAMPER_KPTR: return "changing kernel.kptr_restrict from a confined cgroup (refused by the programs of older builds only)";
        case GUARD_TAMPER_LINK_CHANGE: return "detaching a BPF link or replacing its program (BPF_LINK_DETACH, BPF_LINK_UPDATE) outside the admin cgroups (0)";
        case GUARD_TAMPER_KEXEC: return "loading a kernel to boot into, or a hibernation image to restore, from outside the admin cgroups: booted with a command line of the caller's (cgroup_guard.disable, systemd.mask=), the guard would not start (0 kexec_file_load, 1 kexec_load, 2 /dev/snapshot, 3 /sys/power/resume)";
        case GUARD_TAMPER_CGROUP_PROG: return "attaching a program to the root cgroup, PID 1's cgroup, or cgroup-guardd's or one above it, from outside the admin cgroups: it runs for PID 1's unit starts and the daemon (a cgroup/device program refusing /dev/null fails every start, the guard's included) (cgroup id)";
        case GUARD_TAMPER_UNIT_DIR: return "PID 1 linking a file from outside the unit directories into one (a socket unit's Symlinks=, systemctl link), making a node there (ListenFIFO=, ListenStream=), opening a unit's file there for writing (ListenSpecial= with Writable=yes) or removing one (PIDFile=), for whoever asked: a unit the policies trust by name would run the asker's code (inode of the entry)";
        case GUARD_TAMPER_MOUNT_RACE: return "mounting onto a place another confined task's mount is on its way to, or unmounting, moving or pivoting what it was checked for (checked, not yet attached: it would land on what is there then), one at a time (device of the place)";
        case GUARD_TAMPER_COVERED_MOUNT: return "mounting onto a place covered by another mount since it was named (a file descriptor opened before), which puts the new mount on the top one, in PID 1's mount namespace or propagating there (device of the top mount)";
        case GUARD_TAMPER_LEASE: return "a file lease from a confined cgroup: while it is held, everyone else's open of the file waits or fails, cgroup-guardd's included (0 read, 1 write)";
        case GUARD_TAMPER_MOUNT_LIMIT: return "changing a mount limit from a confined cgroup (set low, the unit's private mount namespace and cgroup-guardd's own proc file system cannot be made) (0 user.max_mnt_namespaces, 1 fs.mount-max)";
        case GUARD_TAMPER_NO_WINDOW: return "a move the compat backend could not decide (no window open on cgroup_attach_permissions: its program was skipped, or its task storage could not be had), refused rather than let through (inode of the cgroup.procs checked)";
        case GUARD_TAMPER_ROOT_PRIVATE: return "making the root mount private in PID 1's mount namespace, the first step of a switch of PID 1's root (SwitchRoot, soft-reboot) (device)";
        }
        return "touching the guard";
}

/* Someone went for the guard itself: a different sentence, same fields. */
static int format_tamper(const struct guard_event *e, const EventNames *n, const char *comm, EventText *t) {
        _cleanup_(freep) char *exe = display(n->actor_exe), *comm_shown = display(comm), *cgroup = display(n->actor_cgroup);

        snprintf(t->rule_name, sizeof(t->rule_name), "protect_self");
        add_field(t, "CGROUP_GUARD_ACTION=deny");
        add_field(t, "CGROUP_GUARD_KIND=tamper");
        add_field(t, "CGROUP_GUARD_RULE=protect_self");
        add_field(t, "CGROUP_GUARD_BACKEND=%s", or_unknown(n->backend));
        add_field(t, "CGROUP_GUARD_ACTOR_PID=%u", e->actor_tgid);
        add_field(t, "CGROUP_GUARD_ACTOR_COMM=%s", comm);
        add_field(t, "CGROUP_GUARD_ACTOR_EXE=%s", or_unknown(n->actor_exe));
        add_field(t, "CGROUP_GUARD_ACTOR_CGROUP=%s", or_unknown(n->actor_cgroup));
        add_field(t, "CGROUP_GUARD_OBJECT=%s %" PRIu64, tamper_what(e->flags), (uint64_t) e->src_cgroup_id);
        if (!exe || !comm_shown || !cgroup ||
            asprintf(&t->message,
                     "Refused tamper attempt: %s %" PRIu64 " by pid %u (%s, %s) in %s: only cgroup-guardd may touch "
                     "its own programs, maps, links and pins, and only PID 1 may signal it (protect_self)",
                     tamper_what(e->flags), (uint64_t) e->src_cgroup_id, e->actor_tgid, exe, comm_shown, cgroup) < 0) {
                t->message = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* "migration of pid 42 (bash) from /a to /b", names as the sentence shows them; task_comm: the
 * moved task's name ("": none). */
static char *describe_action(const struct guard_event *e, const EventNames *n, const char *task_comm) {
        const char *ns = ns_type_to_string(e->ns_type) ?: "?";
        char *s = NULL;
        int r;

        switch (e->kind) {
        case GUARD_EVENT_MIGRATION: {
                _cleanup_(freep) char *src = display(n->src_cgroup), *dst = display(n->dst_cgroup),
                                      *task = task_comm[0] ? display(task_comm) : NULL;
                char pid[32] = "";

                if (!src || !dst || (task_comm[0] && !task))
                        return NULL;
                if (e->task_pid)
                        snprintf(pid, sizeof(pid), " of pid %u", e->task_pid);
                r = asprintf(&s, "migration%s%s%s%s from %s to %s%s", pid, task && e->task_pid ? " (" : "",
                             task && e->task_pid ? task : "", task && e->task_pid ? ")" : "", src, dst,
                             e->flags & GUARD_MIGRATION_CLONE ? " (clone3 CLONE_INTO_CGROUP)" : "");
                break;
        }
        case GUARD_EVENT_SETNS:
                if (e->flags & GUARD_SETNS_THREADS)
                        r = asprintf(&s, "entering a sandbox %s namespace (inode %u) with other threads (a lock is "
                                     "a thread's: they would stay unlocked)", ns, e->ns_inum);
                else if (e->flags & GUARD_SETNS_SYSFS_NET)
                        r = asprintf(&s, "reaching into another %s namespace (inode %u) through its sysfs entries (a sysfs "
                                     "mounted from there)", ns, e->ns_inum);
                else if (e->flags & GUARD_SETNS_PROC_NET)
                        r = asprintf(&s, "reaching into another %s namespace (inode %u) through its /proc/PID/net files",
                                     ns, e->ns_inum);
                else if (e->flags & GUARD_SETNS_THROUGH_PROC)
                        r = asprintf(&s, "reaching into another %s namespace (inode %u) through pid %u "
                                     "(its /proc files, ptrace, pidfd_getfd)", ns, e->ns_inum, e->task_pid);
                else if (e->ns_inum)
                        r = asprintf(&s, "joining another %s namespace (inode %u)", ns, e->ns_inum);
                else
                        r = asprintf(&s, "joining another %s namespace", ns);
                break;
        case GUARD_EVENT_CHILD_NAMESPACE:
                if (e->flags & GUARD_PENDING_AT_EXEC)
                        r = asprintf(&s, "exec'ing into a %s namespace prepared before the lock (inode %u)", ns,
                                     e->ns_inum);
                else
                        r = asprintf(&s, "forking a child into a %s namespace prepared before the lock (inode %u)", ns,
                                     e->ns_inum);
                break;
        default:
                r = asprintf(&s, "creating a new %s namespace", ns);
        }
        return r < 0 ? NULL : s;
}

void event_text_done(EventText *t) {
        free(t->message);
        strv_free_n(t->fields, t->n_fields);
        *t = (EventText) {};
}

int event_format(const struct guard_event *e, const EventNames *n, EventText *ret) {
        const PolicyRule *rule = n->policy ? policy_rule_by_id(n->policy, e->rule_id) : NULL;
        const char *ns = ns_type_to_string(e->ns_type), *lead;
        _cleanup_(freep) char *why = NULL, *why_shown = NULL, *what = NULL, *exe = NULL, *comm_shown = NULL,
                             *cgroup = NULL, *response = NULL;
        char comm[GUARD_COMM_LEN + 1];
        EventText *t = ret;

        *t = (EventText) {};
        memcpy(comm, e->actor_comm, GUARD_COMM_LEN);
        comm[GUARD_COMM_LEN] = '\0';
        memcpy(t->actor_comm, comm, sizeof(t->actor_comm));
        /* Named by the kernel when it decided: the task may be gone by now, or another program. */
        if (e->kind == GUARD_EVENT_MIGRATION && e->task_pid) {
                memcpy(t->task_comm, e->task_comm, GUARD_COMM_LEN);
                t->task_comm[GUARD_COMM_LEN] = '\0';
        }
        t->kind = event_kind_to_string(e->kind);
        t->action = event_verdict_to_string(e->verdict, n->backend);
        t->priority = e->verdict == GUARD_VERDICT_AUDIT ? LOG_NOTICE : LOG_WARNING;
        if (e->kind == GUARD_EVENT_TAMPER) {
                t->action = "deny";
                return format_tamper(e, n, comm, t);
        }
        if (rule) {
                policy_rule_name(rule, t->rule_name, sizeof(t->rule_name));
                snprintf(t->policy_file, sizeof(t->policy_file), "%s", policy_rule_file(n->policy, rule)->name);
        } else if (e->rule_id == GUARD_RULE_UNCLASSIFIED)
                snprintf(t->rule_name, sizeof(t->rule_name), "unclassified");
        else
                snprintf(t->rule_name, sizeof(t->rule_name), "#%u", e->rule_id);

        if (streq(t->action, "audit"))
                lead = "Audit: would deny";
        else if (streq(t->action, "observed"))
                lead = "Violation (not prevented):";
        else
                lead = "Denied";

        add_field(t, "CGROUP_GUARD_ACTION=%s", t->action);
        add_field(t, "CGROUP_GUARD_KIND=%s", t->kind);
        add_field(t, "CGROUP_GUARD_RULE=%s", t->rule_name);
        if (t->policy_file[0])
                add_field(t, "CGROUP_GUARD_POLICY=%s", t->policy_file);
        add_field(t, "CGROUP_GUARD_GENERATION=%u", e->generation);
        add_field(t, "CGROUP_GUARD_BACKEND=%s", or_unknown(n->backend));
        add_field(t, "CGROUP_GUARD_ACTOR_PID=%u", e->actor_tgid);
        add_field(t, "CGROUP_GUARD_ACTOR_COMM=%s", comm);
        add_field(t, "CGROUP_GUARD_ACTOR_EXE=%s", or_unknown(n->actor_exe));
        if (e->actor_exe_dev || e->actor_exe_ino)
                add_field(t, "CGROUP_GUARD_ACTOR_EXE_ID=%u:%u:%" PRIu64, GUARD_DEV_MAJOR(e->actor_exe_dev),
                          GUARD_DEV_MINOR(e->actor_exe_dev), (uint64_t) e->actor_exe_ino);
        add_field(t, "CGROUP_GUARD_ACTOR_UID=%u", e->actor_uid);
        add_field(t, "CGROUP_GUARD_ACTOR_CGROUP=%s", or_unknown(n->actor_cgroup));
        if (e->kind == GUARD_EVENT_MIGRATION) {
                if (e->task_pid)
                        add_field(t, "CGROUP_GUARD_TASK_PID=%u", e->task_pid);
                if (t->task_comm[0])
                        add_field(t, "CGROUP_GUARD_TASK_COMM=%s", t->task_comm);
                add_field(t, "CGROUP_GUARD_SRC_CGROUP=%s", or_unknown(n->src_cgroup));
                add_field(t, "CGROUP_GUARD_DST_CGROUP=%s", or_unknown(n->dst_cgroup));
        } else {
                add_field(t, "CGROUP_GUARD_NS_TYPE=%s", ns ?: "?");
                if (e->ns_inum)
                        add_field(t, "CGROUP_GUARD_NS_INUM=%u", e->ns_inum);
        }
        why = explain_rule(e, rule, t, false);
        if (why)
                add_field(t, "CGROUP_GUARD_REASON=%s", why);
        if (n->response)
                add_field(t, "CGROUP_GUARD_RESPONSE=%s", n->response);

        why_shown = explain_rule(e, rule, t, true);
        what = describe_action(e, n, t->task_comm);
        exe = display(n->actor_exe);
        comm_shown = display(comm);
        cgroup = display(n->actor_cgroup);
        response = n->response ? display(n->response) : NULL;
        if (!why_shown || !what || !exe || !comm_shown || !cgroup || (n->response && !response) ||
            asprintf(&t->message, "%s %s by pid %u (%s, %s) in %s: %s%s%s", lead, what, e->actor_tgid, exe, comm_shown,
                     cgroup, why_shown, response ? "; " : "", response ?: "") < 0) {
                t->message = NULL;
                return -ENOMEM;
        }
        return 0;
}
