/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the backend's modules (bpf-backend.c: load, attach, adopt; backend-generation.c: the
 * policy generations; backend-pins.c: pinning, the pins read and removed; backend-tamper.c: self
 * protection; backend-guarantees.c), not by the rest of the daemon. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf-backend.h"
#include "bpf-info.h"

struct btf;

#define CGROUP_ITER_PIN "cgroups"       /* the cgroup iterator's link, `cat`-able */

/* The build record pinned beside the maps (map_guard_meta): which build, which backend, which
 * daemon, which pin directory (pin_dir_hash(): a set found in the kernel whose pins are not where
 * its directory's path leads is hidden there, backend_start() refuses to load a second one). */
#define META_MAP_NAME "guard_meta"   /* made by the daemon, not in the BPF objects */
#define META_MAGIC 0x63677264756172ULL /* "cgrduar" */
enum { META_MAGIC_SLOT, META_BUILD_SLOT, META_KIND_SLOT, META_PID_SLOT, META_DIR_SLOT, _META_SLOTS };

/* "DIR/PREFIXNAME", or NULL (out of memory). */
char *pin_path(const char *dir, const char *prefix, const char *name);
int read_meta(const char *dir, uint64_t meta[_META_SLOTS]);
int read_meta_fd(int fd, uint64_t meta[_META_SLOTS]);
/* Is fd a map of this type whose keys and values fit buffers of these sizes? */
bool map_layout_fits(int fd, uint32_t type, uint32_t key_size, uint32_t value_size);
/* Exactly these sizes: a map read back whole, whose fields are all trusted. */
bool map_layout_is(int fd, uint32_t type, uint32_t key_size, uint32_t value_size);
/* The pin directory's path, as the build record keeps it (META_DIR_SLOT). */
uint64_t pin_dir_hash(const char *dir);
int open_pinned_map(const char *dir, const char *name);
/* Entries in a generation map. */
unsigned count_entries(int generation_fd);
/* pid runs the same executable as we do. */
bool same_executable(pid_t pid);

/* The build's id (FNV-1a of the backend's BPF object), as the build record holds it. */
uint64_t backend_build_id(BackendKind kind);

/* Pins fd as DIR/PREFIXNAME, replacing what was there only once the new object is in place. */
int pin_replace(int fd, const char *dir, const char *prefix, const char *name);
/* Pins the build record (map_guard_meta) of kind into dir. */
int write_meta(Backend *b, const char *dir, BackendKind kind);
void record_daemon_pid(const char *dir);
void hold_pin_dir(Backend *b);
const char *held_pin_dir(const Backend *b, char buf[static 32]);

/* One object of the guard registered for the tamper programs (no-op without them). */
void register_object(Backend *b, uint64_t kind, uint64_t id);
void choose_tamper_variants(Backend *b, const struct btf *vmlinux);
int mark_self(int identity_fd);
int arm_self_protection(Backend *b, int template_fd);
