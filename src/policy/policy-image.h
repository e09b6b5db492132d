/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A compiled policy generation held in userspace, looked up like the kernel's map, and the
 * kernel's own decision code (bpf/guard-decide.h) compiled against it: explain, --check, replay
 * and the tests decide from the image exactly as the BPF programs do. */

#include <stdbool.h>
#include <stdint.h>

#include "cgroup-tree.h"
#include "policy-compile.h"

/* Entry for a key, or NULL. The image must have been indexed (policy_image_index()). */
struct guard_value *policy_image_lookup(const PolicyImage *img, uint32_t kind, uint64_t a, uint64_t b);

/* The entry that applies to cgroup id, as guard_cgroup_entry() finds it in the kernel: its own,
 * or its nearest ancestor's (tree gives the ancestors; NULL: only its own), or the
 * GUARD_CGROUP_UNCLASSIFIED entry where that ancestor classifies its children. */
struct guard_value *policy_image_cgroup(const PolicyImage *img, const CgroupTree *tree, uint64_t id);

/* Builds the lookup index after compiling; returns -ENOMEM or 0. */
int policy_image_index(PolicyImage *img);

/* Adds or replaces one entry (a cgroup that appeared), keeping the index. */
int policy_image_put(PolicyImage *img, const struct guard_key *key, const struct guard_value *value);
/* Removes one entry if present (a cgroup that went away). */
void policy_image_remove(PolicyImage *img, const struct guard_key *key);

/* What a generation of this image lets the programs skip (struct guard_hints): every namespace
 * type no lock or lock_on_entry rule, cgroup entry or classifier state names, and recording when
 * the image does not record. */
void guard_image_hints(const PolicyImage *img, struct guard_hints *ret);

#define GUARD_POLICY_T const PolicyImage *
#define guard_lookup policy_image_lookup
#include "guard-decide.h"
#undef guard_lookup

static inline int guard_glob_match(const char *pattern, const char *name) {
        struct guard_match m = { .pattern = pattern, .name = name, .star = GUARD_NO_STAR };

        while (!guard_match_step(&m))
                ;
        return m.matched;
}

static inline void guard_glob_scan(struct guard_glob_scan *s) {
        for (uint32_t g = 0; !guard_glob_scan_step(s, g); g++)
                ;
}
