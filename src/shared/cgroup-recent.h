/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Paths of cgroups the tree no longer (or never) holds, for the reports that name them: a scope
 * PID 1 could not fill is created, refused and removed before the daemon reads the denial, and a
 * removed cgroup cannot be opened by id any more. The kernel's mkdir record carries the new
 * cgroup's name, the parent's path composes the rest; a removed cgroup leaves its path here.
 * Bounded: the last CGROUP_RECENT_MAX, oldest dropped first (ids are never reused in a boot). */

#include <stdint.h>

#define CGROUP_RECENT_MAX 512u

typedef struct CgroupRecent {
        struct {
                uint64_t id;
                char *path;
        } slots[CGROUP_RECENT_MAX];
        unsigned next;          /* the slot written next: the oldest once full */
} CgroupRecent;

/* Remembers id -> path (copied), replacing the oldest entry once full. -ENOMEM, -EINVAL. */
int cgroup_recent_add(CgroupRecent *r, uint64_t id, const char *path);
/* The newest path remembered for id, or NULL. */
const char *cgroup_recent_path(const CgroupRecent *r, uint64_t id);
/* PARENT/NAME, or NULL (out of memory). "/" as parent gives "/NAME". */
char *cgroup_path_join(const char *parent, const char *name);
void cgroup_recent_done(CgroupRecent *r);
