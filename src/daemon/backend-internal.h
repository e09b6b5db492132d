/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the backend's modules (bpf-backend.c: load, attach, adopt, generations;
 * backend-pins.c: the pins read and removed; backend-guarantees.c), not by the rest of the daemon. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_ITER_PIN "cgroups"       /* the cgroup iterator's link, `cat`-able */

/* The build record pinned beside the maps (map_guard_meta): which build, which backend, which
 * daemon. */
#define META_MAGIC 0x63677264756172ULL /* "cgrduar" */
enum { META_MAGIC_SLOT, META_BUILD_SLOT, META_KIND_SLOT, META_PID_SLOT, _META_SLOTS };

/* "DIR/PREFIXNAME", or NULL (out of memory). */
char *pin_path(const char *dir, const char *prefix, const char *name);
int read_meta(const char *dir, uint64_t meta[_META_SLOTS]);
int open_pinned_map(const char *dir, const char *name);
/* Entries in a generation map. */
unsigned count_entries(int generation_fd);
/* pid runs the same executable as we do. */
bool same_executable(pid_t pid);
