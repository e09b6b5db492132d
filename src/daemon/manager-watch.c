/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What triggers a reload: SIGHUP, the policy directory (or, while it does not exist, its nearest
 * ancestor) and the directories of the executables the rules name, watched by inotify; changes
 * are debounced into one reload. */
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
#include "policy-units.h"
#include "process-util.h"
#include "response.h"
#include "string-util.h"

#define RELOAD_DEBOUNCE_USEC (100 * USEC_PER_MSEC)
#define RELOAD_DEBOUNCE_MAX_USEC (2 * USEC_PER_SEC)

static int on_reload_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->reload_deadline = 0;
        (void) manager_reload(m);
        return 0;
}

/* Editors write temp files and rename them into place: wait for the burst to end, but never
 * longer than RELOAD_DEBOUNCE_MAX_USEC after its first change, or anyone with write access to the
 * directory could postpone reloads for as long as a rename storm lasts. */
void schedule_reload(Manager *m) {
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

/* Would policy_resolve_units() decide otherwise now: a unit file installed for an entry left out,
 * or gone for one kept (a package removed: its name is anyone's transient unit's again)? */
static bool unit_files_changed(Manager *m) {
        for (size_t i = 0; i < m->policy.n_rules; i++) {
                const PolicyRule *r = &m->policy.rules[i];
                char **lists[4] = { r->from, r->to, r->from_dropped, r->to_dropped };

                for (unsigned k = 0; k < 4; k++)
                        for (char **t = lists[k]; t && *t; t++) {
                                _cleanup_(freep) char *unit = NULL;

                                if (policy_pattern_unit_file(*t, &unit) > 0 && policy_unit_file_exists(unit) != (k < 2))
                                        return true;
                        }
        }
        return false;
}

static int on_unit_dir_change(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        Manager *m = userdata;

        if (m->reload_timer && m->reload_deadline != 0)
                return 0;
        if (!unit_files_changed(m))
                return 0;
        log_info("A unit file an allow entry names came or went (%s): reloading.", ev->len > 0 ? ev->name : "");
        schedule_reload(m);
        return 0;
}

static bool policy_names_units(const Policy *p) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                if (r->from_dropped || r->to_dropped)
                        return true;
                for (unsigned k = 0; k < 2; k++)
                        for (char **t = k == 0 ? r->from : r->to; t && *t; t++) {
                                _cleanup_(freep) char *unit = NULL;

                                if (policy_pattern_unit_file(*t, &unit) > 0)
                                        return true;
                        }
        }
        return false;
}

/* Every directory an exe rule's file is in, by its path and by the path its symlinks lead to:
 * renames and new files there re-resolve the executables (a new generation if any changed); and
 * the unit file directories, when allow entries name services (policy_resolve_units()). */
void watch_executables(Manager *m) {
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
        for (const char *const *dir = policy_names_units(&m->policy) ? policy_unit_dirs : NULL;
             dir && *dir && m->n_exe_watches < ELEMENTSOF(m->exe_watches); dir++)
                if (sd_event_add_inotify(m->event, &m->exe_watches[m->n_exe_watches], *dir,
                                         IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR,
                                         on_unit_dir_change, m) >= 0)
                        m->n_exe_watches++;
        /* The old watches' queued events went with them: a file renamed after this generation
         * resolved the executables and before these watches were in place (an upgrade during a
         * reload) left no event, and the rule kept the old file (vm-tamper). Look once; not after
         * a failed reload, which keeps the old policy (and would only fail again). */
        if (m->last_reload_ok && executables_changed(m)) {
                log_info("A file an exe rule names changed during the reload: resolving the executables again.");
                schedule_reload(m);
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
void watch_policy_dir(Manager *m) {
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

int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        log_info("SIGHUP received, reloading the policy.");
        (void) manager_reload(userdata);
        return 0;
}
