/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* What /proc says about a process; NULL if it is gone. Caller frees. */
char *pid_exe_path(uint32_t pid);
char *pid_comm(uint32_t pid);
/* Inode number of pid's namespace named ns ("net", "uts", ...), from /proc/PID/ns/NAME. */
int pid_ns_inum(uint32_t pid, const char *ns, uint32_t *ret);
/* When pid started, in microseconds of CLOCK_BOOTTIME (/proc/PID/stat, clock-tick resolution). */
int pid_start_boottime_usec(uint32_t pid, uint64_t *ret);
/* pid's real and effective user ids (/proc/PID/status). */
int pid_uids(uint32_t pid, uint32_t *ret_ruid, uint32_t *ret_euid);
