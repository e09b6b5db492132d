/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/sockios.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "bus.h"
#include "cgroup-path.h"
#include "cgroupfs.h"
#include "event-format.h"
#include "log.h"
#include "log-struct.h"
#include "policy-decide.h"
#include "policy.h"
#include "process-util.h"
#include "string-util.h"

#define BUS_RETRY_USEC (5 * USEC_PER_SEC)
/* The daemon is single-threaded: a call of its own that dbus-daemon does not answer (a caller's
 * credentials; a frozen dbus-daemon, SIGSTOP from a confined root) holds events, the journal and
 * the watchdog's keep-alive for as long as it waits. sd-bus waits 25 s by default and the
 * watchdog fires at 30 s: a few such calls in a row restarted the daemon (a review found it).
 * Each waits 2 s at most, and after one timed out callers' credentials are not asked for (their
 * privileged calls refused) for BUS_STALL_USEC. Taking the bus name again after the bus was lost
 * (every 5 s while there is none) does not wait at all. */
#define BUS_CALL_TIMEOUT_USEC (2 * USEC_PER_SEC)
#define BUS_STALL_USEC (10 * USEC_PER_SEC)
/* The name request waits for nothing (its answer comes to on_name_reply()), so it may take long:
 * with 2 s, a dbus-daemon slow under load (three TCG guests on two cores) answered too late, and
 * each retry closed a connection whose name was about to be ours, over and over, a caller's call
 * in flight cut off with it (vm-off-switch found it). A stopped dbus-daemon costs a retry 30 s
 * later instead of 2 s. */
#define BUS_NAME_TIMEOUT_USEC (30 * USEC_PER_SEC)

static uint64_t bus_stalled_until;

static uint64_t monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return TIMESPEC_USEC(ts);
}

/* What we queued, written within BUS_CALL_TIMEOUT_USEC at most: sd_bus_flush() waits for as long
 * as a stopped dbus-daemon leaves its socket full. Not from a bus callback (sd_bus_process()). */
static void bus_flush_bounded(sd_bus *bus) {
        uint64_t deadline = monotonic_usec() + BUS_CALL_TIMEOUT_USEC, queued = 0, now;

        while (sd_bus_get_n_queued_write(bus, &queued) >= 0 && queued > 0 && (now = monotonic_usec()) < deadline)
                if (sd_bus_process(bus, NULL) <= 0)
                        (void) sd_bus_wait(bus, deadline - now);
}

static int query_sender_creds(sd_bus_message *message, uint64_t mask, sd_bus_creds **ret) {
        uint64_t now = monotonic_usec();
        int r;

        if (now < bus_stalled_until)
                return -EBUSY;
        r = sd_bus_query_sender_creds(message, mask, ret);
        if (r == -ETIMEDOUT) {
                bus_stalled_until = monotonic_usec() + BUS_STALL_USEC;
                log_warning("dbus-daemon did not say who called %s within %u s; privileged calls are refused for %u s.",
                            sd_bus_message_get_member(message) ?: "?", (unsigned) (BUS_CALL_TIMEOUT_USEC / USEC_PER_SEC),
                            (unsigned) (BUS_STALL_USEC / USEC_PER_SEC));
        }
        return r;
}
#define EXPLAIN_STRING_MAX 4096

static int bus_connect(Manager *m, bool wait_for_name);

/* D-Bus refuses a whole message over one string that is not UTF-8, and cgroup names, comm,
 * executable paths and policy file names are whatever their creator chose: every string we put
 * on the bus goes through here (bytes that are not UTF-8 become \xNN). */
static int append_string(sd_bus_message *m, const char *s) {
        _cleanup_(freep) char *escaped = utf8_escape_invalid(s ?: "");

        if (!escaped)
                return -ENOMEM;
        return sd_bus_message_append_basic(m, 's', escaped);
}

static int property_get_backend(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", backend_kind_to_string(m->backend->kind));
}

static int append_strv(sd_bus_message *reply, const char *const *list, char *const *extra, unsigned n_extra) {
        int r = sd_bus_message_open_container(reply, 'a', "s");

        if (r < 0)
                return r;
        for (const char *const *s = list; s && *s; s++) {
                r = append_string(reply, *s);
                if (r < 0)
                        return r;
        }
        for (unsigned i = 0; i < n_extra; i++) {
                r = append_string(reply, extra[i]);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_guarantees(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return append_strv(reply, NULL, m->backend->guarantees.held, m->backend->guarantees.n_held);
}

static int property_get_missing(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        const BackendGuarantees *g = &m->backend->guarantees;
        int r;

        /* After the backend's own: the guarantees not held on this kernel, then why (the functions). */
        r = sd_bus_message_open_container(reply, 'a', "s");
        for (const char *const *s = backend_missing_guarantees(m->backend->kind); r >= 0 && *s; s++)
                r = append_string(reply, *s);
        for (unsigned i = 0; r >= 0 && i < g->n_not_held; i++)
                r = append_string(reply, g->not_held[i]);
        for (unsigned i = 0; r >= 0 && i < m->backend->n_missing; i++)
                r = append_string(reply, m->backend->missing[i]);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_mode(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", manager_mode_string(m));
}

static int property_get_recording(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "b", manager_recording(m));
}

static int property_get_record_setting(sd_bus *bus, const char *path, const char *interface, const char *property,
                                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "s", manager_record_string(m));
}

static int property_get_generation(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "t", (uint64_t) m->generation);
}

static int property_get_files(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "s");

        if (r < 0)
                return r;
        for (size_t i = 0; i < m->policy.n_files; i++) {
                r = append_string(reply, m->policy.files[i].path);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_last_error(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return append_string(reply, m->last_error);
}

static int property_get_counter(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        BackendCounters c = {};

        (void) backend_read_counters(m->backend->counters_fd, &c);
        if (streq(property, "Denials"))
                return sd_bus_message_append(reply, "t", c.denied);
        if (streq(property, "Audits"))
                return sd_bus_message_append(reply, "t", c.audited);
        if (streq(property, "SuppressedEvents"))
                return sd_bus_message_append(reply, "t", c.suppressed);
        if (streq(property, "LostCgroupEvents"))
                return sd_bus_message_append(reply, "t", c.lost_cgroup_events);
        return sd_bus_message_append(reply, "t", c.lost_events);
}

static int property_get_map(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        if (streq(property, "PolicyMapSize"))
                return sd_bus_message_append(reply, "u", m->backend->map_entries_max);
        return sd_bus_message_append(reply, "u", backend_count_entries(m->backend));
}

static int property_get_known_cgroups(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        return sd_bus_message_append(reply, "t", (uint64_t) m->tree.n_nodes);
}

static int property_get_rules(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "(ssss)");

        if (r < 0)
                return r;
        for (size_t i = 0; i < m->policy.n_rules; i++) {
                const PolicyRule *rule = &m->policy.rules[i];
                char id[320], subject[4200], target[4200] = "";

                /* Rule names are unique across files: the name is the id. */
                policy_rule_name(rule, id, sizeof(id));
                switch (rule->kind) {
                case POLICY_RULE_ALLOW:
                        snprintf(subject, sizeof(subject), "%s%s%s", rule->exe ?: "", rule->exe && rule->cgroup ? " in " : "",
                                 rule->cgroup ?: "");
                        for (char **t = rule->from; t && *t; t++)
                                snprintf(subject + strlen(subject), sizeof(subject) - strlen(subject), "%s%s",
                                         t == rule->from ? " from " : " ", *t);
                        for (char **t = rule->to; t && *t; t++)
                                snprintf(target + strlen(target), sizeof(target) - strlen(target), "%s%s",
                                         t == rule->to ? "" : " ", *t);
                        /* Emptied by policy_resolve_units(): nothing, not "any". */
                        if (rule->from && !rule->from[0])
                                snprintf(subject + strlen(subject), sizeof(subject) - strlen(subject), " from nothing");
                        if (!rule->to)
                                snprintf(target, sizeof(target), "*");
                        else if (!rule->to[0])
                                snprintf(target, sizeof(target), "nothing");
                        break;
                case POLICY_RULE_LOCK:
                case POLICY_RULE_LOCK_ON_ENTRY:
                        snprintf(subject, sizeof(subject), "%s", rule->cgroup);
                        for (uint32_t bits = rule->ns_types; bits; bits &= bits - 1)
                                snprintf(target + strlen(target), sizeof(target) - strlen(target), "%s%s",
                                         target[0] ? " " : "", ns_type_to_string(bits & -bits) ?: "?");
                        break;
                default:
                        snprintf(subject, sizeof(subject), "%s", rule->cgroup);
                        snprintf(target, sizeof(target), "%s%s", policy_mode_to_string(policy_rule_mode(&m->policy, rule)),
                                 rule->seal ? " sealed" : "");
                }
                if ((r = sd_bus_message_open_container(reply, 'r', "ssss")) < 0 || (r = append_string(reply, id)) < 0 ||
                    (r = append_string(reply, policy_rule_kind_to_string(rule->kind))) < 0 ||
                    (r = append_string(reply, subject)) < 0 || (r = append_string(reply, target)) < 0 ||
                    (r = sd_bus_message_close_container(reply)) < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int sender_euid(sd_bus_message *message, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        int r;

        r = query_sender_creds(message, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
        if (r < 0)
                return r;
        return sd_bus_creds_get_euid(creds, ret);
}

/* Who called a privileged method: every such call leaves a journal entry naming the caller,
 * granted or refused, so an admin sees who changed the guard and who tried. */
typedef struct Caller {
        sd_bus_creds *creds;
        uid_t uid;
        pid_t pid;
        const char *exe;                /* owned by creds; NULL if unknown */
        char *cgroup;                   /* its cgroup2 path when it called; NULL if unknown */
        int pidfd;                      /* the process at pid, opened before its cgroup was read */
        bool has_pidfd;
} Caller;

static void caller_done(Caller *c) {
        c->creds = sd_bus_creds_unref(c->creds);
        free(c->cgroup);
        c->cgroup = NULL;
        if (c->has_pidfd)
                close(c->pidfd);
        c->has_pidfd = false;
}

static int caller_query(sd_bus_message *message, Caller *ret) {
        int r;

        *ret = (Caller) {};
        r = query_sender_creds(message, SD_BUS_CREDS_EUID | SD_BUS_CREDS_PID | SD_BUS_CREDS_EXE |
                                      SD_BUS_CREDS_AUGMENT, &ret->creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(ret->creds, &ret->uid);
        if (r < 0)
                return r;
        if (sd_bus_creds_get_pid(ret->creds, &ret->pid) < 0)
                ret->pid = 0;
        if (sd_bus_creds_get_exe(ret->creds, &ret->exe) < 0)
                ret->exe = NULL;
        if (ret->pid > 0) {
                ret->pidfd = (int) syscall(SYS_pidfd_open, ret->pid, 0);
                ret->has_pidfd = ret->pidfd >= 0;
                (void) cgroup2_path_of_pid(ret->pid, &ret->cgroup);
        }
        return 0;
}

/* One entry: MESSAGE names the caller (escaped: the executable's path is the caller's choice), the
 * fields carry it raw. field1/field2: further "NAME=value" fields, or NULL. */
_printf_(6, 7) static void journal_call(const Caller *c, const char *message_id, int priority, const char *field1,
                                        const char *field2, const char *format, ...) {
        _cleanup_(freep) char *text = NULL, *message = NULL, *id = NULL, *uid = NULL, *pid = NULL, *exe = NULL,
                              *cgroup = NULL;
        struct iovec iov[8];
        unsigned n = 0;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&text, format, ap);
        va_end(ap);
        if (r < 0 ||
            asprintf(&message, "MESSAGE=%s (uid %u, pid %u, %s)", text, (unsigned) c->uid, (unsigned) c->pid,
                     c->exe ?: "executable unknown") < 0 ||
            asprintf(&id, "MESSAGE_ID=%s", message_id) < 0 ||
            asprintf(&uid, "CGROUP_GUARD_CALLER_UID=%u", (unsigned) c->uid) < 0 ||
            asprintf(&pid, "CGROUP_GUARD_CALLER_PID=%u", (unsigned) c->pid) < 0 ||
            asprintf(&exe, "CGROUP_GUARD_CALLER_EXE=%s", c->exe ?: "") < 0 ||
            asprintf(&cgroup, "CGROUP_GUARD_CALLER_CGROUP=%s", c->cgroup ?: "") < 0) {
                log_oom();
                return;
        }
        const char *fields[] = { message, id, uid, pid, exe, cgroup, field1, field2 };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (fields[i])
                        iov[n++] = (struct iovec) { (char *) fields[i], strlen(fields[i]) };
        (void) log_structv(priority, iov, n);
}

/* Whether the cgroup at path is an admin cgroup of the policy in force, decided as the kernel
 * decides for the guard's binary there: guard_cgroup_entry()'s walk over the mirror of its policy
 * map (the entry of the nearest cgroup that has one, at most GUARD_CGROUP_WALK_MAX levels up; past
 * an ancestor that classifies its children, or past the bound, the unclassified entry), then
 * guard_cgroup_admin(). A cgroup too new for the mirror has no entry there: where its parent's
 * children copy the parent's entry the kernel wrote none either; where the parent classifies them
 * (the kernel may have written one the mirror lacks) it gets the unclassified entry: fail closed.
 * Ancestors are named by their paths beneath the verified cgroup2 root; one that cannot be
 * resolved (gone, or something mounted over it: not the caller's) fails closed too. */
static bool cgroup_admin(Manager *m, const char *path) {
        const struct guard_value *config = policy_image_lookup(&m->image, GUARD_KEY_CONFIG, 0, 0);
        const struct guard_value *v = NULL;
        _cleanup_(freep) char *buf = strdup(path);
        uint64_t own_id = 0;
        unsigned level;

        if (!buf)
                return false;
        for (level = 0; level < GUARD_CGROUP_WALK_MAX; level++) {
                uint64_t id;
                char *slash;

                if (cgroup2_id_of_path(m->cgroup_root_fd, buf, &id) < 0)
                        return false;
                if (level == 0)
                        own_id = id;
                v = policy_image_lookup(&m->image, GUARD_KEY_CGROUP, id, 0);
                if (v) {
                        if (level > 0 && v->cgroup.state)
                                break;
                        return guard_cgroup_admin(config, v, own_id);
                }
                slash = strrchr(buf, '/');
                if (!slash || streq(buf, "/"))
                        return guard_cgroup_admin(config, NULL, own_id); /* the root has no entry */
                slash[slash == buf] = '\0'; /* "/a" -> "/", "/a/b" -> "/a" */
        }
        return guard_cgroup_admin(config, policy_image_lookup(&m->image, GUARD_KEY_CGROUP, GUARD_CGROUP_UNCLASSIFIED, 0),
                                  own_id);
}

/* Why the process at the caller's pid is not the caller, or NULL if it is. dbus-daemon names the
 * pid that connected (SO_PEERCRED), and the connection outlives that process (a child keeps its
 * fd): a caller that exits and whose pid a process in an admin cgroup takes (or the guard,
 * restarted) would pass for that one. The kernel marks each process that connects to the bus
 * socket (guard_bus_peers, bpf/guard-tamper.bpf.h); the process at the pid, held by a pidfd
 * opened before its cgroup was read and alive after, must carry the mark. The guard calls none of
 * its verbs: its own pid is never a caller's. Without the record (the observe backend, a kernel
 * without unix_stream_connect() to trace) the pid is taken as it is. */
static const char *caller_not_connected(Manager *m, const Caller *c) {
        int r;

        if (c->pid == (pid_t) getpid())
                return "its pid is the guard's own: the caller exited and the guard took its pid";
        if (!c->has_pidfd)
                return "the process at its pid is gone";
        r = backend_bus_peer_connected(m->backend, c->pidfd);
        if (r == -EOPNOTSUPP)
                return NULL;
        if (r < 0)
                return "the guard does not know the socket of the bus it is connected to, so it cannot tell its callers";
        if (r == 0)
                return "the process at its pid is not one that connected to the bus: the caller exited and its pid was taken";
        /* Still the process the pidfd holds: its pid was not free, so the cgroup read was of it. */
        if (syscall(SYS_pidfd_send_signal, c->pidfd, 0, NULL, 0) < 0)
                return "the process at its pid exited while it was checked";
        return NULL;
}

/* Reload, SetMode, SetRecord, Thaw and Unload change what the kernel enforces or records: root only, checked here (the
 * bus policy lets everyone's call through to us, so that refused attempts are journaled too).
 * And only from an admin cgroup (the policy's "admin" list, by default PID 1's cgroup and the
 * guard's own unit): not from a cgroup the policy confines (a protected service, a container),
 * nor from any other; switching the guard off, thawing what a response froze or reloading are
 * the admin's. A caller whose cgroup cannot be read (gone already) is refused. extra: a
 * "NAME=value" field for the refusal's entry, or NULL. */
static int check_root(Manager *m, sd_bus_message *message, sd_bus_error *error, const char *verb, const char *extra, Caller *ret) {
        _cleanup_(freep) char *field = NULL;
        const char *why;
        int r;

        r = caller_query(message, ret);
        if (r < 0) {
                /* Said with what is known (dbus-daemon not answering: a caller that stops it at will
                 * keeps the verbs refused, and the admin sees it). */
                /* At most once per stall window: callers queued by the thousand must not crowd the
                 * journal (journald's own limit would drop the guard's other entries). */
                static uint64_t said_until;
                uint64_t now = monotonic_usec();

                if (now >= said_until) {
                        log_warning_errno(r, "Refused %s from %s: cannot tell who called (%m); further such refusals are not "
                                          "logged for %u s.", verb, sd_bus_message_get_sender(message) ?: "?",
                                          (unsigned) (BUS_STALL_USEC / USEC_PER_SEC));
                        said_until = now + BUS_STALL_USEC;
                }
                return r;
        }
        if (asprintf(&field, "CGROUP_GUARD_VERB=%s", verb) < 0)
                return -ENOMEM;
        if (ret->uid != 0) {
                journal_call(ret, GUARD_MESSAGE_REFUSED, LOG_WARNING, field, extra,
                             "Refused %s: only root may change the guard", verb);
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Only root may change the guard's policy.");
        }
        why = caller_not_connected(m, ret);
        if (why) {
                journal_call(ret, GUARD_MESSAGE_REFUSED, LOG_WARNING, field, extra, "Refused %s: %s", verb, why);
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "%s is refused: the caller's pid is not the "
                                         "process that connected.", verb);
        }
        if (!ret->cgroup || !cgroup_admin(m, ret->cgroup)) {
                journal_call(ret, GUARD_MESSAGE_REFUSED, LOG_WARNING, field, extra,
                             "Refused %s: the caller runs in %s, which is no admin cgroup", verb,
                             ret->cgroup ?: "a cgroup that cannot be read");
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s is refused outside the policy's admin cgroups.", verb);
        }
        /* In PID 1's cgroup, but started by PID 1's child before systemd moved it to its unit
         * (a generator, an NSS module's code): the kernel counts it as no admin, nor does the
         * guard. The marks go with the process: read while it still lives (no mark and a
         * reaped process look alike), and anything but a readable "may" is a refusal. */
        r = ret->has_pidfd ? backend_task_may_be_admin(m->backend, ret->pidfd) : -EOPNOTSUPP;
        if (r == -EOPNOTSUPP)
                r = 1; /* no marks to read: the observe backend */
        if (r > 0 && ret->has_pidfd && syscall(SYS_pidfd_send_signal, ret->pidfd, 0, NULL, 0) < 0)
                r = -ESRCH;
        if (r <= 0) {
                journal_call(ret, GUARD_MESSAGE_REFUSED, LOG_WARNING, field, extra, "Refused %s: %s", verb,
                             r == 0 ? "the caller was started by PID 1's child before it left PID 1's cgroup, which is no admin" :
                                      "the caller's identity marks cannot be read");
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s is refused outside the policy's admin cgroups.", verb);
        }
        return 0;
}

static int method_reload(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(freep) char *why = NULL, *generation = NULL;
        Manager *m = userdata;
        int r = check_root(m, message, error, "Reload", NULL, &caller);

        if (r < 0)
                return r;
        r = manager_reload(m);
        if (asprintf(&generation, "CGROUP_GUARD_GENERATION=%u", m->generation) < 0)
                return -ENOMEM;
        if (r < 0) {
                why = utf8_escape_invalid(m->last_error ?: strerror(-r));
                journal_call(&caller, GUARD_MESSAGE_RELOAD_REQUESTED, LOG_ERR, generation, "CGROUP_GUARD_RESULT=failed",
                             "Reload requested: failed, generation %u stays in force", m->generation);
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Reload failed, the policy in force stays: %s",
                                         why ?: strerror(-r));
        }
        journal_call(&caller, GUARD_MESSAGE_RELOAD_REQUESTED, LOG_NOTICE, generation, "CGROUP_GUARD_RESULT=done",
                     "Reload requested: policy generation %u in force", m->generation);
        return sd_bus_reply_method_return(message, NULL);
}

static int method_set_mode(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(freep) char *field = NULL;
        Manager *m = userdata;
        const char *mode;
        char q[QUOTED_BUF];
        int r, override;

        r = sd_bus_message_read(message, "s", &mode);
        if (r < 0)
                return r;
        if (streq(mode, "policy"))
                override = -1;
        else if (streq(mode, "enforce"))
                override = POLICY_MODE_ENFORCE;
        else if (streq(mode, "audit"))
                override = POLICY_MODE_AUDIT;
        else
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown mode \"%s\" (enforce, audit or policy).", quoted(mode, q));
        if (asprintf(&field, "CGROUP_GUARD_MODE=%s", mode) < 0)
                return -ENOMEM;
        r = check_root(m, message, error, "SetMode", field, &caller);
        if (r < 0)
                return r;
        r = manager_set_mode(m, override);
        if (r < 0) {
                journal_call(&caller, GUARD_MESSAGE_MODE_CHANGED, LOG_ERR, field, "CGROUP_GUARD_RESULT=failed",
                             "Mode change to %s failed, mode stays %s", mode, manager_mode_string(m));
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Switching mode failed: %s", strerror(-r));
        }
        journal_call(&caller, GUARD_MESSAGE_MODE_CHANGED, LOG_NOTICE, field, "CGROUP_GUARD_RESULT=done",
                     "Mode set to %s", mode);
        return sd_bus_reply_method_return(message, NULL);
}

/* Recording off is no off-switch for enforcement, but it blinds the history learn and replay
 * rely on, and on turns every operation into journal entries: the same gate as SetMode. */
static int method_set_record(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(freep) char *field = NULL;
        Manager *m = userdata;
        const char *setting;
        char q[QUOTED_BUF];
        int r, override;

        r = sd_bus_message_read(message, "s", &setting);
        if (r < 0)
                return r;
        if (streq(setting, "policy"))
                override = -1;
        else if (streq(setting, "on"))
                override = 1;
        else if (streq(setting, "off"))
                override = 0;
        else
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown recording setting \"%s\" (on, off or policy).", quoted(setting, q));
        if (asprintf(&field, "CGROUP_GUARD_RECORD=%s", setting) < 0)
                return -ENOMEM;
        r = check_root(m, message, error, "SetRecord", field, &caller);
        if (r < 0)
                return r;
        r = manager_set_record(m, override);
        if (r < 0) {
                journal_call(&caller, GUARD_MESSAGE_RECORD_CHANGED, LOG_ERR, field, "CGROUP_GUARD_RESULT=failed",
                             "Recording change to %s failed, recording stays %s", setting, manager_record_string(m));
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Switching recording failed: %s", strerror(-r));
        }
        journal_call(&caller, GUARD_MESSAGE_RECORD_CHANGED, LOG_NOTICE, field, "CGROUP_GUARD_RESULT=done",
                     "Recording set to %s (now %s)", setting, manager_recording(m) ? "on" : "off");
        return sd_bus_reply_method_return(message, NULL);
}

static int method_unload(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(freep) char *removed_field = NULL, *dir_field = NULL;
        Manager *m = userdata;
        unsigned removed = 0;
        int r = check_root(m, message, error, "Unload", NULL, &caller);

        if (r < 0)
                return r;
        r = manager_unload(m, &removed);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Unload failed: %s", strerror(-r));
        if (asprintf(&removed_field, "CGROUP_GUARD_PINS_REMOVED=%u", removed) >= 0 &&
            asprintf(&dir_field, "CGROUP_GUARD_BPFFS=%s", m->bpffs_dir) >= 0)
                journal_call(&caller, GUARD_MESSAGE_UNLOADED, LOG_NOTICE, removed_field, dir_field,
                             "Unloaded: removed %u pins under %s, every program detached; cgroup-guardd exits", removed,
                             m->bpffs_dir);
        /* Written out before the exit (bus_close()). */
        r = sd_bus_reply_method_return(message, "us", removed, m->bpffs_dir);
        return r < 0 ? r : 1;
}

/* A caller learns about a process what /proc shows it, no more (systemd's precedent): explain
 * answers name the process's executable, cgroup and namespaces, which /proc shows only to whoever
 * may ptrace-read it. Root asks about anyone, others about their own processes. */
static int check_may_inspect(sd_bus_message *message, sd_bus_error *error, uint32_t pid) {
        uid_t uid;
        int r = sender_euid(message, &uid);

        if (r < 0)
                return r;
        if (!pid_inspectable_by(pid, uid))
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Process %u does not run as you; only root may ask about it.", pid);
        return 0;
}

/* Every pid an explain method is asked about: it exists, and the caller may know about it. */
static int read_pid(sd_bus_message *message, sd_bus_error *error, uint32_t *ret) {
        int r = sd_bus_message_read(message, "u", ret);

        if (r < 0)
                return r;
        if (*ret == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "pid 0 is not a process.");
        if (kill((pid_t) *ret, 0) < 0 && errno == ESRCH)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No process with pid %u.", *ret);
        return check_may_inspect(message, error, *ret);
}


static int read_cgroup_arg(sd_bus_message *message, sd_bus_error *error, const char **ret) {
        const char *why = NULL;
        int r = sd_bus_message_read(message, "s", ret);

        if (r < 0)
                return r;
        if (strlen(*ret) > EXPLAIN_STRING_MAX || (why = cgroup_path_invalid_reason(*ret)))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid cgroup path: %s",
                                         strlen(*ret) > EXPLAIN_STRING_MAX ? "too long" : why);
        return 0;
}

/* Releases a cgroup frozen by a deny+freeze response. */
static int method_thaw(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(caller_done) Caller caller = {};
        _cleanup_(freep) char *field = NULL;
        Manager *m = userdata;
        const char *cgroup;
        int r;

        r = read_cgroup_arg(message, error, &cgroup);
        if (r < 0)
                return r;
        if (asprintf(&field, "CGROUP_GUARD_CGROUP=%s", cgroup) < 0)
                return -ENOMEM;
        r = check_root(m, message, error, "Thaw", field, &caller);
        if (r < 0)
                return r;
        r = cgroup2_write_file(m->cgroup_root_fd, cgroup, "cgroup.freeze", "0");
        if (r == -ENOENT)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "No such cgroup.");
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Cannot thaw: %s", strerror(-r));
        journal_call(&caller, GUARD_MESSAGE_THAWED, LOG_NOTICE, field, NULL, "Thawed %s", cgroup);
        return sd_bus_reply_method_return(message, NULL);
}

static int reply_decision(sd_bus_message *message, const PolicyDecision *d, const Policy *p) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char rule[320] = "";
        int r;

        if (d->rule)
                policy_rule_name(d->rule, rule, sizeof(rule));
        /* The reason names the asking process's cgroup: its creator chose the name. */
        if ((r = sd_bus_message_new_method_return(message, &reply)) < 0 ||
            (r = sd_bus_message_append(reply, "b", d->verdict != VERDICT_DENY)) < 0 ||
            (r = append_string(reply, rule)) < 0 || (r = append_string(reply, d->reason)) < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* "Could process PID move itself to CGROUP?" (actor and task are PID). Audit-mode rules answer
 * true: the move would happen (and be reported). */
static int method_explain_migration(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        PolicyDecision d;
        const char *dst;
        uint32_t pid;
        int r;

        r = read_pid(message, error, &pid);
        if (r < 0)
                return r;
        r = read_cgroup_arg(message, error, &dst);
        if (r < 0)
                return r;
        r = manager_explain_migration(m, pid, pid, dst, &d);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Cannot read process %u: %s", pid, strerror(-r));
        return reply_decision(message, &d, &m->policy);
}

static int reply_verdict(sd_bus_message *message, const PolicyDecision *d, const Policy *p) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char rule[320] = "";
        int r;

        if (d->rule)
                policy_rule_name(d->rule, rule, sizeof(rule));
        if ((r = sd_bus_message_new_method_return(message, &reply)) < 0 ||
            (r = append_string(reply, verdict_to_string(d->verdict))) < 0 || (r = append_string(reply, rule)) < 0 ||
            (r = append_string(reply, d->reason)) < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* "May ACTOR_PID move TASK_PID to DESTINATION?", the question the policy is about. Answers with
 * the verdict itself (allow, audit, deny), so callers can tell an audited move from an allowed one. */
static int method_explain_move(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        PolicyDecision d;
        uint32_t actor_pid, task_pid;
        const char *dst;
        int r;

        r = read_pid(message, error, &actor_pid);
        if (r < 0)
                return r;
        r = read_pid(message, error, &task_pid);
        if (r < 0)
                return r;
        r = read_cgroup_arg(message, error, &dst);
        if (r < 0)
                return r;
        r = manager_explain_migration(m, actor_pid, task_pid, dst, &d);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Cannot read processes %u and %u: %s", actor_pid,
                                         task_pid, strerror(-r));
        return reply_verdict(message, &d, &m->policy);
}

/* Reads PID, TYPE, TARGET_PID and decides whether PID may join TARGET_PID's namespace of TYPE. */
static int explain_join_request(sd_bus_message *message, Manager *m, sd_bus_error *error, PolicyDecision *ret) {
        const char *type_name;
        uint32_t pid, target, type;
        int r;

        r = read_pid(message, error, &pid);
        if (r < 0)
                return r;
        r = sd_bus_message_read(message, "s", &type_name);
        if (r < 0)
                return r;
        type = ns_type_from_string(type_name);
        if (type == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown namespace type \"%.32s\" (mnt uts ipc net pid user cgroup time).", type_name);
        r = read_pid(message, error, &target);
        if (r < 0)
                return r;
        r = manager_explain_setns(m, pid, type, target, ret);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Cannot read processes %u and %u: %s", pid,
                                         target, strerror(-r));
        return 0;
}

/* "May PID join TARGET_PID's namespace of TYPE?", answered with the verdict itself. */
static int method_explain_join(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        PolicyDecision d;
        int r;

        r = explain_join_request(message, m, error, &d);
        if (r < 0)
                return r;
        return reply_verdict(message, &d, &m->policy);
}

/* "Could PID join TARGET_PID's namespace of TYPE?" */
static int method_explain_setns(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        PolicyDecision d;
        int r;

        r = explain_join_request(message, m, error, &d);
        if (r < 0)
                return r;
        return reply_decision(message, &d, &m->policy);
}

/* "May PID create namespaces of TYPES (unshare, clone)?" TYPES: names separated by commas or
 * spaces ("net,uts"). */
static int method_explain_unshare(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        PolicyDecision d;
        const char *names;
        uint32_t pid, types = 0;
        char word[16];
        int r;

        r = read_pid(message, error, &pid);
        if (r < 0)
                return r;
        r = sd_bus_message_read(message, "s", &names);
        if (r < 0)
                return r;
        for (const char *p = names; *p;) {
                size_t n = strcspn(p, ", ");
                uint32_t t;

                if (n == 0) {
                        p++;
                        continue;
                }
                snprintf(word, sizeof(word), "%.*s", (int) (n < sizeof(word) ? n : sizeof(word) - 1), p);
                t = n < sizeof(word) ? ns_type_from_string(word) : 0;
                if (t == 0)
                        return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                                "Unknown namespace type (mnt uts ipc net pid user cgroup time).");
                types |= t;
                p += n;
        }
        if (types == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "No namespace type given.");
        r = manager_explain_new_namespaces(m, pid, types, &d);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Cannot read process %u: %s", pid, strerror(-r));
        return reply_verdict(message, &d, &m->policy);
}

/* Root sees every denial; anyone else those whose actor ran as them (its real uid when it acted,
 * from the kernel's record). */
static bool denial_visible(const RecentDenial *d, uid_t caller) {
        return caller == 0 || d->actor_uid == caller;
}

/* The Prometheus exposition, as --metrics-file holds it: aggregate counts only (no pids, no
 * paths), like the Denials property, so anyone may read it. */
static int method_get_metrics(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(freep) char *text = NULL;
        Manager *m = userdata;
        int r;

        r = manager_render_metrics(m, &text);
        if (r < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Cannot read the guard's pins: %s", strerror(-r));
        return sd_bus_reply_method_return(message, "s", text);
}

static int method_list_recent_denials(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        unsigned oldest = m->n_recent > RECENT_DENIALS_MAX ? m->n_recent - RECENT_DENIALS_MAX : 0, first, n = 0;
        uint32_t max;
        uid_t caller;
        int r;

        r = sd_bus_message_read(message, "u", &max);
        if (r < 0)
                return r;
        r = sender_euid(message, &caller);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(tsssss)");
        if (r < 0)
                return r;
        /* Newest last, at most max of them. */
        for (first = m->n_recent; first > oldest && n < max; first--)
                n += denial_visible(&m->recent[(first - 1) % RECENT_DENIALS_MAX], caller);
        for (unsigned i = first; i < m->n_recent; i++) {
                const RecentDenial *d = &m->recent[i % RECENT_DENIALS_MAX];

                if (!denial_visible(d, caller))
                        continue;
                if ((r = sd_bus_message_open_container(reply, 'r', "tsssss")) < 0 ||
                    (r = sd_bus_message_append(reply, "t", d->realtime_usec)) < 0 ||
                    (r = append_string(reply, d->action)) < 0 || (r = append_string(reply, d->kind)) < 0 ||
                    (r = append_string(reply, d->rule)) < 0 || (r = append_string(reply, d->policy)) < 0 ||
                    (r = append_string(reply, d->message)) < 0 || (r = sd_bus_message_close_container(reply)) < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Backend", "s", property_get_backend, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Guarantees", "as", property_get_guarantees, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("MissingGuarantees", "as", property_get_missing, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Mode", "s", property_get_mode, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Recording", "b", property_get_recording, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RecordSetting", "s", property_get_record_setting, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PolicyGeneration", "t", property_get_generation, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PolicyFiles", "as", property_get_files, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastPolicyError", "s", property_get_last_error, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Denials", "t", property_get_counter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("Audits", "t", property_get_counter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("LostEvents", "t", property_get_counter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("SuppressedEvents", "t", property_get_counter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("LostCgroupEvents", "t", property_get_counter, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("Rules", "a(ssss)", property_get_rules, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* The kernel policy map: its size (--policy-entries-max) and the active generation's entries. */
        SD_BUS_PROPERTY("PolicyMapSize", "u", property_get_map, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PolicyMapEntries", "u", property_get_map, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        /* Cgroups the daemon knows by path and id (it follows mkdir and rmdir). */
        SD_BUS_PROPERTY("KnownCgroups", "t", property_get_known_cgroups, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        /* Root only, but "unprivileged" for sd-bus: its own check would refuse before check_root()
         * could journal who tried. */
        SD_BUS_METHOD("Reload", "", "", method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Unload", "", , "us", SD_BUS_PARAM(pins_removed) SD_BUS_PARAM(bpffs_dir), method_unload,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("Thaw", "s", SD_BUS_PARAM(cgroup), "", , method_thaw, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetMode", "s", SD_BUS_PARAM(mode), "", , method_set_mode, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetRecord", "s", SD_BUS_PARAM(setting), "", , method_set_record,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ExplainMigration", "us", SD_BUS_PARAM(pid) SD_BUS_PARAM(cgroup),
                                 "bss", SD_BUS_PARAM(allowed) SD_BUS_PARAM(rule) SD_BUS_PARAM(reason),
                                 method_explain_migration, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ExplainSetns", "usu", SD_BUS_PARAM(pid) SD_BUS_PARAM(type) SD_BUS_PARAM(target_pid),
                                 "bss", SD_BUS_PARAM(allowed) SD_BUS_PARAM(rule) SD_BUS_PARAM(reason),
                                 method_explain_setns, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ExplainMove", "uus",
                                 SD_BUS_PARAM(actor_pid) SD_BUS_PARAM(task_pid) SD_BUS_PARAM(destination),
                                 "sss", SD_BUS_PARAM(verdict) SD_BUS_PARAM(rule) SD_BUS_PARAM(reason),
                                 method_explain_move, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ExplainJoin", "usu", SD_BUS_PARAM(pid) SD_BUS_PARAM(type) SD_BUS_PARAM(target_pid),
                                 "sss", SD_BUS_PARAM(verdict) SD_BUS_PARAM(rule) SD_BUS_PARAM(reason),
                                 method_explain_join, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ExplainUnshare", "us", SD_BUS_PARAM(pid) SD_BUS_PARAM(types),
                                 "sss", SD_BUS_PARAM(verdict) SD_BUS_PARAM(rule) SD_BUS_PARAM(reason),
                                 method_explain_unshare, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetMetrics", "", , "s", SD_BUS_PARAM(metrics), method_get_metrics,
                                 SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListRecentDenials", "u", SD_BUS_PARAM(max), "a(tsssss)", SD_BUS_PARAM(denials),
                                 method_list_recent_denials, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("Denied", "sssstsusssusssus",
                                 SD_BUS_PARAM(action) SD_BUS_PARAM(kind) SD_BUS_PARAM(rule) SD_BUS_PARAM(policy)
                                 SD_BUS_PARAM(generation) SD_BUS_PARAM(backend) SD_BUS_PARAM(actor_pid)
                                 SD_BUS_PARAM(actor_comm) SD_BUS_PARAM(actor_exe) SD_BUS_PARAM(actor_cgroup)
                                 SD_BUS_PARAM(task_pid) SD_BUS_PARAM(src_cgroup) SD_BUS_PARAM(dst_cgroup)
                                 SD_BUS_PARAM(ns_type) SD_BUS_PARAM(ns_inum) SD_BUS_PARAM(message), 0),
        SD_BUS_VTABLE_END
};

static int on_bus_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->bus_retry = sd_event_source_unref(m->bus_retry);
        bus_stop(m); /* one that never got our name (on_name_reply()) */
        (void) bus_connect(m, false);
        return 0;
}

static void schedule_retry(Manager *m) {
        uint64_t now;

        if (m->bus_retry)
                return;
        sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        (void) sd_event_add_time(m->event, &m->bus_retry, CLOCK_MONOTONIC, now + BUS_RETRY_USEC, 0, on_bus_retry, m);
}

static int on_bus_disconnected(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        log_warning("Lost the system bus; enforcement continues, reconnecting.");
        bus_stop(m);
        schedule_retry(m);
        return 0;
}

/* The system bus's socket file, as sd_bus_open_system() finds it ("unix:path=..."): its path and
 * inode number; 0 for another kind of address (abstract, tcp), whose callers then cannot be told
 * (the D-Bus verbs fail closed where the kernel marks connects). */
static uint64_t system_bus_socket(char **ret_path) {
        const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS") ?: "unix:path=/run/dbus/system_bus_socket";
        _cleanup_(freep) char *path = NULL;
        struct stat st;

        if (strncmp(address, "unix:path=", 10) != 0)
                return 0;
        path = strndup(address + 10, strcspn(address + 10, ",;"));
        if (!path || stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
                return 0;
        free(*ret_path);
        *ret_path = TAKE_PTR(path);
        return st.st_ino;
}

/* Did this process's connect reach the socket registered (its own mark, set by the kernel when it
 * connected, names that inode)? A socket renamed over the path between the stat() and the
 * connect, or a connect redirected elsewhere (a cgroup program on unix connects, 6.7 on), would
 * put the guard on another bus, whose daemon names callers as it likes. 1 yes, 0 no, -EOPNOTSUPP
 * where nothing records connects. */
static int bus_connect_verified(Manager *m, bool forget_first) {
        _cleanup_(closep) int self = (int) syscall(SYS_pidfd_open, getpid(), 0);

        if (self < 0 || !m->backend)
                return -EOPNOTSUPP;
        if (forget_first)
                return backend_bus_peer_forget(m->backend, self);
        return backend_bus_peer_connected(m->backend, self);
}

/* The answer to our request for the bus name (never queued behind another owner): without the
 * name nobody reaches us, and a squatter that took it while dbus-daemon restarted would get the
 * verbs and hand out Denied signals of its own: start again. */
static int on_name_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        Manager *m = userdata;
        uint32_t result = 0;

        m->bus_name_pending = false;
        if (!e && sd_bus_message_read(reply, "u", &result) >= 0 && (result == 1 || result == 4))
                return 0; /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER, _ALREADY_OWNER */
        if (e)
                log_warning("Cannot own %s on the system bus (%s: %s); retrying every 5 s.", BUS_NAME, e->name ?: "?",
                            e->message ?: "?");
        else
                log_warning("Cannot own %s on the system bus: another connection has it (reply %u); retrying every 5 s.",
                            BUS_NAME, result);
        /* Closed and connected again by the retry (on_bus_retry()), not here: closing the bus
         * inside its own dispatch left sd-bus writing to a closed connection, an assertion that
         * aborted the daemon (the reply was a NoReply from a dbus-daemon stopped for longer than
         * the call's timeout; a test under load found it). */
        schedule_retry(m);
        return 0;
}

/* At start: the answer to our name request, for BUS_CALL_TIMEOUT_USEC at most, so that the name is
 * ours before systemd hears we are ready where dbus-daemon answers, and a stopped one holds us no
 * longer (sd_bus_request_name() waited for authentication, 90 s, and Hello's reply, 25 s). */
static void bus_wait_for_name(Manager *m) {
        uint64_t deadline = monotonic_usec() + BUS_CALL_TIMEOUT_USEC, now;

        while (m->bus && m->bus_name_pending && (now = monotonic_usec()) < deadline)
                if (sd_bus_process(m->bus, NULL) <= 0 && m->bus)
                        (void) sd_bus_wait(m->bus, deadline - now);
}

/* wait_for_name: at start (bus_wait_for_name()); the retries never wait. */
/* sd-bus answers org.freedesktop.DBus.Peer.GetMachineId itself, reading /etc/machine-id at the
 * first call with a blocking open(): a FIFO renamed there for a moment held this single-threaded
 * daemon in that open until the watchdog killed it, at every restart (a review found it). The
 * guard has no use for it: refused before sd-bus's own handling (filters run first). */
static int on_bus_filter(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        if (!sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Peer", "GetMachineId"))
                return 0;
        return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_ACCESS_DENIED, "cgroup-guardd does not tell its machine ID.");
}

/* sd_bus_request_name_async() with its own timeout (the bus's is BUS_CALL_TIMEOUT_USEC). */
static int request_name(sd_bus *bus, Manager *m) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "RequestName");
        if (r >= 0)
                r = sd_bus_message_append(call, "su", BUS_NAME, 0);
        if (r >= 0)
                r = sd_bus_call_async(bus, NULL, call, on_name_reply, m, BUS_NAME_TIMEOUT_USEC);
        return r;
}

static int bus_connect(Manager *m, bool wait_for_name) {
        _cleanup_(sd_bus_close_unrefp) sd_bus *bus = NULL;
        int r;

        /* The socket is registered before the connect, and this process's mark cleared: the
         * kernel marks it anew only for a connect that reaches that socket. */
        m->bus_socket_ino = system_bus_socket(&m->bus_socket_path);
        if (m->bus_socket_ino && m->backend) {
                backend_set_bus_socket(m->backend, m->bus_socket_ino, m->bus_socket_path);
                (void) bus_connect_verified(m, true);
        }
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_set_method_call_timeout(bus, BUS_CALL_TIMEOUT_USEC);
        if (r >= 0)
                r = sd_bus_add_filter(bus, NULL, on_bus_filter, m);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, BUS_PATH, BUS_INTERFACE, manager_vtable, m);
        if (r >= 0)
                r = sd_bus_match_signal_async(bus, NULL, "org.freedesktop.DBus.Local", NULL, "org.freedesktop.DBus.Local",
                                              "Disconnected", on_bus_disconnected, NULL, m);
        if (r >= 0)
                r = request_name(bus, m);
        if (r >= 0)
                r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                /* Said once; the retries every 5 s stay quiet until the bus is there. */
                log_full_errno(m->bus_unavailable_logged ? LOG_DEBUG : LOG_WARNING, r,
                               "No system bus (%m); the guard works and logs without it, retrying every 5 s.");
                m->bus_unavailable_logged = true;
                schedule_retry(m);
                return r;
        }
        m->bus = TAKE_PTR(bus);
        m->bus_name_pending = true;
        m->bus_unavailable_logged = false;
        if (m->bus_socket_ino && bus_connect_verified(m, false) == 0) {
                log_error("The system bus cgroup-guardd connected to is not the socket at %s it registered (renamed "
                          "over, or the connect redirected): its D-Bus off-switches are refused until it connects again.",
                          m->bus_socket_path);
                m->bus_socket_ino = 0;
                backend_set_bus_socket(m->backend, 0, NULL);
        }
        log_info("Serving %s on the system bus.", BUS_NAME);
        if (wait_for_name)
                bus_wait_for_name(m);
        return 0;
}

int bus_start(Manager *m) {
        return bus_connect(m, true);
}

void bus_close(Manager *m) {
        if (m->bus) {
                /* A reference of our own: a callback dispatched meanwhile (Disconnected) may stop the bus. */
                _cleanup_(sd_bus_unrefp) sd_bus *bus = sd_bus_ref(m->bus);

                bus_flush_bounded(bus);
        }
        bus_stop(m);
}

void bus_stop(Manager *m) {
        if (!m->bus)
                return;
        sd_bus_detach_event(m->bus);
        /* Not flushed: a stopped dbus-daemon would hold the flush for as long as it stays so. */
        m->bus = sd_bus_close_unref(m->bus);
}

/* Signals wait for as long as dbus-daemon reads nothing (stopped: a confined root may SIGSTOP
 * it): in the socket's send buffer (sd-bus asks for 8 MiB), then in sd-bus's write queue, which
 * takes some 384k messages, hundreds of megabytes (a review found it). Past BUS_BACKLOG_BYTES
 * unread in the socket or BUS_BACKLOG_MESSAGES in the queue a signal is dropped and counted: the
 * journal has every denial. A dbus-daemon that merely lags reads that much in milliseconds. */
#define BUS_BACKLOG_BYTES (256U * 1024U)
#define BUS_BACKLOG_MESSAGES 64U

static bool bus_backlog_full(sd_bus *bus, unsigned fraction) {
        uint64_t queued = 0;
        int unread = 0, fd = sd_bus_get_fd(bus);

        if (sd_bus_get_n_queued_write(bus, &queued) >= 0 && queued >= BUS_BACKLOG_MESSAGES / fraction)
                return true;
        return fd >= 0 && ioctl(fd, SIOCOUTQ, &unread) >= 0 && (unsigned) unread >= BUS_BACKLOG_BYTES / fraction;
}

static bool bus_signal_room(Manager *m) {
        if (!m->bus)
                return false;
        if (!bus_backlog_full(m->bus, 1))
                return true;
        if (!m->bus_backlogged)
                log_warning("The system bus reads nothing from us: D-Bus signals are dropped until it does. The "
                            "journal has every denial.");
        m->bus_backlogged = true;
        m->bus_signals_dropped++;
        return false;
}

void bus_check_backlog(Manager *m) {
        if (!m->bus_backlogged || (m->bus && bus_backlog_full(m->bus, 2)))
                return;
        log_notice("The system bus %s: %" PRIu64 " D-Bus signals were dropped while it read nothing.",
                   m->bus ? "reads again" : "is gone", m->bus_signals_dropped - m->bus_signals_dropped_reported);
        m->bus_signals_dropped_reported = m->bus_signals_dropped;
        m->bus_backlogged = false;
}

void bus_emit_denied(Manager *m, const struct guard_event *e, const EventText *t, const EventNames *n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *signal = NULL;
        int r;

        if (!bus_signal_room(m))
                return;
        r = sd_bus_message_new_signal(m->bus, &signal, BUS_PATH, BUS_INTERFACE, "Denied");
        if (r >= 0 && (r = append_string(signal, t->action)) >= 0 && (r = append_string(signal, t->kind)) >= 0 &&
            (r = append_string(signal, t->rule_name)) >= 0 && (r = append_string(signal, t->policy_file)) >= 0 &&
            (r = sd_bus_message_append(signal, "t", (uint64_t) e->generation)) >= 0 &&
            (r = append_string(signal, n->backend)) >= 0 && (r = sd_bus_message_append(signal, "u", e->actor_tgid)) >= 0 &&
            (r = append_string(signal, t->actor_comm)) >= 0 && (r = append_string(signal, n->actor_exe)) >= 0 &&
            (r = append_string(signal, n->actor_cgroup)) >= 0 && (r = sd_bus_message_append(signal, "u", e->task_pid)) >= 0 &&
            (r = append_string(signal, n->src_cgroup)) >= 0 && (r = append_string(signal, n->dst_cgroup)) >= 0 &&
            (r = append_string(signal, ns_type_to_string(e->ns_type))) >= 0 &&
            (r = sd_bus_message_append(signal, "u", e->ns_inum)) >= 0 && (r = append_string(signal, t->message)) >= 0)
                r = sd_bus_send(m->bus, signal, NULL);
        if (r < 0)
                log_debug("Cannot send the Denied signal: %s", strerror(-r));
}

void bus_emit_state_changed(Manager *m) {
        if (!bus_signal_room(m))
                return;
        (void) sd_bus_emit_properties_changed(m->bus, BUS_PATH, BUS_INTERFACE, "Mode", "Recording", "RecordSetting",
                                              "PolicyGeneration",
                                              "PolicyFiles", "LastPolicyError", "Rules", "Denials", "Audits",
                                              "LostEvents", "PolicyMapSize", "PolicyMapEntries", NULL);
}
