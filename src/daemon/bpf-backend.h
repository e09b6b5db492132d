/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kernel side of the guard: loads one backend's BPF object, attaches and pins it, adopts a
 * running one, and switches policy generations atomically. Pins under one bpffs directory:
 *   link_<program>     one per attached program (the pin keeps it attached without us)
 *   map_<name>         maps the daemon and --status read (policy, events, denials, counters, state)
 *   map_guard_meta     which backend and which build is pinned, for adoption
 * Enforcement therefore survives the daemon (SIGTERM, SIGKILL): only --unload detaches. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "guard-maps.h"
#include "metrics.h"
#include "policy-compile.h"
#include "policy.h"

typedef enum BackendKind {
        BACKEND_NATIVE,
        BACKEND_COMPAT,
        BACKEND_OBSERVE,
        _BACKEND_MAX,
        BACKEND_AUTO = -1,
        _BACKEND_INVALID = -2,
} BackendKind;

const char *backend_kind_to_string(BackendKind k);
BackendKind backend_kind_from_string(const char *s);

/* What a backend cannot guarantee on any kernel, as lines for status output. */
const char *const *backend_missing_guarantees(BackendKind k);

/* What holds on this kernel, from the links pinned under pin_dir: each guarantee of the backend
 * with the kernel attach points carrying it ("... [fentry+fexit cgroup_attach_permissions, lsm
 * inode_permission]", as the kernel's link records name them), or, when a program it needs is not
 * attached (its kernel function missing, inlined, hidden), as not held with what is missing. */
typedef struct BackendGuarantees {
        char *held[16];
        unsigned n_held;
        char *not_held[16];
        unsigned n_not_held;
} BackendGuarantees;
int backend_pinned_guarantees(const char *pin_dir, BackendKind kind, BackendGuarantees *ret);
void backend_guarantees_done(BackendGuarantees *g);
bool backend_prevents(BackendKind k);
/* The same, as short stable ids (metrics labels), index for index. */
const char *const *backend_guarantee_ids(BackendKind k);
const char *const *backend_missing_guarantee_ids(BackendKind k);
/* On hosts with cgroup v1 controllers: what no backend governs there, as a missing-guarantee
 * line (caller frees); NULL when every controller is on cgroup2. */
char *backend_missing_cgroup_v1(void);

/* The compiled object of a backend (NULL: not in this build) and its name, for the modules that
 * open it without loading (backend-guarantees.c). */
const void *backend_object_elf(BackendKind kind, size_t *ret_size);
const char *backend_object_name(BackendKind kind);

/* Links one backend attaches at most (a load with more fails: E2BIG). */
#define BACKEND_LINKS_MAX 96

typedef struct Backend {
        BackendKind kind;
        char *pin_dir;
        struct bpf_object *obj;         /* NULL when adopted from pins */
        int outer_fd;                   /* array-of-maps, slot 0 = active generation */
        int inner_fd;                   /* the active generation */
        int events_fd;                  /* ring buffer: cgroup records (mkdir, rmdir) */
        int denials_fd;                 /* ring buffer: denial, audit, violation, tamper records */
        int counters_fd;
        int hints_fd;                   /* guard_hints: what the generation in force lets the programs skip */
        int self_fd, objects_fd;        /* tamper protection's guard_self and guard_objects; -EBADF: none */
        int pid1_exec_fd;               /* guard_pid1_exec: what PID 1 may exec after a refused switch of root */
        int bus_peers_fd;               /* guard_bus_peers: the processes that connected to the bus; -EBADF: none */
        uint64_t bus_socket_ino;        /* the system bus socket file's inode (backend_set_bus_socket()); 0: none */
        char *bus_socket_path;          /* its path, whose names are guarded like the files the guard runs */
        char *helpers_seen;             /* the usermode helpers' programs last registered, one per line */
        uint64_t pid1_exe_seen;         /* PID 1's binary then (device ^ inode): another after its re-exec */
        int pid1_mountinfo_fd;          /* /proc/1/mountinfo, polled for changes to PID 1's mounts; -EBADF: none */
        int records_fd;                 /* guard_records: operations recorded since the last drain */
        uint32_t template_id;           /* the policy map's inner template (held by libbpf) */
        unsigned map_entries_max;       /* size of every generation map (fixed at load) */
        bool adopted;
        bool lockdown;                  /* kernel lockdown=confidentiality: tamper variants chosen */
        char **missing;                 /* window functions this kernel lacks, for status */
        unsigned n_missing;
        size_t n_missing_allocated;
        BackendGuarantees guarantees;   /* what the attached links carry (backend_pinned_guarantees()) */
        unsigned n_links;
        uint32_t link_ids[BACKEND_LINKS_MAX];
        int link_fds[BACKEND_LINKS_MAX];               /* held, so that an unmounted bpffs cannot free the links */
        int pin_dir_fd;                 /* the pin directory as pinned or adopted (O_PATH): a file system
                                         * mounted over pin_dir later is not it */
} Backend;

typedef struct BackendCounters {
        uint64_t denied, audited, observed, lost_events;
        uint64_t map_full;      /* new cgroups that got no entry: the policy map was full */
        uint64_t suppressed;    /* denial records the kernel's rate limit held back */
        uint64_t lost_cgroup_events; /* cgroup records the ring buffer could not take */
        uint64_t records_dropped; /* recorded operations guard_records had no room for */
        uint64_t counts_full;   /* decisions the per-rule or per-cgroup count maps had no room for */
} BackendCounters;

/* Called with a generation's map fd after it is filled and before it is in force, while the
 * kernel already classifies new cgroups into it: writes the entries of the cgroups created since
 * the scan its image was compiled from (the kernel's entries for the newest ones are the same
 * values). */
typedef struct BackendCover {
        void (*cover)(int generation_fd, void *userdata);
        void *userdata;
} BackendCover;

/* Loads (or adopts) kind into pin_dir with image in force from the first instant. BACKEND_AUTO
 * tries native, compat, observe in that order. entries_max sizes the policy map of a fresh load;
 * an adopted one keeps its size. image NULL: adopt what is pinned and keep its generation in
 * force as it is (nothing is loaded). On failure *ret_reason says why. */
/* --debug: how long the start's step that ends here took (a start is slow under emulation). */
void start_step_done(const char *step);
int backend_start(BackendKind kind, const char *pin_dir, const PolicyImage *image, const BackendCover *cover,
                  unsigned entries_max, Backend **ret, char **ret_reason);

/* The active generation's entries, read back from the kernel (an adopted generation's mirror). */
int backend_read_image(Backend *b, PolicyImage *ret);

/* Entries in the active generation (walks the map: for status queries, not hot paths). */
unsigned backend_count_entries(Backend *b);

/* Fills a new generation and makes it the active one with one map update. In between it sits in
 * the next-generation slot, where the kernel gives each new cgroup its entry, and cover (if not
 * NULL) adds those created since the scan the image was compiled from. */
int backend_apply(Backend *b, const PolicyImage *image, const BackendCover *cover, unsigned *ret_entries_written);

/* Adds or replaces one cgroup's entry in the active generation (a cgroup created after load). */
int backend_update_cgroup(Backend *b, uint64_t cgroup_id, const struct guard_cgroup_info *info);

/* Drops a cgroup's entry from the active generation (a cgroup gone; its id is never reused). */
void backend_forget_cgroup(Backend *b, uint64_t cgroup_id);

int backend_read_counters(int counters_fd, BackendCounters *ret);

/* Tamper protection (native, compat): registers every object of the guard (maps, programs,
 * links, pins, the active generation) and this executable as the only one that may touch them,
 * and this process's cgroup (beneath cgroup_root_fd, cgroup2_open_root(); -EBADF: none), whose control files and those of the cgroups
 * above it only PID 1 and that cgroup may write. Call again after each backend_apply(). No-op
 * on backends that cannot deny. */
int backend_protect(Backend *b, bool enabled, int cgroup_root_fd);

/* 0 if every link is still attached (looked up by id: the daemon holds their fds, so a lost pin
 * does not mean a lost link) and the build record is pinned; 1 if the links are attached but the
 * pins are gone (bpffs unmounted); 2 if something is mounted over the pin directory while ours
 * still holds the pins, mounted (pinning again at the path would make a second set in a file
 * system someone else mounted); -ENOENT if a link is gone. */
int backend_check_links(Backend *b);

/* old, the set b was loaded to replace while its pins were gone (pin_load() retires what the
 * pins show): retired, it does nothing even if another process holds its links. */
void backend_retire(Backend *old, const Backend *b);

/* Only a later load retires a set: ours found retired while we run (a write through an fd had
 * before the guard armed) is put back into force, and that is logged. On the one-second tick.
 * -errno if it cannot be (the map frozen too): the set is lost. */
int backend_keep_in_force(Backend *b);

/* Closes our handles; pins (and so enforcement) stay. */
void backend_free(Backend *b);

/* Removes every pin under pin_dir and returns once every link and program they held is gone from
 * the kernel (the kernel releases them a moment after the pins); -EBUSY if after
 * UNLOAD_DETACH_WAIT_SEC something still holds one. A daemon running on the pins is stopped
 * first. */
#define UNLOAD_DETACH_WAIT_SEC 30
/* Tamper protection off and no generation in force, through these fds of guard_self and the
 * outer map (-EBADF: skipped): nothing enforced any more, whoever holds the links. */
int backend_disarm_maps(int self_fd, int outer_fd);
int backend_unload(const char *pin_dir, unsigned *ret_removed);

/* Closes our handles on the links and programs (the daemon's own unload: it must not be the one
 * holding them). */
void backend_release_programs(Backend *b);

/* Reads what is pinned without loading anything (for --status). */
typedef struct BackendPinned {
        BackendKind kind;
        uint64_t build;
        unsigned n_links;
        uint32_t generation;
        uint32_t n_rules;
        unsigned n_entries;
        unsigned map_entries_max;       /* the policy map's size (--policy-entries-max at load) */
        unsigned n_guarded;             /* guard_objects: what tamper protection holds registered, */
        unsigned guarded_max;           /* of so many keys (0: no tamper protection pinned) */
        BackendCounters counters;
} BackendPinned;
int backend_read_pinned(const char *pin_dir, BackendPinned *ret);
/* Cheap: is the build record still pinned? */
bool backend_pins_present(const char *pin_dir);

/* Per-program run counts and time (bpf_stats) of every pinned link's program, and the active
 * generation's map: tamper protection hides them from other tools, so the daemon reports them. */
int backend_print_stats(const char *pin_dir, FILE *out);

/* Rule names for the kernel's per-rule counts (guard_rule_names), so that a reader of the pins
 * can label them with the daemon stopped. After each generation is applied. */
int backend_write_rule_names(const char *pin_dir, const Policy *p);
/* The kernel's per-rule, per-kind counts (guard_rule_counts), named. */
int backend_read_rule_counts(const char *pin_dir, MetricsRuleCount **ret, size_t *ret_n);
/* Run counts and time of every pinned link's program (counted only with bpf_stats on). */
int backend_read_programs(const char *pin_dir, MetricsProgram **ret, size_t *ret_n);
bool backend_bpf_stats_enabled(void);
/* The pinned cgroup iterator's program run over one cgroup (its directory in the cgroup2 mount):
 * its line of the listing (cgroup-guardd(8), CGROUP STATE), header included. Caller frees. */
int backend_read_cgroup_state(const char *pin_dir, const char *cgroup_dir, char **ret);

int bpffs_ensure_dir(const char *dir);

/* The system bus's socket file (its inode): connects to it are recorded from now on (and after
 * each protect round), so that backend_bus_peer_started() can tell who connected. */
void backend_set_bus_socket(Backend *b, uint64_t ino, const char *path);

/* On the one-second tick: when a usermode helper's setting now names another program (the admin
 * changed it), PID 1's mounts changed (a file system mounted on a helper's path) or PID 1 runs
 * another binary (re-executed after an upgrade), the files the guard runs and the helpers'
 * programs are registered again. Nothing registered is dropped here; > 0: PID 1 re-executed, and
 * the caller's protect round drops what it ran before. */
int backend_refresh_guard_files(Backend *b);
/* Whether the keys the kernel added to guard_objects since the last round use half its share
 * (GUARD_KERNEL_KEYS_MAX) or more: then a round is due, so that arrivals keep room. */
/* The keys the kernel's programs added to guard_objects and no round dropped yet (a guarded
 * name removed, an inode arriving in a guarded place). */
uint32_t backend_kernel_keys(Backend *b);
/* Whether the process pidfd refers to connected to the bus (its mark in guard_bus_peers): 1 or 0;
 * -EOPNOTSUPP without the record (the observe backend, a kernel without the function to trace),
 * -EBADF when the bus socket is not known (fail closed). */
int backend_bus_peer_connected(Backend *b, int pidfd);
/* Drops the mark of the process pidfd refers to (the daemon's own, before it connects). */
int backend_bus_peer_forget(Backend *b, int pidfd);
/* Whether the process pidfd refers to may count as an admin by its identity marks
 * (guard_identity_may_be_admin(): not what PID 1's child ran while still in PID 1's cgroup):
 * 1 or 0; -EOPNOTSUPP without the marks (the observe backend). */
int backend_task_may_be_admin(Backend *b, int pidfd);
