/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The guard_objects keys (GUARD_OBJ_FILE, guard_file_key()) of the files this process runs and
 * of the names on the way to them, and of the names of each path in extra (NULL-terminated, or
 * NULL: none; e.g. the system bus's socket, whose callers the guard tells apart by it, and the
 * usermode helpers' programs). *ret_keys is the caller's to free. */
int guard_files_collect(char *const *extra, uint64_t **ret_keys, size_t *ret_n);

/* The program a usermode helper setting's value names (piped: kernel.core_pattern, where only
 * "|program ..." names one), as an absolute path to free; NULL with errno ENOENT when it names
 * none, ENOMEM. */
char *usermode_helper_program(const char *setting, bool piped);

/* The programs the kernel runs as usermode helpers on this machine, as the settings name them
 * now (kernel.modprobe, kernel.core_pattern, kernel.hotplug, kernel.poweroff_cmd) and by their
 * fixed names (/sbin/reboot, /sbin/request-key, /sbin/bridge-stp): paths filled from the first
 * slot on, the rest NULL. -ENOMEM (nothing left to free). */
#define USERMODE_HELPERS_MAX 7
int usermode_helper_programs(char *paths[static USERMODE_HELPERS_MAX]);
void usermode_helper_programs_free(char *paths[static USERMODE_HELPERS_MAX]);
