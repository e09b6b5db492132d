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
        uint32_t *slots;        /* lookup index (policy-image.c): entry + 1, 0 empty, UINT32_MAX deleted */
        size_t n_slots;         /* a power of two, at least twice n_entries + n_deleted; 0: not indexed */
        size_t n_deleted;       /* deleted slots, dropped at the next rehash */
} PolicyImage;

void policy_image_done(PolicyImage *image);

/* Modes are the policy's (policy_set_mode_override() for SetMode). The image comes indexed for
 * policy_image_lookup(). */
int policy_compile(const Policy *p, const CgroupTree *tree, uint32_t generation,
                   PolicyImage *ret, char **ret_error);

/* The cgroup entry for one cgroup; returns false if no rule concerns it (no entry needed). */
bool policy_compile_cgroup(const Policy *p, const CgroupTree *tree, const char *path,
                           struct guard_cgroup_info *ret);

/* Does a rule's pattern cover the cgroup being compiled? *ret_depth (if non-NULL): the number
 * of components the pattern has (the depth of the covered subtree's top). */
typedef bool (*CoversFunc)(void *ctx, const char *pattern, size_t *ret_depth);

/* The entry for one cgroup from the rules whose patterns cover it, as covers() says, among
 * candidates (rule indices, ascending; NULL: every rule). *ret_delegate_depth: depth of the
 * outermost delegated instance's top (SIZE_MAX: none); the caller turns it into delegate_root;
 * *ret_seal_depth (if non-NULL) likewise the sealed instance's top, for seal_root. */
void policy_compile_entry(const Policy *p, const size_t *candidates, size_t n_candidates, CoversFunc covers,
                          void *ctx, struct guard_cgroup_info *ret, size_t *ret_delegate_depth,
                          size_t *ret_seal_depth);

/* Kernel dev_t (MKDEV: major << 20 | minor) of a userspace st_dev, as the BPF side reads it. */
uint64_t kernel_dev(dev_t dev);
