/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <stdio.h>

/* /proc as the daemon reads it: a proc file system of its own (fsopen(), fsmount()), where
 * nothing can be mounted over a file; where that cannot be made, /proc opened
 * once. Either is verified at start (a proc file system, its root, the one of our pid namespace:
 * "self" names us), then every /proc/PID/NAME below is resolved beneath it without crossing a
 * mount (open_beneath_same_mount()): something mounted over /proc/PID/cgroup in a mount
 * namespace we share (a root there) is refused (-EXDEV), not read. Returns 0 or -errno; until it
 * is called (the CLI) the readers open paths. */
int proc_open_root(void);
void proc_close_root(void);
/* The daemon's: our own proc attached and unmounted again at once, so that nobody can move,
 * copy or change its mount (detached, whoever may read /proc/PID/fd/N could). */
int proc_seal_root(void);
/* The kernel's dev_t (major << 20 | minor) of our own proc file system, 0 if we read /proc (tamper
 * protection refuses others to move or remount ours: GUARD_OBJ_OWN_PROC). */
uint64_t proc_own_dev(void);
/* /proc/PID/NAME (NAME NULL: /proc/PID itself), opened with flags, or -errno. */
int proc_pid_open(uint32_t pid, const char *name, int flags);
/* The same as a stream ("re"); NULL with errno set. */
FILE *proc_pid_fopen(uint32_t pid, const char *name);

/* /proc/NAME, NAME a path below /proc ("cmdline", "sys/kernel/modprobe", "1/mountinfo"; no
 * symlinks: not "self"), where the daemon decides by what it reads: beneath the verified root
 * (proc_open_root(), called now if it was not) without crossing a mount, never by path. A file
 * bound over it in a mount namespace we share (a confined root faking /proc/cmdline for a
 * restart) is refused (-EXDEV), not read. Returns an fd or -errno. */
int proc_open(const char *name, int flags);
/* The same as a stream ("re"); NULL with errno set. */
FILE *proc_fopen(const char *name);

/* The same for a path "/proc/..." ("/proc/self/..." as our pid's directory). */
FILE *proc_fopen_path(const char *path);
/* The inode number of namespace ns ("mnt") of the process /proc/PID names (PID: "1"), read
 * beneath the verified root (readlink of /proc/PID/ns/NS), or 0. */
uint32_t proc_ns_inode(const char *pid, const char *ns);

/* What /proc says about a process; NULL if it is gone. Caller frees. */
char *pid_exe_path(uint32_t pid);
char *pid_comm(uint32_t pid);
/* pid's executable's path if it is still the file dev (st_dev) and ino: 1 and *ret_path; 0 if pid
 * runs another executable by now (*ret_path untouched); -errno if it is gone. */
int pid_exe_path_if_same(uint32_t pid, dev_t dev, ino_t ino, char **ret_path);
/* Inode number of pid's namespace named ns ("net", "uts", ...), from /proc/PID/ns/NAME. */
int pid_ns_inum(uint32_t pid, const char *ns, uint32_t *ret);
/* When pid started, in microseconds of CLOCK_BOOTTIME (/proc/PID/stat, clock-tick resolution). */
int pid_start_boottime_usec(uint32_t pid, uint64_t *ret);
/* pid's real and effective user ids (/proc/PID/status). */
int pid_uids(uint32_t pid, uint32_t *ret_ruid, uint32_t *ret_euid);
/* How many threads pid's process has (/proc/PID/status). */
int pid_threads(uint32_t pid, uint32_t *ret);
/* The uid a process runs as, if all of its real, effective and saved uids are that one; -EPERM if
 * they differ (a setuid program in the middle of a change), -errno if it is gone. */
int pid_uid(uint32_t pid, uid_t *ret);
/* Whether uid may read what /proc shows of pid to a process ptrace could read it with (its
 * executable, its namespaces): root, or pid runs entirely as uid and is dumpable (its /proc/PID is
 * uid's: setuid and setgid executables and prctl(PR_SET_DUMPABLE, 0) make it root's). */
bool pid_inspectable_by(uint32_t pid, uid_t uid);
/* Whether a /proc/PID/mountinfo stream lists the mount with this id (its first field). */
bool mountinfo_has_mount_id(FILE *mountinfo, uint64_t mnt_id);
