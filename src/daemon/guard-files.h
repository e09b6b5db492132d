/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The guard_objects keys (GUARD_OBJ_FILE, guard_file_key()) of the files this process runs and
 * of the names on the way to them, and of the names of extra (NULL: none; e.g. the system bus's
 * socket, whose callers the guard tells apart by it). *ret_keys is the caller's to free. */
int guard_files_collect(const char *extra, uint64_t **ret_keys, size_t *ret_n);
