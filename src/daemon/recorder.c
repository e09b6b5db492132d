/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <bpf/bpf.h>
#include <errno.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include "journal-send.h"
#include <time.h>

#include <dirent.h>
#include <sys/stat.h>

#include "cgroupfs.h"
#include "policy-compile.h"
#include "event-format.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "process-util.h"
#include "record.h"
#include "cgroup-recent.h"
#include "recorder.h"

typedef struct RecordNames {
        struct guard_record_key key;
        char *exe;
        char *actor_cgroup, *src_cgroup, *dst_cgroup;
} RecordNames;

static int compare_names(const void *a, const void *b) {
        return memcmp(&((const RecordNames *) a)->key, &((const RecordNames *) b)->key, sizeof(struct guard_record_key));
}

static void names_free(void *p) {
        RecordNames *n = p;

        if (!n)
                return;
        free(n->exe);
        free(n->actor_cgroup);
        free(n->src_cgroup);
        free(n->dst_cgroup);
        free(n);
}

static uint64_t clock_usec(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return TIMESPEC_USEC(ts);
}

static char *cgroup_name(struct Manager *m, uint64_t id) {
        const char *path;
        char *p = NULL;

        if (id == 0)
                return NULL;
        path = cgroup_tree_path(&m->tree, id);
        if (path)
                return strdup(path);
        /* Not known yet (its mkdir record is still in the ring): ask the kernel. */
        if (cgroup2_path_of_id(m->cgroup_root_fd, id, &p) >= 0)
                return p;
        /* Gone already (a transient scope PID 1 removed before its mkdir record was read): the
         * path its mkdir or rmdir record left behind. */
        path = cgroup_recent_path(&m->recent_cgroups, id);
        return path ? strdup(path) : NULL;
}

/* Executables in the usual directories by device and inode: short-lived actors (a runtime's
 * helper, a one-shot mover) are gone before the daemon reads /proc/PID/exe. Built when a name is
 * missing, at most once per interval (a few thousand stat() calls). */
static const char *const exe_dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
                                        "/usr/lib/systemd", "/usr/libexec", "/lib/systemd" };

static int compare_exe_entries(const void *a, const void *b) {
        const ExeEntry *x = a, *y = b;

        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* The same, and among one file's names the first found (the directories' order): stable. */
static int compare_exe_entries_ordered(const void *a, const void *b) {
        const ExeEntry *x = a, *y = b;
        int c = compare_exe_entries(a, b);

        return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

static void exe_index_build(Recorder *r, uint64_t now) {
        ExeEntry *entries = NULL;
        size_t n = 0, allocated = 0;

        if (r->exe_index_usec && now < r->exe_index_usec + r->interval_usec)
                return;
        r->exe_index_usec = now;
        for (size_t i = 0; i < ELEMENTSOF(exe_dirs); i++) {
                _cleanup_(closedirp) DIR *d = opendir(exe_dirs[i]);
                struct dirent *de;

                /* /bin and /sbin are links to /usr on merged systems: the first name wins. */
                while (d && (de = readdir(d))) {
                        struct stat st;
                        char path[4096];

                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", exe_dirs[i], de->d_name);
                        /* Symbolic links are names of other files, which have their own. */
                        if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                                continue;
                        if (!GREEDY_REALLOC(entries, allocated, n + 1))
                                goto done;
                        entries[n] = (ExeEntry) { .dev = kernel_dev(st.st_dev), .ino = st.st_ino, .order = n,
                                                  .path = strdup(path) };
                        if (!entries[n].path)
                                goto done;
                        n++;
                }
        }
done:
        if (n > 1)
                qsort(entries, n, sizeof(*entries), compare_exe_entries_ordered);
        for (size_t i = 0; i < r->n_exe_index; i++)
                free(r->exe_index[i].path);
        free(r->exe_index);
        r->exe_index = entries;
        r->n_exe_index = n;
}

static const char *exe_index_find(const Recorder *r, uint64_t dev, uint64_t ino) {
        ExeEntry key = { .dev = dev, .ino = ino }, *e;

        if (r->n_exe_index == 0)
                return NULL;
        e = bsearch(&key, r->exe_index, r->n_exe_index, sizeof(key), compare_exe_entries);
        if (!e)
                return NULL;
        while (e > r->exe_index && compare_exe_entries(e - 1, &key) == 0)
                e--;
        return e->path;
}

/* The executable's path while the actor still runs that file, else a policy rule's naming it,
 * else the file of that device and inode in the usual directories. */
static char *exe_name(struct Manager *m, const struct guard_record_key *k, uint32_t tgid) {
        dev_t dev = makedev(GUARD_DEV_MAJOR(k->exe_dev), GUARD_DEV_MINOR(k->exe_dev));
        const char *found;
        char *path = NULL;

        if (k->exe_dev == 0 && k->exe_ino == 0)
                return NULL;
        if (tgid && pid_exe_path_if_same(tgid, dev, k->exe_ino, &path) > 0)
                return path;
        for (size_t i = 0; i < m->policy.n_rules; i++) {
                const PolicyRule *rule = &m->policy.rules[i];

                if (rule->exe_resolved && rule->exe_dev == dev && rule->exe_ino == k->exe_ino)
                        return strdup(rule->exe);
        }
        found = exe_index_find(&m->recorder, k->exe_dev, k->exe_ino);
        if (!found) {
                exe_index_build(&m->recorder, clock_usec(CLOCK_MONOTONIC));
                found = exe_index_find(&m->recorder, k->exe_dev, k->exe_ino);
        }
        return found ? strdup(found) : NULL;
}

static RecordNames *names_new(struct Manager *m, const struct guard_record_key *k, uint32_t tgid) {
        RecordNames *n = calloc(1, sizeof(*n));

        if (!n)
                return NULL;
        n->key = *k;
        n->exe = exe_name(m, k, tgid);
        n->actor_cgroup = cgroup_name(m, k->actor_cgroup);
        n->src_cgroup = cgroup_name(m, k->src_cgroup);
        n->dst_cgroup = cgroup_name(m, k->dst_cgroup);
        return n;
}

void recorder_note(struct Manager *m, const struct guard_record_event *ev) {
        Recorder *r = &m->recorder;
        RecordNames key = { .key = ev->key }, *n, **found;

        found = tfind(&key, &r->names, compare_names);
        if (found)
                return;
        /* Bounded by the kernel's map: a key is only new once per drain. */
        if (r->n_names >= 2 * GUARD_RECORDS_MAX)
                return;
        n = names_new(m, &ev->key, ev->actor_tgid);
        if (!n)
                return;
        if (!tsearch(n, &r->names, compare_names)) {
                names_free(n);
                return;
        }
        r->n_names++;
}

static RecordKind record_kind_of(uint32_t kind) {
        switch (kind) {
        case GUARD_EVENT_MIGRATION: return RECORD_MIGRATION;
        case GUARD_EVENT_SETNS: return RECORD_SETNS;
        case GUARD_EVENT_NEW_NAMESPACE: return RECORD_NAMESPACE;
        case GUARD_EVENT_CHILD_NAMESPACE: return RECORD_FORK;
        }
        return _RECORD_KIND_INVALID;
}

static void journal_record(struct Manager *m, const struct guard_record_key *k, const struct guard_record_value *v,
                           uint64_t realtime_minus_monotonic) {
        Recorder *rec = &m->recorder;
        RecordNames key = { .key = *k }, **found = tfind(&key, &rec->names, compare_names), *n = found ? *found : NULL;
        _cleanup_(freep) char *exe_id = NULL;
        char *fields[RECORD_FIELDS_MAX];
        struct iovec iov[RECORD_FIELDS_MAX];
        RecordNames *fresh = NULL;
        int count;

        if (record_kind_of(k->kind) < 0)
                return;
        if (!n)
                n = fresh = names_new(m, k, v->actor_tgid);
        if (!n)
                return;
        if ((k->exe_dev || k->exe_ino) &&
            asprintf(&exe_id, "%u:%u:%" PRIu64, GUARD_DEV_MAJOR(k->exe_dev), GUARD_DEV_MINOR(k->exe_dev), (uint64_t) k->exe_ino) < 0)
                exe_id = NULL;

        Record r = {
                .kind = record_kind_of(k->kind),
                .verdict = (char *) event_verdict_to_string(k->verdict, backend_kind_to_string(m->backend->kind)),
                .actor_exe = n->exe,
                .actor_exe_id = exe_id,
                /* A cgroup gone before it could be named: its id, which learn and replay skip. */
                .actor_cgroup = n->actor_cgroup ?: (char *) "",
                .src_cgroup = n->src_cgroup ?: (char *) "",
                .dst_cgroup = n->dst_cgroup ?: (char *) "",
                .ns_types = k->ns_types,
                .count = v->count,
                .first_usec = v->first_ns / NSEC_PER_USEC + realtime_minus_monotonic,
                .last_usec = v->last_ns / NSEC_PER_USEC + realtime_minus_monotonic,
        };
        count = record_to_fields(&r, fields);
        if (count >= 0) {
                for (int i = 0; i < count; i++)
                        iov[i] = (struct iovec) { .iov_base = fields[i], .iov_len = strlen(fields[i]) };
                if (journal_sendv(iov, count) >= 0) {
                        rec->entries_written++;
                        rec->operations_written += v->count;
                }
                record_fields_free(fields, count);
        }
        if (fresh)
                names_free(fresh);
        else {
                tdelete(n, &rec->names, compare_names);
                names_free(n);
                rec->n_names--;
        }
}

int recorder_drain(struct Manager *m) {
        _cleanup_(freep) struct guard_record_key *keys = NULL;
        struct guard_record_key key = {}, next = {};
        size_t n = 0;
        int fd = m->backend ? m->backend->records_fd : -EBADF, written = 0;
        uint64_t offset = clock_usec(CLOCK_REALTIME) - clock_usec(CLOCK_MONOTONIC);
        void *prev = NULL;

        if (fd < 0)
                return 0;
        /* A key in the map was counted after the mkdir records of the cgroups it names: read those
         * first, or a cgroup made and removed since the last wake-up (a transient scope) has no
         * name yet when its entry is written (a busy ring is read a batch at a time). */
        manager_read_cgroup_records(m);
        keys = malloc(sizeof(*keys) * GUARD_RECORDS_MAX);
        if (!keys)
                return -ENOMEM;
        /* Keys first (deleting while walking would restart the walk), then each taken out with
         * its count: an operation counted after that starts a new entry. */
        while (n < GUARD_RECORDS_MAX && bpf_map_get_next_key(fd, prev, &next) == 0) {
                keys[n++] = next;
                key = next;
                prev = &key;
        }
        for (size_t i = 0; i < n; i++) {
                struct guard_record_value v = {};

                if (bpf_map_lookup_and_delete_elem(fd, &keys[i], &v) < 0) {
                        /* Kernels before 5.14 cannot do both at once for hash maps. */
                        if (bpf_map_lookup_elem(fd, &keys[i], &v) < 0 || bpf_map_delete_elem(fd, &keys[i]) < 0)
                                continue;
                }
                journal_record(m, &keys[i], &v, offset);
                written++;
        }
        /* Names of keys that went without being drained (a lost race): start afresh. */
        if (n == 0 && m->recorder.n_names > 0) {
                tdestroy(m->recorder.names, names_free);
                m->recorder.names = NULL;
                m->recorder.n_names = 0;
        }

        BackendCounters c;
        if (backend_read_counters(m->backend->counters_fd, &c) >= 0 && c.records_dropped > m->recorder.dropped_reported) {
                log_warning("Recording: %" PRIu64 " operation(s) not recorded: the kernel's record map (%d distinct "
                            "operations per interval) was full.", c.records_dropped - m->recorder.dropped_reported,
                            GUARD_RECORDS_MAX);
                m->recorder.dropped_reported = c.records_dropped;
        }
        return written;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct Manager *m = userdata;

        (void) recorder_drain(m);
        (void) sd_event_source_set_time(s, usec + m->recorder.interval_usec);
        return sd_event_source_set_enabled(s, SD_EVENT_ON);
}

int recorder_start(struct Manager *m) {
        Recorder *r = &m->recorder;
        uint64_t now;

        if (r->timer)
                return 0;
        if (r->interval_usec == 0)
                r->interval_usec = RECORD_INTERVAL_USEC_DEFAULT;
        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        return sd_event_add_time(m->event, &r->timer, CLOCK_MONOTONIC, now + r->interval_usec, 0, on_timer, m);
}

void recorder_done(Recorder *r) {
        sd_event_source_unref(r->timer);
        r->timer = NULL;
        tdestroy(r->names, names_free);
        r->names = NULL;
        r->n_names = 0;
        for (size_t i = 0; i < r->n_exe_index; i++)
                free(r->exe_index[i].path);
        free(r->exe_index);
        r->exe_index = NULL;
        r->n_exe_index = 0;
}
