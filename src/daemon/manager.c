/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <time.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <sys/syscall.h>

#include "bus.h"
#include "cgroup-path.h"
#include "cgroupfs.h"
#include "event-format.h"
#include "log.h"
#include "log-struct.h"
#include "manager.h"
#include "metrics-collect.h"
#include "policy-compile.h"
#include "policy-parse.h"
#include "process-util.h"
#include "response.h"
#include "string-util.h"

#define RELOAD_DEBOUNCE_USEC (100 * USEC_PER_MSEC)
#define RELOAD_DEBOUNCE_MAX_USEC (2 * USEC_PER_SEC)
/* Ring buffer records handled per wake-up: a flood (mkdir storms by anyone with a delegated
 * subtree, violation storms) is worked through in batches, and D-Bus, reloads and the watchdog
 * get their turn in between. */
#define RING_BATCH_MAX 64
/* Known cgroups checked for having gone, per second and per new cgroup. */
#define TREE_SWEEP_PER_TICK 1024
#define TREE_SWEEP_PER_MKDIR 2

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return TIMESPEC_USEC(ts);
}

int manager_new(Manager **ret) {
        Manager *m = calloc(1, sizeof(*m));
        int r;

        if (!m)
                return -ENOMEM;
        m->cgroup_root_fd = -EBADF;
        m->mode_override = -1;
        m->record_override = -1;
        m->requested = BACKEND_AUTO;
        m->policy_entries_max = GUARD_POLICY_ENTRIES_MAX;
        r = sd_event_default(&m->event);
        if (r < 0) {
                free(m);
                return r;
        }
        *ret = m;
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        bus_stop(m);
        recorder_done(&m->recorder);
        sd_event_source_unref(m->bus_retry);
        sd_event_source_unref(m->ratelimit_timer);
        sd_event_source_unref(m->metrics_timer);
        free(m->metrics_file);
        free(m->metrics_written);
        sd_event_source_unref(m->ring_source);
        ring_buffer__free(m->ring);
        sd_event_source_unref(m->denial_source);
        ring_buffer__free(m->denial_ring);
        backend_free(m->backend);
        sd_event_source_unref(m->reload_timer);
        sd_event_source_unref(m->inotify);
        for (unsigned i = 0; i < m->n_exe_watches; i++)
                sd_event_source_unref(m->exe_watches[i]);
        sd_event_unref(m->event);
        policy_done(&m->policy);
        cgroup_tree_done(&m->tree);
        cgroup_recent_done(&m->recent_cgroups);
        policy_image_done(&m->image);
        for (unsigned i = 0; i < RECENT_DENIALS_MAX; i++)
                free(m->recent[i].message);
        free(m->policy_dir);
        free(m->bpffs_dir);
        free(m->cgroup_mount);
        closep(&m->cgroup_root_fd);
        free(m->own_cgroup);
        free(m->last_error);
        free(m);
        return NULL;
}

static void set_last_error(Manager *m, const char *s) {
        free(m->last_error);
        m->last_error = s ? strdup(s) : NULL;
}

/* A reload that fails as a whole (not a policy file error, those come with a position): the
 * journal gets it under the policy-error catalog entry, LastError and status keep it. */
static int reload_failed(Manager *m, int error, const char *format, ...) __attribute__((format(printf, 3, 4)));
static int reload_failed(Manager *m, int error, const char *format, ...) {
        _cleanup_(freep) char *text = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&text, format, ap);
        va_end(ap);
        if (r < 0)
                return log_oom();
        set_last_error(m, text);
        log_struct(LOG_ERR, "MESSAGE=%s; the policy in force stays.", text, "MESSAGE_ID=" GUARD_MESSAGE_POLICY_ERROR,
                   "CGROUP_GUARD_POLICY=%s", m->policy_dir, "CGROUP_GUARD_ERRNO=%d", abs(error));
        return -abs(error);
}

/* Every diagnostic becomes one entry of its own. */
static void log_diagnostics(Manager *m, const Diagnostics *d) {
        _cleanup_(freep) char *first = NULL;

        for (size_t i = 0; i < d->n_items; i++) {
                _cleanup_(freep) char *line = diag_format(&d->items[i]);

                /* File names in the directory are anyone's with write access to it: log_struct()
                 * escapes the message. */
                if (!line)
                        continue;
                log_struct(d->items[i].severity == DIAG_ERROR ? LOG_ERR : LOG_WARNING, "MESSAGE=%s", line,
                           "MESSAGE_ID=" GUARD_MESSAGE_POLICY_ERROR, "CGROUP_GUARD_POLICY=%s", d->items[i].path,
                           "CGROUP_GUARD_LINE=%u", d->items[i].line, "CGROUP_GUARD_COLUMN=%u", d->items[i].column);
                if (!first && d->items[i].severity == DIAG_ERROR)
                        first = TAKE_PTR(line);
        }
        if (first)
                set_last_error(m, first);
}

/* Loads, validates and compiles the policy directory. Nothing changes on failure. */
static void apply_protection(Manager *m, const Policy *p) {
        bool on = policy_protect_self(p);
        int r = backend_protect(m->backend, on, m->cgroup_root_fd);

        if (r < 0)
                log_warning_errno(r, "Failed to set up tamper protection: %m");
        else if (!on && backend_prevents(m->backend->kind))
                log_warning("Tamper protection is off (\"protect_self\": false): root can detach the guard.");
}

static void schedule_reload(Manager *m);

/* The default admin list names the daemon's own unit: our cgroup, as the kernel names it now. A
 * cgroup that cannot be read leaves it out (the default keeps /init.scope). */
static int set_guard_cgroup(Policy *p) {
        _cleanup_(freep) char *path = NULL;

        if (cgroup2_path_of_pid(getpid(), &path) < 0)
                return 0;
        return policy_set_guard_cgroup(p, path);
}

static int load_policy(Manager *m, Policy *ret_policy, CgroupTree *ret_tree, PolicyImage *ret_image) {
        _cleanup_(diag_done) Diagnostics d = {};
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        _cleanup_(freep) char *error = NULL;
        int r;

        r = policy_load_directory(m->policy_dir, &p, &d);
        if (r == -EAGAIN && m->backend) {
                /* Files kept vanishing while we read (a rename storm): not an error of the
                 * policy; the policy in force stays and we read again once it settles. */
                log_debug("Policy directory %s is changing; reading it again shortly.", m->policy_dir);
                schedule_reload(m);
                return r;
        }
        log_diagnostics(m, &d);
        if (r == -ENOENT && !m->backend) {
                /* No directory at start: an empty policy, not an error (a fresh install). Once
                 * running, a directory that disappears is an error: the policy in force stays. */
                log_warning("Policy directory %s does not exist; no rules are in force.", m->policy_dir);
                r = 0;
        } else if (r == -EINVAL && m->backend)
                return log_error_errno(r, "Policy in %s is invalid (%zu errors); the policy in force stays (generation %u, "
                                       "%zu rules).", m->policy_dir, d.n_errors, m->generation, m->policy.n_rules);
        else if (r == -EINVAL && backend_pins_present(m->bpffs_dir)) {
                /* Restarting over pins: the kernel keeps deciding by the pinned generation. Exiting
                 * (EXIT_CONFIG, which the unit does not restart on) keeps it that way. */
                log_error("Policy in %s is invalid (%zu errors); the pinned policy (generation %u) stays in force in the "
                          "kernel. Fix it and start cgroup-guardd again.", m->policy_dir, d.n_errors, m->generation);
                return -EBADMSG;
        } else if (r == -EINVAL) {
                /* First start: there is nothing to keep. Exiting would only make systemd restart us
                 * into its start limit; run with no rules, say so loudly, and apply the policy the
                 * moment it is fixed. */
                log_error("Policy in %s is invalid (%zu errors) and no policy was in force before: NO rules are in force "
                          "until it is fixed (the directory is watched).", m->policy_dir, d.n_errors);
                policy_done(&p);
                r = 0;
        } else if (r < 0)
                return reload_failed(m, r, "%s: cannot read policy directory: %s", m->policy_dir, strerror(-r));
        policy_resolve_executables(&p, NULL);
        policy_set_mode_override(&p, m->mode_override);
        r = set_guard_cgroup(&p);
        if (r < 0)
                return reload_failed(m, r, "Failed to read the daemon's own cgroup: %s", strerror(-r));
        p.record_overridden = m->record_override >= 0;
        p.record_override = m->record_override > 0;

        if (policy_requires_enforce(&p) && m->backend && !backend_prevents(m->backend->kind))
                return reload_failed(m, EOPNOTSUPP, "a policy file requires an enforcing backend, but the observe backend cannot prevent anything");

        r = cgroup2_scan(m->cgroup_root_fd, &tree);
        if (r < 0)
                return reload_failed(m, r, "Failed to scan the cgroup hierarchy at %s: %s", m->cgroup_mount, strerror(-r));
        r = policy_compile(&p, &tree, m->generation + 1, ret_image, &error);
        if (r < 0)
                return reload_failed(m, r, "Failed to compile the policy: %s", error ?: strerror(-r));
        *ret_policy = p;
        p = (Policy) {};
        *ret_tree = tree;
        tree = (CgroupTree) {};
        return 0;
}

/* The rules of the generation in force: the policy's, or the pinned generation's own count. */
static size_t rules_in_force(const Manager *m) {
        const struct guard_value *config;

        if (!m->kept_pinned)
                return m->policy.n_rules;
        config = policy_image_lookup(&m->image, GUARD_KEY_CONFIG, 0, 0);
        return config ? config->config.n_rules : 0;
}

/* The observe backend prevents nothing: it never says "enforcing". */
static const char *doing(const Manager *m) {
        return backend_prevents(m->backend->kind) ? "Enforcing" : "Reporting and reacting (not preventing)";
}

static void notify_status(Manager *m) {
        sd_notifyf(false, "STATUS=%s with the %s backend, policy generation %u (%zu rules)%s", doing(m),
                   backend_kind_to_string(m->backend->kind), m->generation, rules_in_force(m),
                   m->last_error ? "; the policy directory is invalid (LastPolicyError, journal)" : "");
}

static void watch_policy_dir(Manager *m);
static void watch_executables(Manager *m);

static void cover_missed_cgroups(Manager *m);

/* For the metrics: every policy load, at start and on reload, with its result. The rule names
 * go to the kernel's name map with each new generation. */
static void note_reload(Manager *m, bool ok) {
        if (ok && !m->kept_pinned)
                (void) backend_write_rule_names(m->bpffs_dir, &m->policy);
        m->last_reload_ok = ok && !m->last_error;
        m->last_reload_realtime = now_usec(CLOCK_REALTIME);
        if (m->last_reload_ok)
                m->reloads_ok++;
        else
                m->reloads_failed++;
}

int manager_reload(Manager *m) {
        _cleanup_(policy_image_done) PolicyImage image = {};
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        uint64_t started = now_usec(CLOCK_MONOTONIC);
        unsigned written = 0;
        int r;

        sd_notify(false, "RELOADING=1");
        r = load_policy(m, &p, &tree, &image);
        if (r >= 0) {
                r = backend_apply(m->backend, &image, &written);
                if (r == -E2BIG || r == -ENOMEM)
                        reload_failed(m, r, "The new policy generation needs %zu map entries and did not fit into the kernel "
                                      "policy map (%u entries, --policy-entries-max): %s", image.n_entries,
                                      m->backend->map_entries_max, strerror(-r));
                else if (r < 0)
                        reload_failed(m, r, "Failed to apply the new policy generation: %s", strerror(-r));
                else
                        apply_protection(m, &p);
        }
        if (r >= 0) {
                m->generation++;
                policy_done(&m->policy);
                m->policy = p;
                p = (Policy) {};
                cgroup_tree_done(&m->tree);
                m->tree = tree;
                tree = (CgroupTree) {};
                policy_image_done(&m->image);
                m->image = image;
                image = (PolicyImage) {};
                cover_missed_cgroups(m);
                set_last_error(m, NULL);
                m->kept_pinned = false;
                log_struct(LOG_INFO,
                           "MESSAGE=Policy generation %u in force: %zu files, %zu rules, %u map entries written in %.1f ms.",
                           m->generation, m->policy.n_files, m->policy.n_rules, written,
                           (now_usec(CLOCK_MONOTONIC) - started) / (double) USEC_PER_MSEC, "MESSAGE_ID=" GUARD_MESSAGE_RELOADED,
                           "CGROUP_GUARD_GENERATION=%u", m->generation);
        }
        note_reload(m, r >= 0);
        watch_policy_dir(m);
        watch_executables(m);
        bus_emit_state_changed(m);
        sd_notify(false, "READY=1");
        notify_status(m);
        return r;
}

int manager_unload(Manager *m, unsigned *ret_removed) {
        unsigned removed = 0;
        int r;

        /* Our own executable is the one the tamper protection lets through. Our handles go first:
         * unloading waits until the kernel has released every link and program. */
        backend_release_programs(m->backend);
        r = backend_unload(m->bpffs_dir, &removed);
        if (r < 0)
                return log_error_errno(r, "Failed to unload: %m");
        sd_event_exit(m->event, 0);
        *ret_removed = removed;
        return 0;
}

int manager_set_mode(Manager *m, int mode_override) {
        int saved = m->mode_override, r;

        m->mode_override = mode_override;
        r = manager_reload(m);
        if (r < 0) {
                m->mode_override = saved;
                return r;
        }
        log_notice("Mode is now %s.", manager_mode_string(m));
        return 0;
}

int manager_set_record(Manager *m, int record_override) {
        int saved = m->record_override, r;
        bool was = manager_recording(m);

        m->record_override = record_override;
        r = manager_reload(m);
        if (r < 0) {
                m->record_override = saved;
                return r;
        }
        /* What was counted until now goes to the journal now, not an interval later. */
        if (was && !manager_recording(m))
                (void) recorder_drain(m);
        log_notice("Recording is now %s (%s).", manager_recording(m) ? "on" : "off", manager_record_string(m));
        return 0;
}

const char *manager_record_string(const Manager *m) {
        return m->record_override < 0 ? "policy" : m->record_override ? "on" : "off";
}

bool manager_recording(const Manager *m) {
        const struct guard_value *config = policy_image_lookup(&m->image, GUARD_KEY_CONFIG, 0, 0);

        return config && config->config.record;
}

const char *manager_mode_string(const Manager *m) {
        if (m->mode_override == POLICY_MODE_ENFORCE)
                return "enforce";
        if (m->mode_override == POLICY_MODE_AUDIT)
                return "audit";
        return "policy";
}

static int open_state_map(Manager *m, const char *name) {
        _cleanup_(freep) char *path = NULL;
        int fd;

        if (asprintf(&path, "%s/map_%s", m->bpffs_dir, name) < 0)
                return -ENOMEM;
        fd = bpf_obj_get(path);
        return fd < 0 ? -errno : fd;
}

static void task_lock_of(Manager *m, uint32_t pid, struct guard_task_lock *ret) {
        _cleanup_(closep) int map = open_state_map(m, "guard_task_locks"), pidfd = -EBADF;

        *ret = (struct guard_task_lock) {};
        if (map < 0)
                return;
        pidfd = syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0 || bpf_map_lookup_elem(map, &pidfd, ret) < 0)
                *ret = (struct guard_task_lock) {};
}

/* pid's identity marks as the kernel keeps them (0 if none): bpf/guard-identity.bpf.h. */
static uint32_t task_identity_of(Manager *m, uint32_t pid) {
        _cleanup_(closep) int map = open_state_map(m, "guard_identity"), pidfd = -EBADF;
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
        _cleanup_(closep) int map = open_state_map(m, "guard_sandbox_ns");
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

/* The entry that applies to a cgroup, found as the kernel finds it (guard_cgroup_entry()). */
static struct guard_value *entry_of(Manager *m, uint64_t id) {
        return policy_image_cgroup(&m->image, &m->tree, id);
}

static int explain_actor(Manager *m, uint32_t pid, char **ret_cgroup, char **ret_exe, PolicyActor *ret,
                         struct guard_actor *ret_kernel) {
        struct stat st;
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
        /* A forged exe link identifies nobody (guard_actor_exe_trusted()): the model is told so too. */
        if (!(ret_kernel->identity & GUARD_IDENTITY_EXE_FORGED) && stat(fn, &st) == 0) {
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
        r = cgroup2_path_of_pid(task_pid, &src);
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
                take_kernel_verdict(m, &kd, ret);
                return 0;
        }

        /* Not there yet: decide with the entry it would get when created, under an id no cgroup
         * has, and take it out again. */
        struct guard_key key = { .kind = GUARD_KEY_CGROUP, .a = UINT64_MAX };
        struct guard_value v = {};
        if (policy_compile_cgroup(&m->policy, &m->tree, dst, &v.cgroup) && policy_image_put(&m->image, &key, &v) < 0)
                return -ENOMEM;
        guard_decide_migration(&m->image, &who, entry_of(m, src_id), policy_image_lookup(&m->image, GUARD_KEY_CGROUP, UINT64_MAX, 0), &kd);
        policy_image_remove(&m->image, &key);
        take_kernel_verdict(m, &kd, ret);
        return 0;
}

int manager_explain_setns(Manager *m, uint32_t pid, uint32_t type, uint32_t target_pid, PolicyDecision *ret) {
        _cleanup_(freep) char *cgroup = NULL;
        struct guard_sandbox_ns sandbox;
        struct guard_task_lock mark;
        struct guard_decision kd;
        uint32_t own = 0, target = 0, decided;
        uint64_t cgroup_id = 0;
        int r;

        r = cgroup2_path_of_pid(pid, &cgroup);
        if (r < 0)
                return r;
        /* /proc/PID/ns may be unreadable (another user namespace's init): then the namespaces
         * count as different and the target as no sandbox, which is what the kernel sees too
         * unless it is a sandbox we cannot name. */
        bool known = pid_ns_inum(pid, ns_type_to_string(type), &own) >= 0 &&
                     pid_ns_inum(target_pid, ns_type_to_string(type), &target) >= 0;
        *ret = (PolicyDecision) { .verdict = VERDICT_ALLOW };
        if (known && own == target) {
                /* What the kernel does too: re-joining one's own namespace changes nothing. */
                snprintf(ret->reason, sizeof(ret->reason), "pid %u is already in that %s namespace", pid,
                         ns_type_to_string(type));
                return 0;
        }
        (void) cgroup2_id_of_path(m->cgroup_root_fd, cgroup, &cgroup_id);
        task_lock_of(m, pid, &mark);
        sandbox_of(m, target_pid, type, &sandbox);

        const PolicyRule *sandbox_rule = policy_rule_by_id(&m->policy, sandbox.rule);
        PolicyNsTask task = { .cgroup = cgroup, .entered = policy_rule_by_id(&m->policy, mark.rule),
                              .entered_types = mark.types };
        /* The model names creators by cgroup; the kernel recorded the rule itself. */
        policy_decide_setns(&m->policy, &task, type, sandbox_rule ? sandbox_rule->cgroup : NULL, ret, NULL);
        guard_decide_namespace(&m->image, entry_of(m, cgroup_id), &mark, type, &kd, &decided);
        take_kernel_verdict(m, &kd, ret);
        return 0;
}

int manager_explain_new_namespaces(Manager *m, uint32_t pid, uint32_t types, PolicyDecision *ret) {
        _cleanup_(freep) char *cgroup = NULL;
        struct guard_task_lock mark;
        struct guard_decision kd;
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
        guard_decide_namespace(&m->image, entry_of(m, cgroup_id), &mark, types, &kd, &decided);
        take_kernel_verdict(m, &kd, ret);
        return 0;
}

static int on_reload_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->reload_deadline = 0;
        (void) manager_reload(m);
        return 0;
}

/* Editors write temp files and rename them into place: wait for the burst to end, but never
 * longer than RELOAD_DEBOUNCE_MAX_USEC after its first change, or anyone with write access to the
 * directory could postpone reloads for as long as a rename storm lasts. */
static void schedule_reload(Manager *m) {
        uint64_t now, when;

        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (m->reload_deadline == 0)
                m->reload_deadline = now + RELOAD_DEBOUNCE_MAX_USEC;
        when = now + RELOAD_DEBOUNCE_USEC < m->reload_deadline ? now + RELOAD_DEBOUNCE_USEC : m->reload_deadline;
        if (m->reload_timer) {
                sd_event_source_set_time(m->reload_timer, when);
                sd_event_source_set_enabled(m->reload_timer, SD_EVENT_ONESHOT);
                return;
        }
        if (sd_event_add_time(m->event, &m->reload_timer, CLOCK_MONOTONIC, when, 0, on_reload_timer, m) < 0) {
                m->reload_deadline = 0;
                (void) manager_reload(m);
        }
}

static int on_policy_dir_change(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Manager *m = userdata;

        if (ev->len > 0 && !policy_file_name_wanted(ev->name))
                return 0;
        log_debug("Policy directory changed (%s), reloading.", ev->len > 0 ? ev->name : "");
        schedule_reload(m);
        return 0;
}

/* Does any exe rule of the policy in force name another file now (device, inode, generation)?
 * A package upgrade renames a new binary over the allowed one: the rule must follow it, and the
 * old inode number, once free, must not pass for it. */
static bool executables_changed(Manager *m) {
        for (size_t i = 0; i < m->policy.n_rules; i++) {
                const PolicyRule *r = &m->policy.rules[i];
                PolicyRule now = { .exe = r->exe };
                Policy one = { .rules = &now, .n_rules = 1 };

                if (!r->exe)
                        continue;
                policy_resolve_executables(&one, NULL);
                if (now.exe_resolved != r->exe_resolved || now.exe_gen_known != r->exe_gen_known ||
                    (now.exe_resolved && (now.exe_dev != r->exe_dev || now.exe_ino != r->exe_ino)) ||
                    (now.exe_gen_known && now.exe_gen != r->exe_gen))
                        return true;
        }
        return false;
}

static int on_executable_dir_change(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Manager *m = userdata;

        if (m->reload_timer && m->reload_deadline != 0)
                return 0; /* a reload is coming: it resolves them all */
        if (!executables_changed(m))
                return 0;
        log_info("A file an exe rule names changed (%s): resolving the executables again.", ev->len > 0 ? ev->name : "");
        schedule_reload(m);
        return 0;
}

/* Every directory an exe rule's file is in, by its path and by the path its symlinks lead to:
 * renames and new files there re-resolve the executables (a new generation if any changed). */
static void watch_executables(Manager *m) {
        for (unsigned i = 0; i < m->n_exe_watches; i++)
                m->exe_watches[i] = sd_event_source_disable_unref(m->exe_watches[i]);
        m->n_exe_watches = 0;
        for (size_t i = 0; i < m->policy.n_rules; i++) {
                const PolicyRule *r = &m->policy.rules[i];
                _cleanup_(freep) char *real = NULL;
                const char *paths[2];

                if (!r->exe)
                        continue;
                real = realpath(r->exe, NULL);
                paths[0] = r->exe;
                paths[1] = real;
                for (unsigned k = 0; k < 2 && m->n_exe_watches < ELEMENTSOF(m->exe_watches); k++) {
                        _cleanup_(freep) char *dir = paths[k] ? strdup(paths[k]) : NULL;
                        char *slash = dir ? strrchr(dir, '/') : NULL;

                        if (!slash)
                                continue;
                        slash[slash == dir] = '\0'; /* "/a" -> "/", "/a/b" -> "/a" */
                        if (sd_event_add_inotify(m->event, &m->exe_watches[m->n_exe_watches], dir,
                                                 IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE |
                                                 IN_ATTRIB | IN_ONLYDIR, on_executable_dir_change, m) >= 0)
                                m->n_exe_watches++;
                        else
                                log_debug("Cannot watch %s for changes of %s.", dir, r->exe);
                }
        }
}

static int on_policy_dir_ancestor_change(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        /* Something appeared or went on the way to the policy directory: watch the nearest part of
         * it that exists (the directory itself, once there, is loaded). */
        watch_policy_dir(userdata);
        return 0;
}

/* The policy directory, or while it does not exist (a fresh install, a restart before it is
 * created, an admin who removed it), its nearest existing ancestor. */
static char *nearest_existing_dir(const char *dir, struct stat *ret_st) {
        _cleanup_(freep) char *path = strdup(dir);
        char *slash;

        if (!path)
                return NULL;
        while (stat(path, ret_st) < 0 || !S_ISDIR(ret_st->st_mode)) {
                if (streq(path, "/") || streq(path, "."))
                        return NULL;
                slash = strrchr(path, '/');
                if (!slash)
                        strcpy(path, ".");
                else if (slash == path)
                        path[1] = '\0';
                else
                        *slash = '\0';
        }
        return TAKE_PTR(path);
}

/* (Re)watches the policy directory: a directory deleted and created anew has a new inode, and the
 * old watch is gone with the old one; what it holds is loaded. A missing directory is waited for
 * on its nearest existing ancestor, one level closer each time a part of the path appears. */
static void watch_policy_dir(Manager *m) {
        bool had_watch = m->inotify;
        struct stat st;
        int r;

        for (;;) {
                _cleanup_(freep) char *path = nearest_existing_dir(m->policy_dir, &st), *again = NULL;
                struct stat st_again;
                bool ancestor;

                if (!path)
                        return;
                ancestor = !streq(path, m->policy_dir);
                if (m->inotify && st.st_ino == m->policy_dir_ino && ancestor == m->watching_ancestor)
                        return;
                m->inotify = sd_event_source_disable_unref(m->inotify);
                if (ancestor)
                        r = sd_event_add_inotify(m->event, &m->inotify, path,
                                                 IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR,
                                                 on_policy_dir_ancestor_change, m);
                else
                        r = sd_event_add_inotify(m->event, &m->inotify, path,
                                                 IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                                                 IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR,
                                                 on_policy_dir_change, m);
                if (r < 0) {
                        log_warning_errno(r, "Cannot watch %s for changes (%m); reload with SIGHUP.", path);
                        return;
                }
                m->policy_dir_ino = st.st_ino;
                m->watching_ancestor = ancestor;
                if (!ancestor) {
                        /* A directory that appeared or was replaced: what it holds now counts. */
                        if (had_watch)
                                schedule_reload(m);
                        return;
                }
                /* What appeared before the watch was in place sent no event: look once more. */
                again = nearest_existing_dir(m->policy_dir, &st_again);
                if (again && streq(again, path)) {
                        log_info("Waiting for %s to appear (watching %s).", m->policy_dir, path);
                        return;
                }
        }
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_info("SIGHUP received, reloading the policy.");
        (void) manager_reload(userdata);
        return 0;
}

/* A new cgroup's entry: what the kernel's classifier gave it at mkdir (the same code over our
 * mirror of the generation in force), or, where the kernel could not classify (lockdown, a state
 * too big for the kernel), the entry from its path. Written to the kernel either way: where the
 * kernel classified, it is the same value. */
static void new_cgroup_entry(Manager *m, uint64_t id, uint64_t parent_id, const char *path) {
        struct guard_value *parent = policy_image_lookup(&m->image, GUARD_KEY_CGROUP, parent_id, 0);
        struct guard_key key = { .kind = GUARD_KEY_CGROUP, .a = id };
        struct guard_cgroup_info info = {};

        /* Children of a settled cgroup need no entry (the kernel adds none either). */
        if (!parent || !parent->cgroup.state)
                return;
        if (!guard_classify_child(&m->image, &parent->cgroup, id, strrchr(path, '/') + 1, &info)) {
                policy_compile_cgroup(&m->policy, &m->tree, path, &info);
                info.state = GUARD_STATE_DAEMON; /* and its children from their paths too */
        }
        (void) backend_update_cgroup(m->backend, id, &info);
        (void) policy_image_put(&m->image, &key, &(struct guard_value) { .cgroup = info });
}

/* Cgroups created between the scan a generation was compiled from and the moment it was switched
 * in (or the programs attached, at start) are in no entry of it: until now they counted as
 * unclassified where their parent classifies (fail closed). Scan again and give them theirs;
 * those created after the switch the kernel classified itself. */
static void cover_missed_cgroups(Manager *m) {
        _cleanup_(cgroup_tree_done) CgroupTree now = {};
        unsigned added = 0;

        if (cgroup2_scan(m->cgroup_root_fd, &now) < 0)
                return;
        cgroup_tree_sort(&now); /* parents first */
        for (size_t i = 0; i < now.n_nodes; i++) {
                const CgroupNode *n = &now.nodes[i];
                char parent[CGROUP_PATH_MAX + 1];
                const char *slash = strrchr(n->path, '/');

                if (cgroup_tree_path(&m->tree, n->id) || !slash || streq(n->path, "/"))
                        continue;
                snprintf(parent, sizeof(parent), "%.*s", slash == n->path ? 1 : (int) (slash - n->path), n->path);
                if (cgroup_tree_add(&m->tree, n->path, n->id) < 0)
                        return;
                new_cgroup_entry(m, n->id, cgroup_tree_id(&now, parent), n->path);
                added++;
        }
        if (added > 0)
                log_debug("%u cgroups appeared while the generation was prepared; covered now.", added);
}

/* A cgroup is gone: its entry leaves the tree and the mirror of the kernel's map (the kernel
 * dropped its own at rmdir). */
static void forget_cgroup(Manager *m, uint64_t id) {
        const char *path = cgroup_tree_path(&m->tree, id);

        /* A denial naming it may still be on the other ring. */
        if (path)
                (void) cgroup_recent_add(&m->recent_cgroups, id, path);
        if (cgroup_tree_remove(&m->tree, id) > 0)
                policy_image_remove(&m->image, &(struct guard_key) { .kind = GUARD_KEY_CGROUP, .a = id });
}

/* A cgroup's path from what the kernel told us: in the tree, still there by id, or remembered. */
static const char *known_cgroup_path(Manager *m, uint64_t id, char **owned) {
        const char *path = cgroup_tree_path(&m->tree, id);

        if (path || id == 0)
                return path;
        if (cgroup2_path_of_id(m->cgroup_root_fd, id, owned) >= 0)
                return *owned;
        return cgroup_recent_path(&m->recent_cgroups, id);
}

/* A new cgroup whose directory cannot be read (gone already, or not active yet): its parent's
 * path and the name the kernel reported say where it is or was. */
static void remember_cgroup_name(Manager *m, const struct guard_cgroup_mkdir_event *e) {
        _cleanup_(freep) char *parent_owned = NULL, *path = NULL;
        const char *parent;

        if (!e->name[0] || memchr(e->name, 0, sizeof(e->name)) == NULL || strchr(e->name, '/'))
                return;
        parent = known_cgroup_path(m, e->cgroup.parent_id, &parent_owned);
        if (!parent)
                return;
        path = cgroup_path_join(parent, e->name);
        if (path)
                (void) cgroup_recent_add(&m->recent_cgroups, e->cgroup.id, path);
}

/* The kernel reports rmdir (GUARD_EVENT_CGROUP_RMDIR), but a full ring buffer loses records, and
 * cgroups gone while no program was attached are never reported: check a few known cgroups
 * round-robin and forget those that are gone, so a mkdir+rmdir flood leaves nothing behind. */
static void sweep_tree(Manager *m, unsigned budget) {
        while (budget-- > 0 && m->tree.n_nodes > 0) {
                const CgroupNode *c;
                uint64_t id = 0;
                int r;

                if (m->sweep_cursor >= m->tree.n_nodes)
                        m->sweep_cursor = 0;
                c = &m->tree.nodes[m->sweep_cursor];
                r = cgroup2_id_of_path(m->cgroup_root_fd, c->path, &id);
                if (r == -ENOENT || r == -ENOTDIR || (r >= 0 && id != c->id))
                        forget_cgroup(m, c->id); /* the last node moved here: check it next */
                else
                        m->sweep_cursor++;
        }
}

/* A new cgroup: its path decides what globs at its own level say. The kernel already copied the
 * parent's entry; we add what differs. The path comes from the kernel by id (O(depth)): reading
 * the parent directory would cost as much as the parent has children, and anyone with a delegated
 * subtree chooses how many. */
static void add_new_cgroup(Manager *m, const struct guard_cgroup_mkdir_event *me, bool retry) {
        const struct guard_cgroup_event *e = &me->cgroup;
        _cleanup_(freep) char *path = NULL;
        int r;

        r = cgroup2_path_of_id(m->cgroup_root_fd, e->id, &path);
        if (r < 0)
                remember_cgroup_name(m, me);
        /* The kernel reports a cgroup just before it activates its directory: read at once, the
         * record may name one that cannot be opened yet. Try again on the next tick (then it is
         * gone); more than the queue holds, and the tree is scanned instead. */
        if (r == -ESTALE && retry) {
                if (m->n_mkdir_retry < ELEMENTSOF(m->mkdir_retry))
                        m->mkdir_retry[m->n_mkdir_retry++] = *me;
                else
                        m->rescan_pending = true;
                return;
        }
        /* Gone already (mkdir+rmdir): nothing to add, the kernel dropped its entry too. */
        if (r < 0)
                return;
        if (cgroup_tree_add(&m->tree, path, e->id) < 0)
                return;
        new_cgroup_entry(m, e->id, e->parent_id, path);
}

static void handle_cgroup_mkdir(Manager *m, const struct guard_cgroup_mkdir_event *e) {
        sweep_tree(m, TREE_SWEEP_PER_MKDIR);
        add_new_cgroup(m, e, true);
}

static void retry_cgroup_mkdirs(Manager *m) {
        unsigned n = m->n_mkdir_retry;

        m->n_mkdir_retry = 0;
        for (unsigned i = 0; i < n; i++)
                add_new_cgroup(m, &m->mkdir_retry[i], false);
        if (m->rescan_pending) {
                m->rescan_pending = false;
                cover_missed_cgroups(m);
        }
}

/* The uid the actor had when it acted, from the kernel's record: it may have exited or changed
 * users since. */
static void remember_denial(Manager *m, uid_t actor_uid, const EventText *t) {
        RecentDenial *d = &m->recent[m->n_recent++ % RECENT_DENIALS_MAX];

        d->actor_uid = actor_uid;
        d->realtime_usec = now_usec(CLOCK_REALTIME);
        snprintf(d->action, sizeof(d->action), "%s", t->action);
        snprintf(d->kind, sizeof(d->kind), "%s", t->kind);
        snprintf(d->rule, sizeof(d->rule), "%s", t->rule_name);
        snprintf(d->policy, sizeof(d->policy), "%s", t->policy_file);
        free(d->message);
        d->message = strdup(t->message);
}

static void flush_suppressed(void *userdata, const char *summary, uint64_t suppressed, uint64_t usec) {
        log_struct(LOG_WARNING, "MESSAGE=Suppressed %" PRIu64 " similar denials in %" PRIu64 " s: %s", suppressed,
                   usec / USEC_PER_SEC, summary, "MESSAGE_ID=" GUARD_MESSAGE_SUPPRESSED,
                   "CGROUP_GUARD_SUPPRESSED=%" PRIu64, suppressed);
}

static void check_pins(Manager *m);

/* The kernel counts what the ring buffer could not take; say so when it grows. */
static void report_lost_events(Manager *m) {
        BackendCounters c = {};

        if (backend_read_counters(m->backend->counters_fd, &c) < 0)
                return;
        if (c.map_full > m->map_full_reported) {
                log_error("The policy map is full (--policy-entries-max): %" PRIu64 " new cgroups got no entry. They count "
                          "as unclassified: moves into or out of them and namespace changes in them are denied (fail "
                          "closed) until entries are freed or the map is made larger.", c.map_full - m->map_full_reported);
                m->map_full_reported = c.map_full;
        }
        if (c.lost_cgroup_events > m->lost_cgroup_reported) {
                /* Coverage is the kernel's; what we missed is our tree (paths for reports, the
                 * cgroups the kernel cannot classify): scan for it once. */
                log_struct(LOG_WARNING, "MESSAGE=%" PRIu64 " cgroup records were lost (ring buffer full); rescanning the cgroup tree.",
                           c.lost_cgroup_events - m->lost_cgroup_reported, "MESSAGE_ID=" GUARD_MESSAGE_LOST_EVENTS,
                           "CGROUP_GUARD_LOST_CGROUP_EVENTS=%" PRIu64, c.lost_cgroup_events);
                m->lost_cgroup_reported = c.lost_cgroup_events;
                cover_missed_cgroups(m);
        }
        if (c.suppressed > m->suppressed_reported) {
                log_struct(LOG_WARNING,
                           "MESSAGE=%" PRIu64 " denial records were suppressed in the kernel (at most %u a second per user and "
                           "rule after a burst of %u); counters stay exact.",
                           c.suppressed - m->suppressed_reported, GUARD_REPORT_PER_SEC, GUARD_REPORT_BURST,
                           "MESSAGE_ID=" GUARD_MESSAGE_SUPPRESSED, "CGROUP_GUARD_SUPPRESSED=%" PRIu64,
                           c.suppressed - m->suppressed_reported, "CGROUP_GUARD_SUPPRESSED_IN_KERNEL=%" PRIu64, c.suppressed);
                m->suppressed_reported = c.suppressed;
        }
        if (c.lost_events <= m->lost_reported)
                return;
        log_struct(LOG_WARNING, "MESSAGE=%" PRIu64 " denial records were lost (ring buffer full); counters stay exact.",
                   c.lost_events - m->lost_reported, "MESSAGE_ID=" GUARD_MESSAGE_LOST_EVENTS,
                   "CGROUP_GUARD_LOST_EVENTS=%" PRIu64, c.lost_events);
        m->lost_reported = c.lost_events;
}

static int on_ratelimit_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        ratelimit_flush(&m->ratelimit, now_usec(CLOCK_MONOTONIC), false, flush_suppressed, m);
        report_lost_events(m);
        retry_cgroup_mkdirs(m);
        check_pins(m);
        sweep_tree(m, TREE_SWEEP_PER_TICK);
        sd_event_source_set_time(s, usec + USEC_PER_SEC);
        return 0;
}

/* The executable the actor acted with, named from the identity the kernel recorded, never from
 * what the actor runs by the time we read the record (it may have exec'd since): /proc's path
 * while it still runs that file, else the path of a policy rule naming that file, else the
 * identity itself. NULL: a task without one (a kernel thread), or out of memory. */
static char *actor_exe_name(Manager *m, const struct guard_event *e) {
        dev_t dev = makedev(GUARD_DEV_MAJOR(e->actor_exe_dev), GUARD_DEV_MINOR(e->actor_exe_dev));
        char *path = NULL;
        int r;

        if (e->actor_exe_dev == 0 && e->actor_exe_ino == 0)
                return NULL;
        r = pid_exe_path_if_same(e->actor_tgid, dev, e->actor_exe_ino, &path);
        if (r > 0)
                return path;
        for (size_t i = 0; i < m->policy.n_rules; i++) {
                const PolicyRule *rule = &m->policy.rules[i];

                if (rule->exe_resolved && rule->exe_dev == dev && rule->exe_ino == e->actor_exe_ino)
                        return strdup(rule->exe);
        }
        if (asprintf(&path, "%s dev %u:%u inode %" PRIu64, r == 0 ? "exe changed since:" : "exited since, exe:",
                     GUARD_DEV_MAJOR(e->actor_exe_dev), GUARD_DEV_MINOR(e->actor_exe_dev), (uint64_t) e->actor_exe_ino) < 0)
                return NULL;
        return path;
}

/* A cgroup's path for a report. The tree may not know it yet: its mkdir record comes on the other
 * ring, or waits for the directory to activate (a unit's cgroup, a session scope PID 1 created
 * just before the move): then the kernel says, by id. NULL if it is gone. */
static char *report_cgroup_path(Manager *m, uint64_t id) {
        _cleanup_(freep) char *owned = NULL;
        const char *path = known_cgroup_path(m, id, &owned);

        /* Gone before we read its path: its mkdir record (with its name) went to the other ring
         * before this one; read what is there, then look again. */
        if (!path && id != 0 && m->ring) {
                unsigned batch = m->ring_batch;

                (void) ring_buffer__consume(m->ring);
                m->ring_batch = batch;
                path = known_cgroup_path(m, id, &owned);
        }
        /* A copy: reading the ring for another id of the same record may free tree entries. */
        if (!path)
                return NULL;
        return path == owned ? TAKE_PTR(owned) : strdup(path);
}

static void handle_denial(Manager *m, const struct guard_event *e) {
        _cleanup_(freep) char *exe = actor_exe_name(m, e), *comm = e->task_pid ? pid_comm(e->task_pid) : NULL;
        /* Each path a copy of its own (report_cgroup_path()): resolving the destination may read
         * the cgroup ring, which can drop the tree entry the actor's path came from. */
        _cleanup_(freep) char *response = NULL, *actor_cgroup = report_cgroup_path(m, e->actor_cgroup_id),
                              *src_cgroup = report_cgroup_path(m, e->src_cgroup_id),
                              *dst_cgroup = report_cgroup_path(m, e->dst_cgroup_id);
        EventNames names = {
                .backend = backend_kind_to_string(m->backend->kind),
                .actor_exe = exe,
                .actor_cgroup = actor_cgroup,
                .src_cgroup = src_cgroup,
                .dst_cgroup = dst_cgroup,
                .task_comm = comm,
                .policy = &m->policy,
        };
        _cleanup_(event_text_done) EventText t = {};
        _cleanup_(freep) char *message = NULL;
        struct iovec iov[EVENT_FIELDS_MAX + 2];
        unsigned n = 0;

        if (e->verdict != GUARD_VERDICT_AUDIT && e->action != POLICY_ACTION_DENY) {
                /* The event's time, on the clock /proc gives process start times in. */
                ResponseTarget target = {
                        .pid = e->actor_tgid,
                        .acted_usec = now_usec(CLOCK_BOOTTIME) - (now_usec(CLOCK_MONOTONIC) - e->timestamp_ns / 1000),
                        .cgroup = actor_cgroup,
                        .cgroup_id = e->actor_cgroup_id,
                        .uid = e->actor_uid,
                };

                response = response_apply(m->cgroup_root_fd, m->own_cgroup, &m->policy, &target, e->action);
        }
        names.response = response;
        if (event_format(e, &names, &t) < 0) {
                log_oom();
                return;
        }

        if (!ratelimit_test(&m->ratelimit, &(RateLimitKey) {
                                .actor_tgid = e->actor_tgid, .rule = e->rule_id, .kind = e->kind,
                                .target = e->kind == GUARD_EVENT_MIGRATION ? e->dst_cgroup_id : e->ns_type },
                            now_usec(CLOCK_MONOTONIC), t.message))
                return;
        remember_denial(m, e->actor_uid, &t);
        bus_emit_denied(m, e, &t, &names);

        if (asprintf(&message, "MESSAGE=%s", t.message) < 0) {
                log_oom();
                return;
        }
        iov[n++] = (struct iovec) { message, strlen(message) };
        iov[n++] = (struct iovec) { (char *) "MESSAGE_ID=" GUARD_MESSAGE_DENIAL, strlen("MESSAGE_ID=" GUARD_MESSAGE_DENIAL) };
        for (unsigned i = 0; i < t.n_fields; i++)
                iov[n++] = (struct iovec) { t.fields[i], strlen(t.fields[i]) };
        (void) log_structv(t.priority, iov, n);
}

static int on_ring_event(void *ctx, void *data, size_t size) {
        Manager *m = ctx;
        uint32_t kind;

        if (size < sizeof(kind))
                return 0;
        memcpy(&kind, data, sizeof(kind));
        m->events_handled++;
        if (kind == GUARD_EVENT_CGROUP_MKDIR && size >= sizeof(struct guard_cgroup_mkdir_event))
                handle_cgroup_mkdir(m, data);
        else if (kind == GUARD_EVENT_CGROUP_RMDIR && size >= sizeof(struct guard_cgroup_event))
                forget_cgroup(m, ((const struct guard_cgroup_event *) data)->id);
        else if (kind == GUARD_EVENT_RECORD_NEW && size >= sizeof(struct guard_record_event))
                recorder_note(m, data);
        else if (size >= sizeof(struct guard_event))
                handle_denial(m, data);
        /* A full batch stops here (this record is consumed); the ring's fd stays readable, so the
         * rest comes after the other sources had their turn. */
        return ++m->ring_batch >= RING_BATCH_MAX ? -EAGAIN : 0;
}

/* Each ring buffer is its own event source at the same priority: sd-event takes pending sources
 * in turn, so neither ring, nor both, can keep reloads, D-Bus or the watchdog waiting for more
 * than one batch each. */
static int on_ring_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        m->ring_batch = 0;
        (void) ring_buffer__consume(m->ring);
        return 0;
}

static int on_denial_ring_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        m->ring_batch = 0;
        (void) ring_buffer__consume(m->denial_ring);
        return 0;
}

_printf_(1, 2) static char *strdup_printf(const char *format, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

/* What holds on this kernel and what does not: one journal entry, one field per line, each as
 * long as it is (a missing-guarantee reason is never cut). */
static void log_guarantees(Manager *m) {
        const char *kind = backend_kind_to_string(m->backend->kind);
        /* Room for every line there can be (MESSAGE, the backend, each held, not held and missing
         * guarantee; a backend's fixed missing list has at most 4): none is cut. */
        char *fields[2 + ELEMENTSOF(m->backend->guarantees.held) + ELEMENTSOF(m->backend->guarantees.not_held) +
                     ELEMENTSOF(m->backend->missing) + 4] = {};
        struct iovec iov[ELEMENTSOF(fields) + 1];
        unsigned n = 0, k = 0;

        fields[k++] = strdup_printf("MESSAGE=cgroup-guard guarantees with the %s backend%s", kind,
                                    backend_prevents(m->backend->kind) ? "" : " (NOT preventing: report and react only)");
        fields[k++] = strdup_printf("CGROUP_GUARD_BACKEND=%s", kind);
        for (unsigned i = 0; i < m->backend->guarantees.n_held && k < ELEMENTSOF(fields); i++)
                fields[k++] = strdup_printf("CGROUP_GUARD_GUARANTEE=%s", m->backend->guarantees.held[i]);
        for (unsigned i = 0; i < m->backend->guarantees.n_not_held && k < ELEMENTSOF(fields); i++)
                fields[k++] = strdup_printf("CGROUP_GUARD_MISSING=%s", m->backend->guarantees.not_held[i]);
        for (const char *const *g = backend_missing_guarantees(m->backend->kind); *g && k < ELEMENTSOF(fields); g++)
                fields[k++] = strdup_printf("CGROUP_GUARD_MISSING=%s", *g);
        for (unsigned i = 0; i < m->backend->n_missing && k < ELEMENTSOF(fields); i++)
                fields[k++] = strdup_printf("CGROUP_GUARD_MISSING=%s", m->backend->missing[i]);

        iov[n++] = (struct iovec) { (char *) "MESSAGE_ID=" GUARD_MESSAGE_GUARANTEES, strlen("MESSAGE_ID=" GUARD_MESSAGE_GUARANTEES) };
        for (unsigned i = 0; i < k; i++)
                if (fields[i])
                        iov[n++] = (struct iovec) { fields[i], strlen(fields[i]) };
        if (n < k + 1)
                log_oom();
        sd_journal_sendv(iov, n);
        for (unsigned i = 0; i < k; i++)
                free(fields[i]);
}

static int watch_events(Manager *m) {
        int r;

        m->ring_source = sd_event_source_disable_unref(m->ring_source);
        ring_buffer__free(m->ring);
        m->denial_source = sd_event_source_disable_unref(m->denial_source);
        ring_buffer__free(m->denial_ring);
        m->denial_ring = NULL;
        m->ring = ring_buffer__new(m->backend->events_fd, on_ring_event, m, NULL);
        if (!m->ring)
                return log_error_errno(errno, "Failed to open the cgroup ring buffer: %m");
        r = sd_event_add_io(m->event, &m->ring_source, ring_buffer__epoll_fd(m->ring), EPOLLIN, on_ring_readable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the cgroup ring buffer: %m");
        m->denial_ring = ring_buffer__new(m->backend->denials_fd, on_ring_event, m, NULL);
        if (!m->denial_ring)
                return log_error_errno(errno, "Failed to open the denial ring buffer: %m");
        r = sd_event_add_io(m->event, &m->denial_source, ring_buffer__epoll_fd(m->denial_ring), EPOLLIN,
                            on_denial_ring_readable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the denial ring buffer: %m");
        return 0;
}

/* A link is gone (looked up by id; only possible with protect_self off): what it enforced is
 * not enforced. Or the pins are gone while we still hold the links (the bpffs was unmounted):
 * enforcement goes on, but a restart could not adopt it. Either way load everything again, with
 * the policy in force; our old links detach only once the new ones are attached. Checked on the
 * one-second timer the rate limit already runs, not by inotify on the pin directory: a link
 * detached by id (BPF_LINK_DETACH) touches no file, and a file system mounted over the directory
 * leaves a watch on the one below silent. */
static void check_pins(Manager *m) {
        _cleanup_(policy_image_done) PolicyImage image = {};
        _cleanup_(freep) char *reason = NULL;
        Backend *b = NULL;
        int r;

        r = backend_check_links(m->backend);
        if (r == 2) {
                if (!m->pins_covered)
                        log_warning("A file system is mounted over the pin directory %s (or above it): the guard's pins "
                                    "stay in the directory underneath and its links keep enforcing; nothing is pinned "
                                    "into what was mounted there.", m->bpffs_dir);
                m->pins_covered = true;
                return;
        }
        m->pins_covered = false;
        if (r == 0)
                return;
        if (r > 0)
                log_warning("The pins under %s are gone (bpffs unmounted?); cgroup-guardd holds the links, they still "
                            "enforce. Loading and pinning them again.", m->bpffs_dir);
        else
                log_error("A link of the guard is gone: its program detached. Loading them again.");
        r = policy_compile(&m->policy, &m->tree, m->generation + 1, &image, NULL);
        if (r >= 0)
                r = backend_start(m->backend->kind, m->bpffs_dir, &image, m->policy_entries_max, &b, &reason);
        if (r < 0) {
                log_error_errno(r, "Loading again failed: %s", reason ?: strerror(-r));
                return;
        }
        backend_free(m->backend);
        m->backend = b;
        m->generation++;
        policy_image_done(&m->image);
        m->image = image;
        image = (PolicyImage) {};
        cover_missed_cgroups(m);
        (void) watch_events(m);
        apply_protection(m, &m->policy);
        (void) backend_write_rule_names(m->bpffs_dir, &m->policy);
        log_notice("%s again with the %s backend, policy generation %u.", doing(m), backend_kind_to_string(b->kind),
                   m->generation);
}

/* Restarting over pins while the policy directory does not exist (yet): what the pins enforce
 * stays in force as it is, not a generation of no rules. The directory is waited for and loaded
 * once it appears. The tamper protection stays as pinned too (same objects). */
static int keep_pinned_policy(Manager *m) {
        _cleanup_(freep) char *reason = NULL, *error = NULL;
        int r;

        r = cgroup2_scan(m->cgroup_root_fd, &m->tree);
        if (r < 0)
                return log_error_errno(r, "Failed to scan the cgroup hierarchy at %s: %m", m->cgroup_mount);
        r = backend_start(m->requested, m->bpffs_dir, NULL, m->policy_entries_max, &m->backend, &reason);
        if (r < 0) {
                log_error("Policy directory %s does not exist and the pinned policy cannot be kept (%s); it stays in "
                          "force in the kernel. Create the directory and start cgroup-guardd again.", m->policy_dir,
                          reason ?: strerror(-r));
                return -EBADMSG;
        }
        /* The mirror of what the kernel decides from: new cgroups and explain use it. */
        r = backend_read_image(m->backend, &m->image);
        if (r < 0)
                return log_error_errno(r, "Failed to read the pinned policy generation: %m");
        m->kept_pinned = true;
        if (asprintf(&error, "%s does not exist; the pinned policy generation %u (%zu rules) stays in force until it "
                     "appears", m->policy_dir, m->generation, rules_in_force(m)) < 0)
                return log_oom();
        log_warning("Policy directory %s.", error);
        set_last_error(m, error);
        return 0;
}

int manager_render_metrics(Manager *m, char **ret) {
        MetricsData d;
        char *text;
        int r;

        r = metrics_collect(m->bpffs_dir, &d);
        if (r < 0)
                return r;
        d.in.daemon_running = true;
        d.in.have_reload = m->last_reload_realtime > 0;
        d.in.last_reload_ok = m->last_reload_ok;
        d.in.last_reload_realtime_usec = m->last_reload_realtime;
        d.in.reloads_ok = m->reloads_ok;
        d.in.reloads_failed = m->reloads_failed;
        text = metrics_render(&d.in);
        metrics_data_done(&d);
        if (!text)
                return -ENOMEM;
        *ret = text;
        return 0;
}

/* The textfile collector's file: rewritten (atomically) when what it says changed, at most once
 * per interval. A failure (the collector's directory missing) is said once, and tried again. */
static void write_metrics(Manager *m) {
        _cleanup_(freep) char *text = NULL;
        int r;

        r = manager_render_metrics(m, &text);
        if (r >= 0 && m->metrics_written && streq(text, m->metrics_written))
                return;
        if (r >= 0)
                r = metrics_write_file(m->metrics_file, text);
        if (r < 0) {
                if (!m->metrics_error_logged && r == -ENOENT)
                        log_notice("Not writing the metrics file %s: its directory does not exist (node_exporter's "
                                   "textfile collector not installed?); tried again every %us.",
                                   m->metrics_file, m->metrics_interval_sec);
                else if (!m->metrics_error_logged)
                        log_warning_errno(r, "Failed to write the metrics file %s (tried again every %us): %m",
                                          m->metrics_file, m->metrics_interval_sec);
                m->metrics_error_logged = true;
                return;
        }
        if (m->metrics_error_logged)
                log_info("Metrics file %s written.", m->metrics_file);
        m->metrics_error_logged = false;
        free(m->metrics_written);
        m->metrics_written = TAKE_PTR(text);
}

static int on_metrics_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        write_metrics(m);
        (void) sd_event_source_set_time(s, usec + m->metrics_interval_sec * USEC_PER_SEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ON);
}

static int watch_metrics(Manager *m) {
        uint64_t now;

        if (!m->metrics_file)
                return 0;
        write_metrics(m);
        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        return sd_event_add_time(m->event, &m->metrics_timer, CLOCK_MONOTONIC, now + m->metrics_interval_sec * USEC_PER_SEC,
                                 0, on_metrics_timer, m);
}

/* The policy directory compiled and loaded (or adopted) by a backend; with the directory gone and
 * pins present, the pinned generation as it is. */
static int start_enforcing(Manager *m) {
        _cleanup_(policy_image_done) PolicyImage image = {};
        _cleanup_(freep) char *reason = NULL;
        Policy p = {};
        CgroupTree tree = {};
        int r;

        if (access(m->policy_dir, F_OK) < 0 && errno == ENOENT && backend_pins_present(m->bpffs_dir))
                return keep_pinned_policy(m);

        r = load_policy(m, &p, &tree, &image);
        if (r < 0)
                return r;
        m->policy = p;
        m->tree = tree;

        r = backend_start(m->requested, m->bpffs_dir, &image, m->policy_entries_max, &m->backend, &reason);
        if (r < 0)
                return log_error_errno(r, "No usable backend (%s): %s", backend_kind_to_string(m->requested),
                                       reason ?: strerror(-r));
        m->generation++;
        apply_protection(m, &m->policy);
        m->image = image;
        image = (PolicyImage) {};
        return 0;
}

/* What runs, on which backend, and what it guarantees here: said once at start. */
static void log_started(Manager *m, uint64_t started) {
        if (!m->kept_pinned)
                log_info("Policy generation %u in force: %zu files, %zu rules, %zu map entries written in %.1f ms.",
                         m->generation, m->policy.n_files, m->policy.n_rules, m->image.n_entries,
                         (now_usec(CLOCK_MONOTONIC) - started) / (double) USEC_PER_MSEC);
        log_struct(LOG_INFO, "MESSAGE=%s with the %s backend%s (bpffs %s, cgroup2 at %s), policy generation %u: %zu files, %zu rules.",
                   doing(m), backend_kind_to_string(m->backend->kind), m->backend->adopted ? ", adopted from pins" : "",
                   m->bpffs_dir, m->cgroup_mount, m->generation, m->policy.n_files, rules_in_force(m),
                   "MESSAGE_ID=" GUARD_MESSAGE_STARTED, "CGROUP_GUARD_BACKEND=%s", backend_kind_to_string(m->backend->kind),
                   "CGROUP_GUARD_GENERATION=%u", m->generation);
        if (m->backend->adopted && m->backend->map_entries_max != m->policy_entries_max)
                log_notice("The pinned policy map holds %u entries; --policy-entries-max=%u takes effect once the "
                           "programs are loaded afresh (cgroup-guardd --unload, then start).",
                           m->backend->map_entries_max, m->policy_entries_max);
        if (m->backend->lockdown)
                log_notice("Kernel lockdown=confidentiality: links are guarded by refusing the guard's pins and ids "
                           "(reading the link behind an fd needs bpf_probe_read_kernel(), which lockdown refuses).");
        for (unsigned i = 0; i < m->backend->guarantees.n_held; i++)
                log_info("Guarantee: %s", m->backend->guarantees.held[i]);
        for (unsigned i = 0; i < m->backend->guarantees.n_not_held; i++)
                log_warning("Missing guarantee: %s", m->backend->guarantees.not_held[i]);
        for (const char *const *g = backend_missing_guarantees(m->backend->kind); *g; g++)
                log_warning("Missing guarantee: %s", *g);
        for (unsigned i = 0; i < m->backend->n_missing; i++)
                log_warning("Missing guarantee: %s", m->backend->missing[i]);
        log_guarantees(m);
}

/* SIGTERM and SIGINT end the loop, SIGHUP reloads; the watchdog. */
static void watch_signals(Manager *m) {
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
        (void) sd_event_set_watchdog(m->event, true);
}

/* The rate-limit summaries, recording and metrics, on the event loop. */
static void start_timers(Manager *m) {
        uint64_t now;
        int r;

        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        r = sd_event_add_time(m->event, &m->ratelimit_timer, CLOCK_MONOTONIC, now + USEC_PER_SEC, 0, on_ratelimit_timer, m);
        if (r >= 0)
                sd_event_source_set_enabled(m->ratelimit_timer, SD_EVENT_ON);
        r = recorder_start(m);
        if (r < 0)
                log_warning_errno(r, "Failed to start the recording timer: %m");
        if (manager_recording(m))
                log_notice("Recording every migration and namespace change seen (one journal entry per distinct "
                           "operation every %" PRIu64 " s).", m->recorder.interval_usec / USEC_PER_SEC);
        (void) watch_metrics(m);
}

int manager_start(Manager *m) {
        BackendPinned pinned;
        uint64_t started;
        int r;

        r = cgroup2_find_mount(&m->cgroup_mount);
        if (r < 0)
                return log_error_errno(r, "No cgroup2 hierarchy is mounted: %m");
        /* Opened once: later mounts over it or below it (a root elsewhere sharing our mount
         * namespace) change no path we resolve. */
        m->cgroup_root_fd = cgroup2_open_root(m->cgroup_mount);
        if (m->cgroup_root_fd < 0)
                return log_error_errno(m->cgroup_root_fd, "%s is not the cgroup2 root (something mounted over it?): %m",
                                       m->cgroup_mount);
        (void) cgroup2_path_of_pid(getpid(), &m->own_cgroup);

        /* Generations keep counting across restarts: events name the generation they came from. */
        if (backend_read_pinned(m->bpffs_dir, &pinned) >= 0)
                m->generation = pinned.generation;

        started = now_usec(CLOCK_MONOTONIC);
        r = start_enforcing(m);
        if (r < 0)
                return r;
        cover_missed_cgroups(m);
        if (policy_requires_enforce(&m->policy) && !backend_prevents(m->backend->kind))
                return log_error_errno(EOPNOTSUPP, "A policy file requires an enforcing backend, but only the %s backend "
                                       "loads on this kernel; refusing to run it silently.",
                                       backend_kind_to_string(m->backend->kind));

        r = watch_events(m);
        if (r < 0)
                return r;

        note_reload(m, true);
        watch_policy_dir(m);
        watch_executables(m);
        watch_signals(m);
        log_started(m, started);
        start_timers(m);

        /* The bus is for people, never for enforcement: a failure here only logs and retries. */
        (void) bus_start(m);
        sd_notify(false, "READY=1");
        notify_status(m);
        return 0;
}

/* Every cgroup record the kernel has written so far (mkdir, rmdir, recorded operations), not one
 * batch: whoever names cgroups by id next must see the mkdir records that came before. */
void manager_read_cgroup_records(Manager *m) {
        unsigned batch = m->ring_batch;

        if (!m->ring)
                return;
        do
                m->ring_batch = 0;
        while (ring_buffer__consume(m->ring) == -EAGAIN);
        m->ring_batch = batch;
}

int manager_run(Manager *m) {
        int r = sd_event_loop(m->event);

        /* Drain what the kernel reported before we were asked to stop, and sum up the rest. */
        manager_read_cgroup_records(m);
        if (m->denial_ring)
                do
                        m->ring_batch = 0;
                while (ring_buffer__consume(m->denial_ring) == -EAGAIN);
        ratelimit_flush(&m->ratelimit, now_usec(CLOCK_MONOTONIC), true, flush_suppressed, m);
        (void) recorder_drain(m);
        sd_notify(false, "STOPPING=1");
        return r;
}
