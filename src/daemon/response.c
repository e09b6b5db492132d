/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-path.h"
#include "cgroupfs.h"
#include "macro.h"
#include "process-util.h"
#include "response.h"

const char *response_refusal(const char *cgroup, const char *own_cgroup) {
        if (!cgroup)
                return "the actor's cgroup is unknown";
        if (streq(cgroup, "/"))
                return "it is the root cgroup";
        if (cgroup_path_startswith(cgroup, "/init.scope"))
                return "it is PID 1's cgroup";
        if (own_cgroup && cgroup_path_startswith(own_cgroup, cgroup))
                return "it holds cgroup-guardd itself";
        return NULL;
}

_printf_(1, 2) static char *text(const char *format, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

/* A pidfd for the offender, if the process behind t->pid is still the one that acted. */
static int open_offender(const ResponseTarget *t) {
        _cleanup_(closep) int fd = (int) syscall(SYS_pidfd_open, t->pid, 0);
        uint64_t started;

        if (fd < 0)
                return -errno;
        /* Checked with the pidfd open: from now on the pid cannot go to another process. */
        if (pid_start_boottime_usec(t->pid, &started) < 0 || started > t->acted_usec)
                return -ESRCH;
        return TAKE_FD(fd);
}

static char *kill_offender(const ResponseTarget *t) {
        _cleanup_(closep) int fd = open_offender(t);
        _cleanup_(freep) char *comm = NULL;

        if (fd < 0)
                return text("not killed: pid %u is gone", t->pid);
        comm = pid_comm(t->pid);
        if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0)
                return text("failed to kill pid %u: %s", t->pid, strerror(errno));
        return text("killed pid %u (%s)", t->pid, comm ?: "?");
}

/* Why t->cgroup is not the offender's own unit, or NULL if it is (see response.h). */
static char *not_a_unit(const char *mount, const ResponseTarget *t) {
        _cleanup_(freep) char *current = NULL, *dir = NULL, *procs = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        uint32_t other_ruid, other_euid;
        struct dirent *de;
        unsigned pid;

        if (cgroup2_path_of_pid(t->pid, &current) < 0)
                return text("pid %u is gone", t->pid);
        if (!streq(current, t->cgroup))
                return text("pid %u has left %s", t->pid, t->cgroup);
        dir = text("%s%s", mount, t->cgroup);
        d = dir ? opendir(dir) : NULL;
        if (!d)
                return text("%s cannot be read", t->cgroup);
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && !streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return text("%s has child cgroups (freezing it would freeze them too)", t->cgroup);
        procs = text("%s/cgroup.procs", dir);
        f = procs ? fopen(procs, "re") : NULL;
        if (!f)
                return text("%s cannot be read", t->cgroup);
        while (fscanf(f, "%u", &pid) == 1)
                if (pid_uids(pid, &other_ruid, &other_euid) >= 0 && (other_ruid != t->uid || other_euid != t->uid))
                        return text("%s holds processes of other users (pid %u runs as uid %u, the offender as uid %u)",
                                    t->cgroup, pid, other_ruid != t->uid ? other_ruid : other_euid, t->uid);
        return NULL;
}

/* Could a process of uid write cgroup's cgroup.freeze (and thaw it)? By owner and mode; group- or
 * world-writable counts as writable, since we do not know the offender's supplementary groups.
 * Root writes every one. */
static bool freeze_writable_by(const char *mount, const char *cgroup, uint32_t uid) {
        _cleanup_(freep) char *fn = text("%s%s/cgroup.freeze", mount, streq(cgroup, "/") ? "" : cgroup);
        struct stat st;

        if (uid == 0)
                return true;
        if (!fn || stat(fn, &st) < 0)
                return true; /* unknown: assume the worst */
        return (st.st_uid == uid && (st.st_mode & S_IWUSR)) || (st.st_mode & (S_IWGRP | S_IWOTH));
}

/* Why the subtree at dir (the cgroup named cgroup) holds a process not running entirely as uid,
 * or NULL if it holds none. */
static char *foreign_process_in(const char *dir, const char *cgroup, uint32_t uid) {
        _cleanup_(freep) char *procs = text("%s/cgroup.procs", dir);
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        uint32_t ruid, euid;
        struct dirent *de;
        unsigned pid;

        f = procs ? fopen(procs, "re") : NULL;
        if (!f)
                return text("%s cannot be read", cgroup);
        while (fscanf(f, "%u", &pid) == 1)
                if (pid_uids(pid, &ruid, &euid) >= 0 && (ruid != uid || euid != uid))
                        return text("%s holds processes of other users (pid %u runs as uid %u, the offender as uid %u)",
                                    cgroup, pid, ruid != uid ? ruid : euid, uid);
        d = opendir(dir);
        if (!d)
                return text("%s cannot be read", cgroup);
        while ((de = readdir(d))) {
                _cleanup_(freep) char *sub = NULL, *subdir = NULL, *why = NULL;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                sub = text("%s/%s", cgroup, de->d_name);
                subdir = text("%s/%s", dir, de->d_name);
                if (!sub || !subdir)
                        return text("out of memory");
                why = foreign_process_in(subdir, sub, uid);
                if (why)
                        return TAKE_PTR(why);
        }
        return NULL;
}

/* The protect rule whose subtree holds cgroup, or NULL. */
static const char *protected_by(const Policy *policy, const char *cgroup) {
        for (size_t i = 0; policy && i < policy->n_rules; i++) {
                const PolicyRule *rule = &policy->rules[i];

                if (rule->kind == POLICY_RULE_PROTECT && rule->cgroup && cgroup_pattern_covers(rule->cgroup, cgroup, NULL))
                        return rule->cgroup;
        }
        return NULL;
}

/* The offender's own cgroup t->cgroup, if its user could not thaw it; else the nearest ancestor
 * its user cannot write, if freezing that one touches nobody else (see response.h). *ret: the
 * cgroup to freeze (t->cgroup or an ancestor); returns why there is none, or NULL. */
static char *freeze_target(const char *mount, const char *own_cgroup, const Policy *policy, const ResponseTarget *t,
                           char **ret) {
        _cleanup_(freep) char *up = NULL, *dir = NULL, *why = NULL;
        const char *refusal, *rule;
        char *slash;

        if (t->uid == 0 || !freeze_writable_by(mount, t->cgroup, t->uid)) {
                *ret = strdup(t->cgroup);
                return *ret ? NULL : text("out of memory");
        }
        up = strdup(t->cgroup);
        if (!up)
                return text("out of memory");
        for (;;) {
                slash = strrchr(up, '/');
                if (slash == up)
                        slash[1] = '\0';
                else
                        *slash = '\0';
                refusal = response_refusal(up, own_cgroup);
                if (refusal)
                        return text("uid %u can write cgroup.freeze of %s and of every cgroup up to %s, and %s", t->uid,
                                    t->cgroup, up, refusal);
                rule = protected_by(policy, up);
                if (rule)
                        return text("uid %u can write cgroup.freeze of %s, and the nearest cgroup above it that it cannot "
                                    "write is not %s: %s is protected (%s)", t->uid, t->cgroup, up, up, rule);
                if (!freeze_writable_by(mount, up, t->uid))
                        break;
        }
        dir = text("%s%s", mount, up);
        why = dir ? foreign_process_in(dir, up, t->uid) : text("out of memory");
        if (why)
                return text("uid %u can write cgroup.freeze of %s, and above it %s", t->uid, t->cgroup, why);
        *ret = TAKE_PTR(up);
        return NULL;
}

static char *freeze_offender(const char *mount, const char *own_cgroup, const Policy *policy, const ResponseTarget *t) {
        _cleanup_(closep) int fd = open_offender(t);
        _cleanup_(freep) char *why = NULL, *target = NULL;
        int r;

        if (fd < 0)
                return text("not frozen: pid %u is gone", t->pid);
        why = not_a_unit(mount, t);
        if (!why)
                why = freeze_target(mount, own_cgroup, policy, t, &target);
        if (why)
                return text("not frozen: %s", why);
        r = cgroup2_write_file(mount, target, "cgroup.freeze", "1");
        if (r < 0)
                return text("failed to freeze %s: %s", target, strerror(-r));
        if (!streq(target, t->cgroup))
                return text("froze %s (above the offender's %s, whose cgroup.freeze its user can write)", target, t->cgroup);
        return text("froze %s", target);
}

char *response_apply(const char *mount, const char *own_cgroup, const Policy *policy, const ResponseTarget *t,
                     PolicyAction action) {
        const char *refusal;

        if (action != POLICY_ACTION_DENY_KILL && action != POLICY_ACTION_DENY_FREEZE)
                return NULL;
        refusal = response_refusal(t->cgroup, own_cgroup);
        if (refusal && action == POLICY_ACTION_DENY_KILL)
                return text("refused to kill pid %u in %s: %s", t->pid, t->cgroup ?: "(unknown)", refusal);
        if (refusal)
                return text("refused to freeze %s: %s", t->cgroup ?: "(unknown)", refusal);
        return action == POLICY_ACTION_DENY_KILL ? kill_offender(t) : freeze_offender(mount, own_cgroup, policy, t);
}
