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

static char *kill_offender(const ResponseTarget *t, const char *own_cgroup) {
        _cleanup_(closep) int fd = open_offender(t);
        _cleanup_(freep) char *comm = NULL, *current = NULL;
        const char *refusal;

        if (fd < 0)
                return text("not killed: pid %u is gone", t->pid);
        /* The start time is known to a clock tick only: a process forked onto the pid within the
         * tick (ns_last_pid) passes for the offender. The offender is where it acted, or where
         * it moved itself (observe reports moves made); what PID 1, sshd or a socket unit
         * started on that pid since is elsewhere (a review found it). */
        if (cgroup2_path_of_pid(t->pid, &current) < 0 ||
            (!streq(current, t->cgroup) && !(t->moved_to && streq(current, t->moved_to))))
                return text("not killed: pid %u is no longer in %s", t->pid, t->cgroup);
        refusal = response_refusal(current, own_cgroup);
        if (refusal || t->pid == (uint32_t) getpid())
                return text("refused to kill pid %u: %s", t->pid, refusal ?: "it is cgroup-guardd");
        comm = pid_comm(t->pid);
        if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0)
                return text("failed to kill pid %u: %s", t->pid, strerror(errno));
        return text("killed pid %u (%s)", t->pid, comm ?: "?");
}

/* The directory dir_fd, read from its start (a dup: each reader gets its own position). */
static DIR *open_dir(int dir_fd) {
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d)
                close(fd);
        return d;
}

/* Why some process in cgroup.procs of dir_fd does not run entirely as uid, or NULL. */
static char *foreign_process_here(int dir_fd, const char *cgroup, uint32_t uid) {
        _cleanup_(fclosep) FILE *f = NULL;
        int fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        uint32_t ruid, euid;
        unsigned pid;

        f = fd >= 0 ? fdopen(fd, "re") : NULL;
        if (!f) {
                if (fd >= 0)
                        close(fd);
                return text("%s cannot be read", cgroup);
        }
        while (fscanf(f, "%u", &pid) == 1)
                if (pid_uids(pid, &ruid, &euid) >= 0 && (ruid != uid || euid != uid))
                        return text("%s holds processes of other users (pid %u runs as uid %u, the offender as uid %u)",
                                    cgroup, pid, ruid != uid ? ruid : euid, uid);
        return NULL;
}

/* Why t->cgroup is not the offender's own unit, or NULL if it is (see response.h). dir_fd: that
 * cgroup, opened by id. */
static char *not_a_unit(int dir_fd, const ResponseTarget *t) {
        _cleanup_(freep) char *current = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (cgroup2_path_of_pid(t->pid, &current) < 0)
                return text("pid %u is gone", t->pid);
        if (!streq(current, t->cgroup))
                return text("pid %u has left %s", t->pid, t->cgroup);
        d = open_dir(dir_fd);
        if (!d)
                return text("%s cannot be read", t->cgroup);
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && !streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        return text("%s has child cgroups (freezing it would freeze them too)", t->cgroup);
        return foreign_process_here(dir_fd, t->cgroup, t->uid);
}

/* Could a process of uid write cgroup.freeze in dir_fd (and thaw it)? By owner and mode; group-
 * or world-writable counts as writable, since we do not know the offender's supplementary
 * groups. Root writes every one. */
static bool freeze_writable_by(int dir_fd, uint32_t uid) {
        struct stat st;

        if (uid == 0)
                return true;
        if (dir_fd < 0 || fstatat(dir_fd, "cgroup.freeze", &st, AT_SYMLINK_NOFOLLOW) < 0)
                return true; /* unknown: assume the worst */
        return (st.st_uid == uid && (st.st_mode & S_IWUSR)) || (st.st_mode & (S_IWGRP | S_IWOTH));
}

/* The most cgroups one freeze response reads (each its cgroup.procs and every pid's status): an
 * offender's delegated subtree of 50,000 empty cgroups held the single-threaded daemon for a
 * second per event, past the watchdog within one batch (a review found it). Beyond, no freeze. */
#define FOREIGN_SCAN_MAX 512

/* Why the subtree at dir_fd (the cgroup named cgroup) holds a process not running entirely as
 * uid, or NULL if it holds none; *budget: cgroups left to read. */
static char *foreign_process_in(int dir_fd, const char *cgroup, uint32_t uid, unsigned *budget) {
        _cleanup_(closedirp) DIR *d = NULL;
        char *why;
        struct dirent *de;

        if (*budget == 0)
                return text("the subtree holds more than %u cgroups to check", FOREIGN_SCAN_MAX);
        (*budget)--;
        why = foreign_process_here(dir_fd, cgroup, uid);
        if (why)
                return why;
        d = open_dir(dir_fd);
        if (!d)
                return text("%s cannot be read", cgroup);
        while ((de = readdir(d))) {
                _cleanup_(freep) char *sub = NULL;
                _cleanup_(closep) int sub_fd = -EBADF;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                sub = text("%s/%s", cgroup, de->d_name);
                if (!sub)
                        return text("out of memory");
                /* A mount over a child is a crossing: refused, so the subtree counts as unreadable. */
                sub_fd = cgroup2_open_at(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY);
                if (sub_fd < 0)
                        return text("%s cannot be read", sub);
                why = foreign_process_in(sub_fd, sub, uid, budget);
                if (why)
                        return why;
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

/* The offender's own cgroup t->cgroup (own_fd), if its user could not thaw it; else the nearest
 * ancestor its user cannot write, if freezing that one touches nobody else (see response.h).
 * *ret_fd: the cgroup to freeze; *ret: its name. Returns why there is none, or NULL. */
static char *freeze_target(int root_fd, int own_fd, const char *own_cgroup, const Policy *policy,
                           const ResponseTarget *t, int *ret_fd, char **ret) {
        _cleanup_(freep) char *up = NULL, *why = NULL;
        _cleanup_(closep) int up_fd = -EBADF;
        const char *refusal, *rule;
        char *slash;

        if (t->uid == 0 || !freeze_writable_by(own_fd, t->uid)) {
                *ret = strdup(t->cgroup);
                if (!*ret)
                        return text("out of memory");
                *ret_fd = fcntl(own_fd, F_DUPFD_CLOEXEC, 3);
                return *ret_fd >= 0 ? NULL : text("%s cannot be read", t->cgroup);
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
                /* Beneath the root, no mount crossed: a directory mounted over an ancestor is
                 * another cgroup, never frozen in its place. */
                closep(&up_fd);
                up_fd = cgroup2_open_at(root_fd, up, O_RDONLY | O_DIRECTORY);
                if (up_fd < 0)
                        return text("uid %u can write cgroup.freeze of %s, and %s cannot be read", t->uid, t->cgroup, up);
                if (!freeze_writable_by(up_fd, t->uid))
                        break;
        }
        unsigned budget = FOREIGN_SCAN_MAX;

        why = foreign_process_in(up_fd, up, t->uid, &budget);
        if (why)
                return text("uid %u can write cgroup.freeze of %s, and above it %s", t->uid, t->cgroup, why);
        *ret_fd = TAKE_FD(up_fd);
        *ret = TAKE_PTR(up);
        return NULL;
}

static char *freeze_offender(int root_fd, const char *own_cgroup, const Policy *policy, const ResponseTarget *t) {
        _cleanup_(closep) int fd = open_offender(t), own_fd = -EBADF, target_fd = -EBADF;
        _cleanup_(freep) char *why = NULL, *target = NULL;
        int r;

        if (fd < 0)
                return text("not frozen: pid %u is gone", t->pid);
        /* By the id the kernel reported, not by the path: whatever is mounted over that
         * directory in our mount namespace, this is the cgroup the offender acted from. */
        if (t->cgroup_id == 0)
                return text("not frozen: the id of %s is unknown", t->cgroup);
        own_fd = cgroup2_open_by_id(root_fd, t->cgroup_id);
        if (own_fd < 0)
                return text("not frozen: %s is gone", t->cgroup);
        why = not_a_unit(own_fd, t);
        if (!why)
                why = freeze_target(root_fd, own_fd, own_cgroup, policy, t, &target_fd, &target);
        if (why)
                return text("not frozen: %s", why);
        r = cgroup2_write_file_at(target_fd, "cgroup.freeze", "1");
        if (r < 0)
                return text("failed to freeze %s: %s", target, strerror(-r));
        if (!streq(target, t->cgroup))
                return text("froze %s (above the offender's %s, whose cgroup.freeze its user can write)", target, t->cgroup);
        return text("froze %s", target);
}

char *response_apply(int cgroup_root_fd, const char *own_cgroup, const Policy *policy, const ResponseTarget *t,
                     PolicyAction action) {
        const char *refusal;

        if (action != POLICY_ACTION_DENY_KILL && action != POLICY_ACTION_DENY_FREEZE)
                return NULL;
        refusal = response_refusal(t->cgroup, own_cgroup);
        if (refusal && action == POLICY_ACTION_DENY_KILL)
                return text("refused to kill pid %u in %s: %s", t->pid, t->cgroup ?: "(unknown)", refusal);
        if (refusal)
                return text("refused to freeze %s: %s", t->cgroup ?: "(unknown)", refusal);
        return action == POLICY_ACTION_DENY_KILL ? kill_offender(t, own_cgroup) : freeze_offender(cgroup_root_fd, own_cgroup, policy, t);
}
