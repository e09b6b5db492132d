/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The cgroup2 file system as it is mounted here: discovered, never assumed (/sys/fs/cgroup on
 * systemd hosts, /sys/fs/cgroup/unified on hybrid ones). Cgroup ids are the directories' inode
 * numbers, which is what kernfs gives BPF (cgrp->kn->id) on 64-bit kernels. */

#include <stdint.h>
#include <sys/types.h>

#include "cgroup-tree.h"

/* Mount point of the cgroup2 hierarchy (its root mounted), e.g. "/sys/fs/cgroup". */
int cgroup2_find_mount(char **ret);

/* The root cgroup's id (kernfs numbers its root node 1). */
#define CGROUP2_ROOT_ID 1

/* The cgroup2 root at mount, opened (O_DIRECTORY) and verified: a cgroup2 file system and its
 * root cgroup (id 1), not something mounted over it nor a cgroup below. Everything else here
 * resolves beneath this fd without crossing a mount (openat2 RESOLVE_BENEATH|RESOLVE_NO_XDEV): a
 * path the mount namespace shows differently (a bind mount over a cgroup directory) is refused
 * with -EXDEV instead of naming another cgroup. */
int cgroup2_open_root(const char *mount);
/* path opened beneath dir_fd on dir_fd's own mount: no "..", no symlink, no mount crossed
 * (-EXDEV); flags as open(2)'s (O_CLOEXEC always). */
int open_beneath_same_mount(int dir_fd, const char *path, int flags);
/* The cgroup at path (relative to the root, "/x/y"), opened with flags (O_PATH|O_DIRECTORY, ...). */
int cgroup2_open_at(int root_fd, const char *path, int flags);

/* Every cgroup below the root: path relative to the cgroup2 root -> id. A directory something
 * is mounted over is left out (what is there is not that cgroup). */
int cgroup2_scan(int root_fd, CgroupTree *ret);

/* The cgroup2 path of a process ("/system.slice/x.service"), from /proc/PID/cgroup's "0::" line.
 * Not sd_pid_get_cgroup(): that answers for systemd's own hierarchy, which is the v1 name=systemd
 * one on a legacy host with cgroup2 mounted beside it; the guard needs the cgroup2 membership
 * (the same line on unified and hybrid hosts). */
int cgroup2_path_of_pid(pid_t pid, char **ret);
/* The cgroup a cgroup.procs write naming process pid moves threads from: its own, or, when its
 * leader has exited (a zombie leader stays where it died), a live thread's, as the kernel
 * decides (guard_moved_threads_source() in bpf/guard-policy.bpf.h). */
int cgroup2_path_of_process(pid_t pid, char **ret);

/* The path (relative to the root) of the cgroup with this id, found through the kernel, not by
 * reading directories: open_by_handle_at() (CAP_DAC_READ_SEARCH) and the name of what it opened,
 * O(depth) whatever the number of siblings. -ENOENT/-ESTALE once it is gone. */
int cgroup2_path_of_id(int root_fd, uint64_t id, char **ret);
/* The cgroup directory with this id, opened (O_DIRECTORY), or -errno. */
int cgroup2_open_by_id(int root_fd, uint64_t id);
/* The path (relative to the root) of the cgroup directory fd, as long as it still exists. */
int cgroup2_path_of_fd(int root_fd, int fd, char **ret);

/* Id of the cgroup at path (relative to the root). */
int cgroup2_id_of_path(int root_fd, const char *path, uint64_t *ret);

/* Is the cgroup at path part of a threaded subtree (cgroup.type other than plain "domain")?
 * 1, 0, or -errno; the root has no cgroup.type and is a plain domain. */
int cgroup2_is_threaded(int root_fd, const char *path);

/* Writes value to FILE of the cgroup at path (relative to the root), e.g. cgroup.freeze. */
int cgroup2_write_file(int root_fd, const char *path, const char *file, const char *value);
/* Writes value to FILE in the cgroup directory dir_fd (no mount crossed, no symlink followed). */
int cgroup2_write_file_at(int dir_fd, const char *file, const char *value);

/* Controllers bound to cgroup v1 hierarchies (hybrid and legacy hosts), from /proc/cgroups,
 * comma-separated ("cpu,memory,pids"); *ret = NULL and 0 when there are none. */
int cgroup_v1_controllers(char **ret);
