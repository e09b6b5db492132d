/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ring buffers' records: cgroups appearing and going (the tree, their entries in the
 * generation in force), denials (journal, D-Bus, responses, rate limit, the recent list) and the
 * kernel's counts of what it could not report. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "bus.h"
#include "cgroup-path.h"
#include "cgroupfs.h"
#include "event-format.h"
#include "log.h"
#include "log-struct.h"
#include "manager-internal.h"
#include "manager.h"
#include "policy-compile.h"
#include "policy-parse.h"
#include "process-util.h"
#include "response.h"
#include "string-util.h"

/* Ring buffer records handled per wake-up: a flood (mkdir storms by anyone with a delegated
 * subtree, violation storms) is worked through in batches, and D-Bus, reloads and the watchdog
 * get their turn in between. */
#define RING_BATCH_MAX 64

/* A new cgroup's entry in a generation (its policy, tree, image and map fd): what the kernel's
 * classifier gave it at mkdir (the same code over the image), or, where the kernel could not
 * classify (lockdown, a state too big for the kernel), the entry from its path. Written to the
 * kernel either way: where the kernel classified, it is the same value. */
static void generation_add_cgroup(const GenerationView *g, uint64_t id, uint64_t parent_id, const char *path) {
        struct guard_value *parent = policy_image_lookup(g->image, GUARD_KEY_CGROUP, parent_id, 0);
        struct guard_key key = { .kind = GUARD_KEY_CGROUP, .a = id };
        struct guard_value value = {};

        /* Children of a settled cgroup need no entry (the kernel adds none either). */
        if (!parent || !parent->cgroup.state)
                return;
        if (!guard_classify_child(g->image, &parent->cgroup, id, strrchr(path, '/') + 1, &value.cgroup)) {
                policy_compile_cgroup(g->policy, g->tree, path, &value.cgroup);
                value.cgroup.state = GUARD_STATE_DAEMON; /* and its children from their paths too */
        }
        /* The image mirrors the kernel's map: an entry that did not fit there (a full map) is not
         * in it either, or the D-Bus callers' admin check (cgroup_admin()) would take a cgroup
         * the kernel judges by its unclassified entry for an admin cgroup (a review found it). */
        if (g->generation_fd >= 0 && bpf_map_update_elem(g->generation_fd, &key, &value, BPF_ANY) < 0)
                return;
        (void) policy_image_put(g->image, &key, &value);
}

static GenerationView generation_in_force(Manager *m) {
        return (GenerationView) { .policy = &m->policy, .tree = &m->tree, .image = &m->image,
                                  .generation_fd = m->backend ? m->backend->inner_fd : -EBADF };
}

static void new_cgroup_entry(Manager *m, uint64_t id, uint64_t parent_id, const char *path) {
        GenerationView g = generation_in_force(m);

        generation_add_cgroup(&g, id, parent_id, path);
}

/* The cgroups a generation's tree does not know yet, parents first, added to it with their
 * entries. Returns how many. */
unsigned generation_cover_cgroups(const GenerationView *g, int cgroup_root_fd) {
        _cleanup_(cgroup_tree_done) CgroupTree now = {};
        unsigned added = 0;

        if (cgroup2_scan(cgroup_root_fd, &now) < 0)
                return 0;
        cgroup_tree_sort(&now); /* parents first */
        for (size_t i = 0; i < now.n_nodes; i++) {
                const CgroupNode *n = &now.nodes[i];
                char parent[CGROUP_PATH_MAX + 1];
                const char *slash = strrchr(n->path, '/');

                if (cgroup_tree_path(g->tree, n->id) || !slash || streq(n->path, "/"))
                        continue;
                snprintf(parent, sizeof(parent), "%.*s", slash == n->path ? 1 : (int) (slash - n->path), n->path);
                if (cgroup_tree_add(g->tree, n->path, n->id) < 0)
                        break;
                generation_add_cgroup(g, n->id, cgroup_tree_id(&now, parent), n->path);
                added++;
        }
        return added;
}

/* Cgroups that appeared while the generation in force was prepared and that it does not cover
 * (at start, before the kernel classified into it; a lost mkdir record): their entries now.
 * Until then they count as unclassified where their parent classifies (fail closed). */
void cover_missed_cgroups(Manager *m) {
        GenerationView g = generation_in_force(m);
        unsigned added = generation_cover_cgroups(&g, m->cgroup_root_fd);

        if (added > 0)
                log_debug("%u cgroups appeared while the generation was prepared; covered now.", added);
}

/* A cgroup is gone: its entry leaves the tree and the mirror of the kernel's map (the kernel
 * dropped its own at rmdir). */
static void forget_cgroup(Manager *m, uint64_t id) {
        const char *path = cgroup_tree_path(&m->tree, id);

        /* A denial naming it may still be on the other ring. */
        if (path)
                (void) cgroup_recent_add(&m->recent_cgroups, id, path);
        if (cgroup_tree_remove(&m->tree, id) > 0) {
                policy_image_remove(&m->image, &(struct guard_key) { .kind = GUARD_KEY_CGROUP, .a = id });
                /* And from the kernel's map: the kernel drops it at rmdir, but an entry written
                 * for a cgroup removed meanwhile (a scan, then the write) would stay for good. */
                (void) backend_forget_cgroup(m->backend, id);
        }
}

/* A cgroup's path from what the kernel told us: in the tree, still there by id, or remembered. */
static const char *known_cgroup_path(Manager *m, uint64_t id, char **owned) {
        const char *path = cgroup_tree_path(&m->tree, id);

        if (path || id == 0)
                return path;
        if (cgroup2_path_of_id(m->cgroup_root_fd, id, owned) >= 0)
                return *owned;
        return cgroup_recent_path(&m->recent_cgroups, id);
}

/* A new cgroup whose directory cannot be read (gone already, or not active yet): its parent's
 * path and the name the kernel reported say where it is or was. */
static void remember_cgroup_name(Manager *m, const struct guard_cgroup_mkdir_event *e) {
        _cleanup_(freep) char *parent_owned = NULL, *path = NULL;
        const char *parent;

        if (!e->name[0] || memchr(e->name, 0, sizeof(e->name)) == NULL || strchr(e->name, '/'))
                return;
        parent = known_cgroup_path(m, e->cgroup.parent_id, &parent_owned);
        if (!parent)
                return;
        path = cgroup_path_join(parent, e->name);
        if (path)
                (void) cgroup_recent_add(&m->recent_cgroups, e->cgroup.id, path);
}

/* The kernel reports rmdir (GUARD_EVENT_CGROUP_RMDIR), but a full ring buffer loses records, and
 * cgroups gone while no program was attached are never reported: check a few known cgroups
 * round-robin and forget those that are gone, so a mkdir+rmdir flood leaves nothing behind. */
void sweep_tree(Manager *m, unsigned budget) {
        while (budget-- > 0 && m->tree.n_nodes > 0) {
                const CgroupNode *c;
                uint64_t id = 0;
                int r;

                if (m->sweep_cursor >= m->tree.n_nodes)
                        m->sweep_cursor = 0;
                c = &m->tree.nodes[m->sweep_cursor];
                r = cgroup2_id_of_path(m->cgroup_root_fd, c->path, &id);
                if (r == -ENOENT || r == -ENOTDIR || (r >= 0 && id != c->id))
                        forget_cgroup(m, c->id); /* the last node moved here: check it next */
                else
                        m->sweep_cursor++;
        }
}

/* A new cgroup: its path decides what globs at its own level say. The kernel already copied the
 * parent's entry; we add what differs. The path comes from the kernel by id (O(depth)): reading
 * the parent directory would cost as much as the parent has children, and anyone with a delegated
 * subtree chooses how many. Returns -EAGAIN when the directory is not active yet. */
static int add_new_cgroup(Manager *m, const struct guard_cgroup_mkdir_event *me) {
        const struct guard_cgroup_event *e = &me->cgroup;
        _cleanup_(freep) char *path = NULL;
        int r;

        r = cgroup2_path_of_id(m->cgroup_root_fd, e->id, &path);
        /* The kernel reports a cgroup just before it activates its directory (kernfs answers
         * ESTALE until then), and a task preempted in between, on a loaded machine, can leave it
         * inactive for a while: the caller tries again. ESTALE also means gone. */
        if (r == -ESTALE)
                return -EAGAIN;
        if (r < 0) {
                /* Gone already (mkdir+rmdir): nothing to add, the kernel dropped its entry too. */
                remember_cgroup_name(m, me);
                return r;
        }
        r = cgroup_tree_add(&m->tree, path, e->id);
        if (r < 0)
                return r;
        new_cgroup_entry(m, e->id, e->parent_id, path);
        return 0;
}

static void queue_cgroup_mkdir(Manager *m, const struct guard_cgroup_mkdir_event *e, uint64_t deadline_usec) {
        /* More of them than the queue holds: the tree is scanned instead. */
        if (m->n_mkdir_retry >= ELEMENTSOF(m->mkdir_retry)) {
                m->rescan_pending = true;
                return;
        }
        m->mkdir_retry[m->n_mkdir_retry++] = (PendingCgroup) { .event = *e, .deadline_usec = deadline_usec };
}

static void handle_cgroup_mkdir(Manager *m, const struct guard_cgroup_mkdir_event *e) {
        sweep_tree(m, TREE_SWEEP_PER_MKDIR);
        if (add_new_cgroup(m, e) != -EAGAIN)
                return;
        /* Reports name it even if it goes before it is ever active. */
        remember_cgroup_name(m, e);
        queue_cgroup_mkdir(m, e, now_usec(CLOCK_MONOTONIC) + MKDIR_RETRY_USEC);
}

/* Records come in order: a cgroup removed before it was ever active is no longer waited for. */
static void handle_cgroup_rmdir(Manager *m, uint64_t id) {
        for (unsigned i = 0; i < m->n_mkdir_retry; i++)
                if (m->mkdir_retry[i].event.cgroup.id == id) {
                        m->mkdir_retry[i] = m->mkdir_retry[--m->n_mkdir_retry];
                        break;
                }
        forget_cgroup(m, id);
}

/* On each tick: the cgroups reported before they were active. One still inactive at its deadline
 * is gone (its rmdir record was lost: the lost-records counter makes the tree be scanned). */
void retry_cgroup_mkdirs(Manager *m) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        unsigned kept = 0;

        for (unsigned i = 0; i < m->n_mkdir_retry; i++)
                if (add_new_cgroup(m, &m->mkdir_retry[i].event) == -EAGAIN && now < m->mkdir_retry[i].deadline_usec)
                        m->mkdir_retry[kept++] = m->mkdir_retry[i];
        m->n_mkdir_retry = kept;
        if (m->rescan_pending) {
                m->rescan_pending = false;
                cover_missed_cgroups(m);
        }
}

/* The uid the actor had when it acted, from the kernel's record: it may have exited or changed
 * users since. */
static void remember_denial(Manager *m, uid_t actor_uid, const EventText *t) {
        RecentDenial *d = &m->recent[m->n_recent++ % RECENT_DENIALS_MAX];

        d->actor_uid = actor_uid;
        d->realtime_usec = now_usec(CLOCK_REALTIME);
        snprintf(d->action, sizeof(d->action), "%s", t->action);
        snprintf(d->kind, sizeof(d->kind), "%s", t->kind);
        snprintf(d->rule, sizeof(d->rule), "%s", t->rule_name);
        snprintf(d->policy, sizeof(d->policy), "%s", t->policy_file);
        free(d->message);
        d->message = strdup(t->message);
}

void flush_suppressed(void *userdata, const char *summary, RateLimitBudgetKind budget, uint64_t suppressed,
                      uint64_t usec) {
        const char *what = budget == RATELIMIT_BUDGET_TAMPER ? "tamper attempts" : "denials";

        if (summary)
                log_struct(LOG_WARNING, "MESSAGE=Suppressed %" PRIu64 " similar %s in %" PRIu64 " s: %s", suppressed,
                           what, usec / USEC_PER_SEC, summary, "MESSAGE_ID=" GUARD_MESSAGE_SUPPRESSED,
                           "CGROUP_GUARD_SUPPRESSED=%" PRIu64, suppressed);
        else
                log_struct(LOG_WARNING,
                           "MESSAGE=Suppressed %" PRIu64 " %s in %" PRIu64 " s beyond the journal budget of %u lines "
                           "per interval (many users or processes at once); counters stay exact.",
                           suppressed, what, usec / USEC_PER_SEC, RATELIMIT_BUDGET, "MESSAGE_ID=" GUARD_MESSAGE_SUPPRESSED,
                           "CGROUP_GUARD_SUPPRESSED=%" PRIu64, suppressed, "CGROUP_GUARD_SUPPRESSED_BUDGET=%" PRIu64,
                           suppressed);
}

/* The kernel counts what the ring buffer could not take; say so when it grows. */
void report_lost_events(Manager *m) {
        BackendCounters c = {};

        if (backend_read_counters(m->backend->counters_fd, &c) < 0)
                return;
        if (c.map_full > m->map_full_reported) {
                log_error("The policy map is full (--policy-entries-max): %" PRIu64 " new cgroups got no entry. They count "
                          "as unclassified: moves into or out of them and namespace changes in them are denied (fail "
                          "closed) until entries are freed or the map is made larger.", c.map_full - m->map_full_reported);
                m->map_full_reported = c.map_full;
        }
        if (c.lost_cgroup_events > m->lost_cgroup_reported) {
                /* Coverage is the kernel's; what we missed is our tree (paths for reports, the
                 * cgroups the kernel cannot classify): scan for it once. */
                log_struct(LOG_WARNING, "MESSAGE=%" PRIu64 " cgroup records were lost (ring buffer full); rescanning the cgroup tree.",
                           c.lost_cgroup_events - m->lost_cgroup_reported, "MESSAGE_ID=" GUARD_MESSAGE_LOST_EVENTS,
                           "CGROUP_GUARD_LOST_CGROUP_EVENTS=%" PRIu64, c.lost_cgroup_events);
                m->lost_cgroup_reported = c.lost_cgroup_events;
                cover_missed_cgroups(m);
        }
        if (c.suppressed > m->suppressed_reported) {
                log_struct(LOG_WARNING,
                           "MESSAGE=%" PRIu64 " denial records were suppressed in the kernel (at most %u a second per user and "
                           "rule after a burst of %u); counters stay exact.",
                           c.suppressed - m->suppressed_reported, GUARD_REPORT_PER_SEC, GUARD_REPORT_BURST,
                           "MESSAGE_ID=" GUARD_MESSAGE_SUPPRESSED, "CGROUP_GUARD_SUPPRESSED=%" PRIu64,
                           c.suppressed - m->suppressed_reported, "CGROUP_GUARD_SUPPRESSED_IN_KERNEL=%" PRIu64, c.suppressed);
                m->suppressed_reported = c.suppressed;
        }
        if (c.lost_events <= m->lost_reported)
                return;
        log_struct(LOG_WARNING, "MESSAGE=%" PRIu64 " denial records were lost (ring buffer full); counters stay exact.",
                   c.lost_events - m->lost_reported, "MESSAGE_ID=" GUARD_MESSAGE_LOST_EVENTS,
                   "CGROUP_GUARD_LOST_EVENTS=%" PRIu64, c.lost_events);
        m->lost_reported = c.lost_events;
}

/* The executable the actor acted with, named from the identity the kernel recorded, never from
 * what the actor runs by the time we read the record (it may have exec'd since): /proc's path
 * while it still runs that file, else the path of a policy rule naming that file, else the
 * identity itself. NULL: a task without one (a kernel thread), or out of memory. */
static char *actor_exe_name(Manager *m, const struct guard_event *e) {
        dev_t dev = makedev(GUARD_DEV_MAJOR(e->actor_exe_dev), GUARD_DEV_MINOR(e->actor_exe_dev));
        char *path = NULL;
        int r;

        if (e->actor_exe_dev == 0 && e->actor_exe_ino == 0)
                return NULL;
        r = pid_exe_path_if_same(e->actor_tgid, dev, e->actor_exe_ino, &path);
        if (r > 0)
                return path;
        for (size_t i = 0; i < m->policy.n_rules; i++) {
                const PolicyRule *rule = &m->policy.rules[i];

                if (rule->exe_resolved && rule->exe_dev == dev && rule->exe_ino == e->actor_exe_ino)
                        return strdup(rule->exe);
        }
        if (asprintf(&path, "%s dev %u:%u inode %" PRIu64, r == 0 ? "exe changed since:" : "exited since, exe:",
                     GUARD_DEV_MAJOR(e->actor_exe_dev), GUARD_DEV_MINOR(e->actor_exe_dev), (uint64_t) e->actor_exe_ino) < 0)
                return NULL;
        return path;
}

/* A cgroup's path for a report. The tree may not know it yet: its mkdir record comes on the other
 * ring, or waits for the directory to activate (a unit's cgroup, a session scope PID 1 created
 * just before the move): then the kernel says, by id. NULL if it is gone. */
static char *report_cgroup_path(Manager *m, uint64_t id) {
        _cleanup_(freep) char *owned = NULL;
        const char *path = known_cgroup_path(m, id, &owned);

        /* Gone before we read its path: its mkdir record (with its name) went to the other ring
         * before this one; read what is there, then look again. */
        if (!path && id != 0 && m->ring) {
                unsigned batch = m->ring_batch;

                (void) ring_buffer__consume(m->ring);
                m->ring_batch = batch;
                path = known_cgroup_path(m, id, &owned);
        }
        /* A copy: reading the ring for another id of the same record may free tree entries. */
        if (!path)
                return NULL;
        return path == owned ? TAKE_PTR(owned) : strdup(path);
}

static void handle_denial(Manager *m, const struct guard_event *e) {
        _cleanup_(freep) char *exe = actor_exe_name(m, e);
        /* Each path a copy of its own (report_cgroup_path()): resolving the destination may read
         * the cgroup ring, which can drop the tree entry the actor's path came from. */
        _cleanup_(freep) char *response = NULL, *actor_cgroup = report_cgroup_path(m, e->actor_cgroup_id),
                              *src_cgroup = report_cgroup_path(m, e->src_cgroup_id),
                              *dst_cgroup = report_cgroup_path(m, e->dst_cgroup_id);
        EventNames names = {
                .backend = backend_kind_to_string(m->backend->kind),
                .actor_exe = exe,
                .actor_cgroup = actor_cgroup,
                .src_cgroup = src_cgroup,
                .dst_cgroup = dst_cgroup,
                .policy = &m->policy,
        };
        _cleanup_(event_text_done) EventText t = {};
        _cleanup_(freep) char *message = NULL;
        struct iovec iov[EVENT_FIELDS_MAX + 2];
        unsigned n = 0;

        if (e->verdict != GUARD_VERDICT_AUDIT && e->action != POLICY_ACTION_DENY) {
                /* The event's time, on the clock /proc gives process start times in. */
                ResponseTarget target = {
                        .pid = e->actor_tgid,
                        .acted_usec = now_usec(CLOCK_BOOTTIME) - (now_usec(CLOCK_MONOTONIC) - e->timestamp_ns / NSEC_PER_USEC),
                        .cgroup = actor_cgroup,
                        .moved_to = e->kind == GUARD_EVENT_MIGRATION && e->task_pid == e->actor_tgid ? dst_cgroup : NULL,
                        .cgroup_id = e->actor_cgroup_id,
                        .uid = e->actor_uid,
                };

                response = response_apply(m->cgroup_root_fd, m->own_cgroup, &m->policy, &target, e->action);
        }
        names.response = response;
        if (event_format(e, &names, &t) < 0) {
                log_oom();
                return;
        }

        /* Tamper records have no rule: the kind of attempt takes its place, as in the kernel's
         * limit (guard_report_admit()), so five attempts of one kind do not keep another of the
         * same process out of the journal (a review found it). */
        if (!ratelimit_test(&m->ratelimit, &(RateLimitKey) {
                                .actor_tgid = e->actor_tgid,
                                .rule = e->kind == GUARD_EVENT_TAMPER ? e->flags : e->rule_id, .kind = e->kind,
                                .target = e->kind == GUARD_EVENT_MIGRATION ? e->dst_cgroup_id : e->ns_type },
                            now_usec(CLOCK_MONOTONIC), t.message))
                return;
        remember_denial(m, e->actor_uid, &t);
        bus_emit_denied(m, e, &t, &names);

        if (asprintf(&message, "MESSAGE=%s", t.message) < 0) {
                log_oom();
                return;
        }
        iov[n++] = (struct iovec) { message, strlen(message) };
        iov[n++] = (struct iovec) { (char *) "MESSAGE_ID=" GUARD_MESSAGE_DENIAL, strlen("MESSAGE_ID=" GUARD_MESSAGE_DENIAL) };
        for (unsigned i = 0; i < t.n_fields; i++)
                iov[n++] = (struct iovec) { t.fields[i], strlen(t.fields[i]) };
        (void) log_structv(t.priority, iov, n);
}

static int on_ring_event(void *ctx, void *data, size_t size) {
        Manager *m = ctx;
        uint32_t kind;

        if (size < sizeof(kind))
                return 0;
        memcpy(&kind, data, sizeof(kind));
        m->events_handled++;
        if (kind == GUARD_EVENT_CGROUP_MKDIR && size >= sizeof(struct guard_cgroup_mkdir_event))
                handle_cgroup_mkdir(m, data);
        else if (kind == GUARD_EVENT_CGROUP_RMDIR && size >= sizeof(struct guard_cgroup_event))
                handle_cgroup_rmdir(m, ((const struct guard_cgroup_event *) data)->id);
        else if (kind == GUARD_EVENT_RECORD_NEW && size >= sizeof(struct guard_record_event))
                recorder_note(m, data);
        else if (size >= sizeof(struct guard_event))
                handle_denial(m, data);
        /* A full batch stops here (this record is consumed); the ring's fd stays readable, so the
         * rest comes after the other sources had their turn. */
        return ++m->ring_batch >= RING_BATCH_MAX ? -EAGAIN : 0;
}

/* Each ring buffer is its own event source at the same priority: sd-event takes pending sources
 * in turn, so neither ring, nor both, can keep reloads, D-Bus or the watchdog waiting for more
 * than one batch each. */
static int on_ring_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        m->ring_batch = 0;
        (void) ring_buffer__consume(m->ring);
        return 0;
}

static int on_denial_ring_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        m->ring_batch = 0;
        (void) ring_buffer__consume(m->denial_ring);
        return 0;
}

/* Every cgroup record the kernel has written so far (mkdir, rmdir, recorded operations), not one
 * batch: whoever names cgroups by id next must see the mkdir records that came before. */
void manager_read_cgroup_records(Manager *m) {
        unsigned batch = m->ring_batch;

        if (!m->ring)
                return;
        do
                m->ring_batch = 0;
        while (ring_buffer__consume(m->ring) == -EAGAIN);
        m->ring_batch = batch;
}

int watch_events(Manager *m) {
        int r;

        m->ring_source = sd_event_source_disable_unref(m->ring_source);
        ring_buffer__free(m->ring);
        m->denial_source = sd_event_source_disable_unref(m->denial_source);
        ring_buffer__free(m->denial_ring);
        m->denial_ring = NULL;
        m->ring = ring_buffer__new(m->backend->events_fd, on_ring_event, m, NULL);
        if (!m->ring)
                return log_error_errno(errno, "Failed to open the cgroup ring buffer: %m");
        r = sd_event_add_io(m->event, &m->ring_source, ring_buffer__epoll_fd(m->ring), EPOLLIN, on_ring_readable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the cgroup ring buffer: %m");
        m->denial_ring = ring_buffer__new(m->backend->denials_fd, on_ring_event, m, NULL);
        if (!m->denial_ring)
                return log_error_errno(errno, "Failed to open the denial ring buffer: %m");
        r = sd_event_add_io(m->event, &m->denial_source, ring_buffer__epoll_fd(m->denial_ring), EPOLLIN,
                            on_denial_ring_readable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the denial ring buffer: %m");
        return 0;
}
