/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's state and main loop (sd-event): policy reloads on SIGHUP and on changes in the
 * policy directory, the ring buffer of denials, cgroups appearing, responses. One Manager per
 * process, like systemd's small daemons keep one Context. */

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bpf-backend.h"
#include "cgroup-recent.h"
#include "policy-decide.h"
#include "policy-image.h"
#include "policy.h"
#include "policy-units.h"
#include "ratelimit.h"
#include "recorder.h"

#define RECENT_DENIALS_MAX 128

typedef struct RecentDenial {
        uint64_t realtime_usec;
        char action[16];
        char kind[16];
        char rule[320];
        char policy[256];
        char *message;                  /* the journal's MESSAGE, whole */
        uid_t actor_uid;                /* who may list it besides root: the actor's real uid when it acted */
} RecentDenial;

/* A cgroup the kernel reported before its directory was active: tried again on each tick until
 * it opens or its deadline passes (then it is gone, or the tree is scanned). */
typedef struct PendingCgroup {
        struct guard_cgroup_mkdir_event event;
        uint64_t deadline_usec; /* CLOCK_MONOTONIC */
} PendingCgroup;

typedef struct Manager {
        sd_event *event;
        char *policy_dir;
        char *bpffs_dir;
        char *cgroup_mount;             /* for messages; every access goes through cgroup_root_fd */
        int cgroup_root_fd;             /* the verified cgroup2 root (cgroup2_open_root()) */
        bool pins_covered;              /* something is mounted over the pin directory (warned once) */
        char *own_cgroup;               /* never frozen or killed */
        BackendKind requested;
        Backend *backend;
        struct ring_buffer *ring;       /* cgroup records (mkdir, rmdir) */
        sd_event_source *ring_source;
        struct ring_buffer *denial_ring; /* denial records: their own ring, rate-limited in the kernel */
        sd_event_source *denial_source;
        unsigned ring_batch;            /* records handled in this wake-up (of either ring) */

        Policy policy;                  /* in force */
        PolicyImage image;              /* its compiled generation, as the kernel decides from it */
        CgroupTree tree;
        size_t sweep_cursor;            /* next tree node checked for having gone */
        uint32_t generation;
        int mode_override;              /* -1: per-file modes (SetMode "policy") */
        int record_override;            /* -1: the files' "record"; 0 off, 1 on (SetRecord) */
        Recorder recorder;
        char *last_error;
        unsigned policy_entries_max;    /* size of the generation maps at load */

        sd_event_source *reload_timer;
        uint64_t reload_deadline;       /* CLOCK_MONOTONIC; 0: no reload pending */
        sd_event_source *inotify;
        sd_event_source *exe_watches[2 * GUARD_ALLOW_MAX + POLICY_UNIT_DIRS_MAX]; /* directories of the exe rules' files, unit file directories */
        unsigned n_exe_watches;
        ino_t policy_dir_ino;           /* of the watched directory */
        bool watching_ancestor;         /* the policy directory does not exist: its nearest ancestor is watched */
        bool kept_pinned;               /* the generation in force is the pinned one, adopted as it is */
        sd_event_source *ratelimit_timer;
        uint64_t events_handled;
        uint64_t lost_reported;
        PendingCgroup mkdir_retry[256]; /* reported before they could be opened (ESTALE) */
        CgroupRecent recent_cgroups;    /* paths of cgroups gone before or after the tree held them */
        unsigned n_mkdir_retry;
        bool rescan_pending;            /* more of them than mkdir_retry holds */
        uint64_t lost_cgroup_reported;
        uint64_t suppressed_reported;
        uint64_t map_full_reported;

        sd_bus *bus;
        sd_event_source *bus_retry;
        bool bus_unavailable_logged;
        bool bus_name_pending;          /* our name requested, no answer yet */
        uint64_t bus_socket_ino;        /* the system bus socket file's inode, 0: unknown (backend_set_bus_socket()) */
        char *bus_socket_path;
        uint32_t kernel_keys_seen;      /* guard_objects' kernel keys at the last look (on_ratelimit_timer()) */
        uint64_t protect_round_usec;    /* when the timer last had a protect round run (CLOCK_MONOTONIC) */
        bool bus_backlogged;            /* signals are being dropped: the bus reads nothing (bus_signal_room()) */
        uint64_t bus_signals_dropped, bus_signals_dropped_reported;

        char *metrics_file;             /* --metrics-file: NULL for none */
        unsigned metrics_interval_sec;  /* written at most once per interval, when it changed */
        sd_event_source *metrics_timer;
        char *metrics_written;          /* what the file holds */
        bool metrics_error_logged;
        bool last_reload_ok;            /* the last policy load (start or reload) succeeded */
        uint64_t last_reload_realtime;  /* usec; 0: none yet */
        uint64_t reloads_ok, reloads_failed;

        RateLimit ratelimit;
        RecentDenial recent[RECENT_DENIALS_MAX];
        unsigned n_recent;              /* total ever; the ring holds the last RECENT_DENIALS_MAX */
} Manager;

int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
/* Loads the policy and the backend; after this, the policy is enforced. An invalid policy on a
 * first start (no pins) starts with no rules and says so; over pins it returns -EBADMSG and the
 * pinned generation stays in force. */
int manager_start(Manager *m);
int manager_reload(Manager *m);
int manager_run(Manager *m);
void manager_read_cgroup_records(Manager *m);

/* -1: per-file modes; else POLICY_MODE_ENFORCE/AUDIT for every rule. Survives reloads. */
int manager_set_mode(Manager *m, int mode_override);
/* -1: the files' "record"; 0: off; 1: on. Survives reloads. Turning it off drains what was
 * recorded. */
int manager_set_record(Manager *m, int record_override);
const char *manager_record_string(const Manager *m);
/* Whether the generation in force records. */
bool manager_recording(const Manager *m);
/* The deliberate off-switch: remove every pin (programs detach) and exit; *ret_removed: how many. */
int manager_unload(Manager *m, unsigned *ret_removed);
const char *manager_mode_string(const Manager *m);

/* The Prometheus exposition of the guard's state (src/daemon/metrics.h), as --metrics-file
 * holds it and D-Bus GetMetrics returns it. */
int manager_render_metrics(Manager *m, char **ret);

/* Explain answers: the verdict of the kernel's decision code (bpf/guard-decide.h) over the
 * generation in force, worded by the model oracle. -errno if a process cannot be read. */
int manager_explain_migration(Manager *m, uint32_t actor_pid, uint32_t task_pid, const char *dst, PolicyDecision *ret);
int manager_explain_setns(Manager *m, uint32_t pid, uint32_t type, uint32_t target_pid, PolicyDecision *ret);
/* pid creates namespaces of types (CLONE_NEW* mask), by unshare(2) or clone(2). */
int manager_explain_new_namespaces(Manager *m, uint32_t pid, uint32_t types, PolicyDecision *ret);
