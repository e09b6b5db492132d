/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the manager's modules (manager.c: lifecycle, reloads, the tick; manager-watch.c:
 * what triggers a reload; manager-events.c: the ring buffers' cgroup and denial records;
 * manager-explain.c), not by the rest of the daemon. */

#include <time.h>

#include "macro.h"
#include "manager.h"

/* Known cgroups checked for having gone, per second and per new cgroup. */
#define TREE_SWEEP_PER_TICK 1024
#define TREE_SWEEP_PER_MKDIR 2
/* How long a cgroup reported before its directory was active is tried again. */
#define MKDIR_RETRY_USEC (10 * USEC_PER_SEC)

static inline uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return TIMESPEC_USEC(ts);
}

/* manager-watch.c: a reload after the debounce delay (SIGHUP, the policy directory, the
 * executables the rules name). */
void schedule_reload(Manager *m);
void watch_policy_dir(Manager *m);
void watch_executables(Manager *m);
int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata);

/* manager-events.c */
/* One generation as the daemon builds it: the policy and the cgroup tree it was compiled from,
 * its image (the mirror of its map) and its map (-EBADF: none yet). */
typedef struct GenerationView {
        const Policy *policy;
        CgroupTree *tree;
        PolicyImage *image;
        int generation_fd;
} GenerationView;
unsigned generation_cover_cgroups(const GenerationView *g, int cgroup_root_fd);
void cover_missed_cgroups(Manager *m);
void retry_cgroup_mkdirs(Manager *m);
void sweep_tree(Manager *m, unsigned budget);
void report_lost_events(Manager *m);
void flush_suppressed(void *userdata, const char *summary, RateLimitBudgetKind budget, uint64_t suppressed,
                      uint64_t usec);
/* Reads both ring buffers of the backend in force (again after a new load). */
int watch_events(Manager *m);
