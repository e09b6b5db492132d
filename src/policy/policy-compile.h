/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The merged policy into a map image (bpf/guard-maps.h): what one policy generation looks like
 * to the BPF programs. Pure: the cgroup tree comes in as a list of (path, id), so this is unit
 * tested without a kernel, and the same per-cgroup function serves cgroups created later. */

#include <stdint.h>

#include "cgroup-tree.h"
#include "guard-maps.h"
#include "policy.h"

typedef struct PolicyImage {
        struct guard_key *keys;
        struct guard_value *values;
        size_t n_entries, keys_allocated, values_allocated;
} PolicyImage;

void policy_image_done(PolicyImage *image);

/* mode_override: -1 keeps each file's mode, else every rule is forced to it (SetMode). */
int policy_compile(const Policy *p, const CgroupTree *tree, int mode_override, uint32_t generation,
                   PolicyImage *ret, char **ret_error);

/* The cgroup entry for one cgroup (mode_override as for policy_compile()); returns false if no
 * rule concerns it (no entry needed). */
bool policy_compile_cgroup(const Policy *p, const CgroupTree *tree, int mode_override, const char *path,
                           struct guard_cgroup_info *ret);

/* Kernel dev_t (MKDEV: major << 20 | minor) of a userspace st_dev, as the BPF side reads it. */
uint64_t kernel_dev(dev_t dev);
