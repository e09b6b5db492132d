/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's lifecycle: start (load, adopt or keep the pinned generation), reloads, the
 * one-second tick (rate-limit summaries, lost records, pins checked), metrics, unload. Reload
 * triggers are manager-watch.c's, ring records manager-events.c's, explain manager-explain.c's. */
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
#include "notify.h"
#include "journal-send.h"
#include <unistd.h>

#include <bpf/bpf.h>
#include <sys/syscall.h>

#include "bus.h"
#include "cgroup-path.h"
#include "cgroupfs.h"
#include "event-format.h"
#include "guard-files.h"
#include "log.h"
#include "log-struct.h"
#include "manager-internal.h"
#include "manager.h"
#include "metrics-collect.h"
#include "policy-compile.h"
#include "policy-parse.h"
#include "policy-units.h"
#include "process-util.h"
#include "response.h"
#include "string-util.h"

/* Known cgroups checked for having gone, per second and per new cgroup. */
#define TREE_SWEEP_PER_TICK 1024

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
        bus_close(m);
        recorder_done(&m->recorder);
        sd_event_source_unref(m->bus_retry);
        sd_event_source_unref(m->ratelimit_timer);
        sd_event_source_unref(m->metrics_timer);
        free(m->metrics_file);
        free(m->bus_socket_path);
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
        proc_close_root();
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
/* An allow entry whose service has no unit file matches nothing (policy_resolve_units()): say
 * which, a line per rule and side, so that an admin who installs the service knows why it was
 * refused before. */
static void log_units_dropped(const Policy *p) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];
                char name[256];

                for (unsigned side = 0; side < 2; side++) {
                        char **dropped = side == 0 ? r->from_dropped : r->to_dropped;
                        char list[1024];

                        if (!dropped)
                                continue;
                        log_notice("Rule '%s' (%s:%u): \"%s\" entries that match nothing, their services having no unit file "
                                   "(PID 1 gives such a name to any transient unit it is asked for): %s",
                                   policy_rule_name(r, name, sizeof(name)), policy_rule_file(p, r)->path, r->line,
                                   side == 0 ? "from" : "to", policy_units_join(dropped, list, sizeof(list)));
                }
        }
}

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

/* The services named by the policy whose drop-in directories PID 1 may not make where it writes
 * its own (set_guard_trusted_units()): each costs a few keys. */
#define TRUSTED_UNITS_MAX 256
/* The executables allow rules name, guarded as the guard's own files (set_guard_trusted_executables()). */
#define TRUSTED_EXECUTABLES_MAX 64

/* What the policy trusts by name, for the files tamper protection registers (apply_protection()
 * and the rounds): before the backend's start registers them (the first time before anything is
 * attached), and with each new generation. Kept as it is while the pinned generation is kept (no
 * policy read: its rules still trust what they trusted). */
static void note_trusted(Manager *m, const Policy *p) {
        char **units = NULL, **executables = NULL;
        size_t omitted = 0;
        int r;

        if (m->kept_pinned)
                return;
        r = policy_trusted_executables(p, TRUSTED_EXECUTABLES_MAX, &executables, &omitted);
        if (r >= 0)
                set_guard_trusted_executables(executables);
        if (omitted > 0)
                log_warning("The policies' allow rules name more than %d executables; %zu are not guarded against "
                            "confined writers: name fewer.", TRUSTED_EXECUTABLES_MAX, omitted);
        omitted = 0;
        r = policy_named_units(p, TRUSTED_UNITS_MAX, &units, &omitted);
        if (r >= 0)
                set_guard_trusted_units(units);
        /* Their unit files stay guarded by the unit directories' seals; only PID 1's own
         * directories (set-property, transient units) are open to them. */
        if (omitted > 0)
                log_warning("The policies name more than %d services; PID 1 may still write drop-ins for %zu more "
                            "(set-property, transient units): name fewer.", TRUSTED_UNITS_MAX, omitted);
}

static void apply_protection(Manager *m, const Policy *p) {
        bool on = policy_protect_self(p);
        int r;

        r = backend_protect(m->backend, on, m->cgroup_root_fd);

        if (r < 0)
                log_warning_errno(r, "Failed to set up tamper protection: %m");
        else if (!on && backend_prevents(m->backend->kind))
                log_warning("Tamper protection is off (\"protect_self\": false): root can detach the guard.");
}

/* Is PID 1 systemd? Its name, which only PID 1 itself can change (/proc/1/comm). */
static bool pid1_is_systemd(void) {
        _cleanup_(fclosep) FILE *f = proc_fopen("1/comm");
        char comm[32] = "";

        return f && fgets(comm, sizeof(comm), f) && streq(comm, "systemd\n");
}

/* The default admin list names PID 1's cgroup and the daemon's own unit, as the kernel names them
 * now. PID 1 in the root cgroup without systemd makes the root an admin cgroup by default; not
 * systemd moved there, which any unconfined root can do where /init.scope is not protected (then
 * the next reload made the root cgroup, anyone's to join, an admin cgroup: a review found it).
 * PID 1's cgroup unread leaves it at /init.scope, ours unread leaves ours out. */
static int set_admin_defaults(Policy *p) {
        _cleanup_(freep) char *path = NULL, *init = NULL;

        p->init_in_root = !pid1_is_systemd() && cgroup2_path_of_pid(1, &init) >= 0 && streq(init, "/");
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
        r = policy_resolve_units(&p, NULL);
        if (r < 0)
                return reload_failed(m, r, "Failed to look for unit files: %s", strerror(-r));
        log_units_dropped(&p);
        policy_set_mode_override(&p, m->mode_override);
        r = set_admin_defaults(&p);
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
        (void) notify_sendf("STATUS=%s with the %s backend, policy generation %u (%zu rules)%s", doing(m),
                   backend_kind_to_string(m->backend->kind), m->generation, rules_in_force(m),
                   m->last_error ? "; the policy directory is invalid (LastPolicyError, journal)" : "");
}

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

/* The next generation, in the kernel's next-generation slot: the cgroups created since the scan it
 * was compiled from, until a pass finds none. Each pass writes the entries of what it found
 * before the next scan, so when one finds nothing, every cgroup then alive has its entry and
 * every later one gets it from the kernel at mkdir, from its parent's. A mkdir storm that keeps
 * every pass busy leaves the rest to the mkdir records (fail closed until then). */
#define COVER_PASSES_MAX 3

typedef struct NextGeneration {
        GenerationView view;
        int cgroup_root_fd;
} NextGeneration;

static void cover_next_generation(int generation_fd, void *userdata) {
        NextGeneration *next = userdata;

        next->view.generation_fd = generation_fd;
        for (unsigned pass = 0; pass < COVER_PASSES_MAX; pass++)
                if (generation_cover_cgroups(&next->view, next->cgroup_root_fd) == 0)
                        break;
}

int manager_reload(Manager *m) {
        _cleanup_(policy_image_done) PolicyImage image = {};
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        uint64_t started = now_usec(CLOCK_MONOTONIC);
        unsigned written = 0;
        int r;

        (void) notify_send("RELOADING=1");
        r = load_policy(m, &p, &tree, &image);
        if (r >= 0) {
                NextGeneration next = { { &p, &tree, &image, -EBADF }, m->cgroup_root_fd };

                r = backend_apply(m->backend, &image, &(BackendCover) { cover_next_generation, &next }, &written);
                if (r == -E2BIG || r == -ENOMEM)
                        reload_failed(m, r, "The new policy generation needs %zu map entries and did not fit into the kernel "
                                      "policy map (%u entries, --policy-entries-max): %s", image.n_entries,
                                      m->backend->map_entries_max, strerror(-r));
                else if (r < 0)
                        reload_failed(m, r, "Failed to apply the new policy generation: %s", strerror(-r));
                else {
                        m->kept_pinned = false; /* the directory's policy is in force from here on */
                        note_trusted(m, &p);
                        apply_protection(m, &p);
                }
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
        (void) notify_send("READY=1");
        notify_status(m);
        return r;
}

int manager_unload(Manager *m, unsigned *ret_removed) {
        unsigned removed = 0;
        int r, disarm;

        /* Our own executable is the one the tamper protection lets through. Disarmed through our
         * own fds first (the pins may be out of our reach: no CAP_DAC_OVERRIDE), then our handles
         * go: unloading waits until the kernel has released every link and program. */
        disarm = backend_disarm_maps(m->backend->self_fd, m->backend->outer_fd);
        if (disarm < 0)
                log_warning_errno(disarm, "Could not disarm the programs (they enforce until the kernel releases them): %m");
        backend_release_programs(m->backend);
        r = backend_unload(m->bpffs_dir, &removed);
        /* Disarmed, nothing is enforced: another process holding a link only keeps the kernel
         * from freeing it. Staying up would load everything again at the next pin check (a review
         * found a holder turned the admin's Unload into a restart that enforced again). */
        if (r == -EBUSY && disarm >= 0)
                log_warning("Unloaded: nothing is enforced, but another process still holds programs of the guard "
                            "(the kernel frees them when it lets go).");
        else if (r < 0)
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
        size_t n_fixed = 0;
        unsigned n = 0, k = 0;

        for (const char *const *g = backend_missing_guarantees(m->backend->kind); *g; g++)
                n_fixed++;
        /* Room for every line there is (MESSAGE, the backend, each held, not held and missing
         * guarantee): none is cut. */
        size_t n_fields = 2 + m->backend->guarantees.n_held + m->backend->guarantees.n_not_held + n_fixed +
                          m->backend->n_missing;
        _cleanup_(freep) char **fields = calloc(n_fields, sizeof(*fields));
        _cleanup_(freep) struct iovec *iov = calloc(n_fields + 1, sizeof(*iov));

        if (!fields || !iov) {
                log_oom();
                return;
        }

        fields[k++] = strdup_printf("MESSAGE=cgroup-guard guarantees with the %s backend%s", kind,
                                    backend_prevents(m->backend->kind) ? "" : " (NOT preventing: report and react only)");
        fields[k++] = strdup_printf("CGROUP_GUARD_BACKEND=%s", kind);
        for (unsigned i = 0; i < m->backend->guarantees.n_held; i++)
                fields[k++] = strdup_printf("CGROUP_GUARD_GUARANTEE=%s", m->backend->guarantees.held[i]);
        for (unsigned i = 0; i < m->backend->guarantees.n_not_held; i++)
                fields[k++] = strdup_printf("CGROUP_GUARD_MISSING=%s", m->backend->guarantees.not_held[i]);
        for (const char *const *g = backend_missing_guarantees(m->backend->kind); *g; g++)
                fields[k++] = strdup_printf("CGROUP_GUARD_MISSING=%s", *g);
        for (unsigned i = 0; i < m->backend->n_missing; i++)
                fields[k++] = strdup_printf("CGROUP_GUARD_MISSING=%s", m->backend->missing[i]);

        iov[n++] = (struct iovec) { (char *) "MESSAGE_ID=" GUARD_MESSAGE_GUARANTEES, strlen("MESSAGE_ID=" GUARD_MESSAGE_GUARANTEES) };
        for (unsigned i = 0; i < k; i++)
                if (fields[i])
                        iov[n++] = (struct iovec) { fields[i], strlen(fields[i]) };
        if (n < k + 1)
                log_oom();
        (void) journal_sendv(iov, n);
        for (unsigned i = 0; i < k; i++)
                free(fields[i]);
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

        r = backend_keep_in_force(m->backend) < 0 ? -ESTALE : backend_check_links(m->backend);
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
        else if (r != -ESTALE)
                log_error("A link of the guard is gone: its program detached. Loading them again.");
        r = policy_compile(&m->policy, &m->tree, m->generation + 1, &image, NULL);
        if (r >= 0) {
                NextGeneration next = { { &m->policy, &m->tree, &image, -EBADF }, m->cgroup_root_fd };

                r = backend_start(m->backend->kind, m->bpffs_dir, &image, &(BackendCover) { cover_next_generation, &next },
                                  m->policy_entries_max, &b, &reason);
        }
        if (r < 0) {
                log_error_errno(r, "Loading again failed: %s", reason ?: strerror(-r));
                return;
        }
        backend_retire(m->backend, b);
        backend_free(m->backend);
        m->backend = b;
        if (m->bus_socket_ino)
                backend_set_bus_socket(m->backend, m->bus_socket_ino, m->bus_socket_path);
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

static int on_ratelimit_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        ratelimit_flush(&m->ratelimit, now_usec(CLOCK_MONOTONIC), false, flush_suppressed, m);
        report_lost_events(m);
        (void) journal_say_dropped();
        bus_check_backlog(m);
        retry_cgroup_mkdirs(m);
        check_pins(m);
        bool pid1_reexecuted = backend_refresh_guard_files(m->backend) > 0;
        /* Files renamed into sealed directories over and over (a root outside confined cgroups)
         * use up the kernel's share of guard_objects, and then an upgrade's renames fail: a round
         * drops what is stale (a key the kernel added is kept one round more, so it takes two,
         * a second apart). A guarded file removed (the kernel reserves its name: one more key)
         * leaves its own key behind, and the next file made on that file system under its inode
         * number was refused to confined tasks, writing and removing it alike, until some
         * round: one follows within a second, and a second one (which drops what the first
         * kept) 2 s later, rounds going on so while the kernel's keys remain. */
        uint32_t kernel_keys = backend_kernel_keys(m->backend);
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        if (pid1_reexecuted || kernel_keys >= GUARD_KERNEL_KEYS_MAX / 2 || kernel_keys > m->kernel_keys_seen ||
            (kernel_keys > 0 && now >= m->protect_round_usec + 2 * USEC_PER_SEC)) {
                apply_protection(m, &m->policy);
                m->kernel_keys_seen = backend_kernel_keys(m->backend);
                m->protect_round_usec = now;
        } else
                m->kernel_keys_seen = kernel_keys;
        sweep_tree(m, TREE_SWEEP_PER_TICK);
        sd_event_source_set_time(s, usec + USEC_PER_SEC);
        return 0;
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
        r = backend_start(m->requested, m->bpffs_dir, NULL, NULL, m->policy_entries_max, &m->backend, &reason);
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
        NextGeneration next;
        Policy p = {};
        CgroupTree tree = {};
        int r;

        if (access(m->policy_dir, F_OK) < 0 && errno == ENOENT && backend_pins_present(m->bpffs_dir))
                return keep_pinned_policy(m);

        start_step_done("before reading the policy");
        r = load_policy(m, &p, &tree, &image);
        if (r < 0)
                return r;
        start_step_done("reading and compiling the policy, the cgroup tree");
        m->policy = p;
        m->tree = tree;
        note_trusted(m, &m->policy);

        next = (NextGeneration) { { &m->policy, &m->tree, &image, -EBADF }, m->cgroup_root_fd };
        r = backend_start(m->requested, m->bpffs_dir, &image, &(BackendCover) { cover_next_generation, &next },
                          m->policy_entries_max, &m->backend, &reason);
        if (r < 0)
                return log_error_errno(r, "No usable backend (%s): %s", backend_kind_to_string(m->requested),
                                       reason ?: strerror(-r));
        m->generation++;
        apply_protection(m, &m->policy);
        start_step_done("registering what tamper protection guards");
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
        if (notify_watchdog_start(m->event) < 0)
                log_warning("Failed to start the watchdog's keep-alive timer.");
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
        /* Likewise /proc, where the D-Bus caller's cgroup and the offenders' details are read. */
        r = proc_open_root();
        if (r < 0)
                return log_error_errno(r, "/proc is not this pid namespace's proc file system (something mounted over it?): %m");
        r = proc_seal_root();
        if (r < 0)
                log_warning_errno(r, "Cannot seal our own proc file system (%m): it stays detached, where whoever may read "
                                  "our /proc/PID/fd could move it.");
        (void) cgroup2_path_of_pid(getpid(), &m->own_cgroup);

        /* Generations keep counting across restarts: events name the generation they came from. */
        if (backend_read_pinned(m->bpffs_dir, &pinned) >= 0)
                m->generation = pinned.generation;

        started = now_usec(CLOCK_MONOTONIC);
        r = start_enforcing(m);
        if (r < 0)
                return r;
        cover_missed_cgroups(m);
        start_step_done("covering cgroups made meanwhile");
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
        start_step_done("watching events, the policy directory, executables");
        log_started(m, started);
        start_timers(m);

        /* The bus is for people, never for enforcement: a failure here only logs and retries. */
        (void) bus_start(m);
        (void) notify_send("READY=1");
        notify_status(m);
        return 0;
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
        (void) notify_send("STOPPING=1");
        (void) notify_flush();
        return r;
}
