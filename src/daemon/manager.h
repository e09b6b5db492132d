/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's state and main loop (sd-event): policy reloads on SIGHUP and on changes in the
 * policy directory, the ring buffer of denials, cgroups appearing, responses. One Manager per
 * process, like systemd's small daemons keep one Context. */

#include <systemd/sd-event.h>

#include "bpf-backend.h"
#include "policy.h"

typedef struct Manager {
        sd_event *event;
        char *policy_dir;
        char *bpffs_dir;
        char *cgroup_mount;
        char *own_cgroup;               /* never frozen or killed */
        BackendKind requested;
        Backend *backend;
        struct ring_buffer *ring;

        Policy policy;                  /* in force */
        CgroupTree tree;
        uint32_t generation;
        int mode_override;              /* -1: per-file modes (SetMode "policy") */
        char *last_error;

        sd_event_source *reload_timer;
        sd_event_source *inotify;
        uint64_t events_handled;
} Manager;

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
/* Loads the policy and the backend; after this, the policy is enforced. */
int manager_start(Manager *m);
int manager_reload(Manager *m);
int manager_run(Manager *m);
