/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include "log.h"

#include "hash-util.h"
#include "macro.h"
#include "record-journal.h"

void record_set_done(RecordSet *s) {
        /* The records' strings are the set's interned ones. */
        for (size_t i = 0; i < s->n_string_slots; i++)
                free(s->strings[i]);
        free(s->strings);
        free(s->records);
        free(s->index);
        *s = (RecordSet) {};
}

/* A journal of a busy fleet repeats the same few thousand operations millions of times: each
 * string is kept once, and each distinct operation once, with its count. Open addressing over
 * FNV-1a hashes (the tail; whole words first); tables stay at most half full. */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n) {
        const unsigned char *c = p;

        /* A word at a time (paths are long), then the tail byte by byte. */
        for (; n >= 8; c += 8, n -= 8) {
                uint64_t w;

                memcpy(&w, c, 8);
                h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
                h ^= h >> 29;
        }
        return fnv1a_add(h, c, n);
}

static int grow_strings(RecordSet *s) {
        size_t n = s->n_string_slots ? 2 * s->n_string_slots : 1024;
        char **slots = calloc(n, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_string_slots; i++) {
                char *str = s->strings[i];
                size_t k;

                if (!str)
                        continue;
                for (k = hash_bytes(FNV1A_OFFSET_BASIS, str, strlen(str)) & (n - 1); slots[k]; k = (k + 1) & (n - 1))
                        ;
                slots[k] = str;
        }
        free(s->strings);
        s->strings = slots;
        s->n_string_slots = n;
        return 0;
}

/* The pool's copy of the n bytes at s (not NUL-terminated), made on first sight; NULL without
 * memory. */
static char *intern_bytes(void *userdata, const char *s, size_t n) {
        RecordSet *set = userdata;
        char *copy;
        size_t k;

        if (2 * (set->n_strings + 1) > set->n_string_slots && grow_strings(set) < 0)
                return NULL;
        for (k = hash_bytes(FNV1A_OFFSET_BASIS, s, n) & (set->n_string_slots - 1); set->strings[k];
             k = (k + 1) & (set->n_string_slots - 1))
                /* strnlen() first: a shorter pooled string must not be read past its end. */
                if (strnlen(set->strings[k], n + 1) == n && memcmp(set->strings[k], s, n) == 0)
                        return set->strings[k];
        copy = strndup(s, n);
        if (!copy)
                return NULL;
        set->strings[k] = copy;
        set->n_strings++;
        return copy;
}

static uint64_t record_hash(const Record *r) {
        const void *ptrs[] = { r->verdict, r->actor_exe, r->actor_cgroup, r->src_cgroup, r->dst_cgroup };
        uint64_t h = hash_bytes(FNV1A_OFFSET_BASIS, ptrs, sizeof(ptrs));

        h = hash_bytes(h, &r->kind, sizeof(r->kind));
        return hash_bytes(h, &r->ns_types, sizeof(r->ns_types));
}

/* Interned strings compare by pointer. */
static bool record_same(const Record *a, const Record *b) {
        return a->kind == b->kind && a->ns_types == b->ns_types && a->verdict == b->verdict &&
               a->actor_exe == b->actor_exe && a->actor_cgroup == b->actor_cgroup && a->src_cgroup == b->src_cgroup &&
               a->dst_cgroup == b->dst_cgroup;
}

static int grow_index(RecordSet *s) {
        size_t n = s->n_index_slots ? 2 * s->n_index_slots : 1024;
        size_t *slots = calloc(n, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_records; i++) {
                size_t k;

                for (k = record_hash(&s->records[i]) & (n - 1); slots[k]; k = (k + 1) & (n - 1))
                        ;
                slots[k] = i + 1;
        }
        free(s->index);
        s->index = slots;
        s->n_index_slots = n;
        return 0;
}

/* Adds one parsed record (its strings interned already): a new operation, or counted into the
 * same one seen before. */
static int record_set_add(RecordSet *s, const Record *r) {
        size_t k;

        if (2 * (s->n_records + 1) > s->n_index_slots && grow_index(s) < 0)
                return -ENOMEM;
        for (k = record_hash(r) & (s->n_index_slots - 1); s->index[k]; k = (k + 1) & (s->n_index_slots - 1)) {
                Record *o = &s->records[s->index[k] - 1];

                if (record_same(o, r)) {
                        o->count += r->count;
                        if (r->first_usec < o->first_usec)
                                o->first_usec = r->first_usec;
                        if (r->last_usec > o->last_usec)
                                o->last_usec = r->last_usec;
                        return 0;
                }
        }
        if (!GREEDY_REALLOC(s->records, s->n_allocated, s->n_records + 1))
                return -ENOMEM;
        s->records[s->n_records] = *r;
        s->index[k] = ++s->n_records;
        return 0;
}

char *format_time(uint64_t usec, char *buf, size_t size) {
        time_t t = usec / USEC_PER_SEC;
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, size, "@%" PRIu64, usec / USEC_PER_SEC);
        return buf;
}

int parse_time(const char *s, uint64_t *ret) {
        struct timespec now;
        struct tm tm = { .tm_isdst = -1 };
        char unit, *end;
        unsigned long long n;
        const char *rest;

        clock_gettime(CLOCK_REALTIME, &now);
        if (streq(s, "now")) {
                *ret = TIMESPEC_USEC(now);
                return 0;
        }
        if (s[0] == '@' && s[1] >= '0' && s[1] <= '9') {
                errno = 0;
                n = strtoull(s + 1, &end, 10);
                if (errno || *end || n > UINT64_MAX / USEC_PER_SEC)
                        return -EINVAL;
                *ret = n * USEC_PER_SEC;
                return 0;
        }
        if (s[0] == '-' && s[1] >= '0' && s[1] <= '9') {
                errno = 0;
                n = strtoull(s + 1, &end, 10);
                unit = *end;
                if (errno || !unit || end[1])
                        return -EINVAL;
                n *= unit == 's' ? 1 : unit == 'm' ? SEC_PER_MINUTE : unit == 'h' ? SEC_PER_HOUR : unit == 'd' ? SEC_PER_DAY : 0;
                if (n == 0 || n > (unsigned long long) now.tv_sec)
                        return -EINVAL;
                *ret = ((uint64_t) now.tv_sec - n) * USEC_PER_SEC;
                return 0;
        }
        rest = strptime(s, "%Y-%m-%d", &tm);
        if (rest && *rest == ' ') {
                const char *t = strptime(rest + 1, "%H:%M:%S", &tm);

                rest = t ?: strptime(rest + 1, "%H:%M", &tm);
        }
        if (!rest || *rest)
                return -EINVAL;
        time_t t = mktime(&tm);
        if (t < 0)
                return -EINVAL;
        *ret = (uint64_t) t * USEC_PER_SEC;
        return 0;
}

static void noop_free(void *p) {
        /* The hosts' names are the set's interned strings. */
}

static int compare_pointer(const void *a, const void *b) {
        return a < b ? -1 : a > b;
}

static int open_journal(sd_journal **j, const char *dir) {
        return dir ? sd_journal_open_directory(j, dir, 0) : sd_journal_open(j, SD_JOURNAL_LOCAL_ONLY);
}

/* No record in range: say whether there are any at all, and when. */
static int explain_nothing(const char *dir, uint64_t since, uint64_t until, char **ret_error) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        uint64_t first = 0, last = 0;
        size_t n = 0;
        char a[64], b[64];

        if (open_journal(&j, dir) >= 0 && sd_journal_add_match(j, "MESSAGE_ID=" GUARD_MESSAGE_RECORD, 0) >= 0) {
                if (sd_journal_seek_head(j) >= 0 && sd_journal_next(j) > 0) {
                        n++;
                        (void) sd_journal_get_realtime_usec(j, &first);
                }
                if (sd_journal_seek_tail(j) >= 0 && sd_journal_previous(j) > 0)
                        (void) sd_journal_get_realtime_usec(j, &last);
        }
        if (n == 0)
                return asprintf(ret_error, "%s has no recorded operations (turn recording on with "
                                "\"cgroup-guardctl record on\" or \"record\": true in a policy file)",
                                dir ?: "The journal") < 0 ? -ENOMEM : -ENODATA;
        if (since == 0 && until == UINT64_MAX)
                return asprintf(ret_error, "%s has record entries, but none is a well-formed record of this format",
                                dir ?: "The journal") < 0 ? -ENOMEM : -ENODATA;
        return asprintf(ret_error, "No recorded operations in the time range given; %s has them from %s to %s",
                        dir ?: "the journal", format_time(first, a, sizeof(a)), format_time(last, b, sizeof(b))) < 0 ?
                       -ENOMEM : -ENODATA;
}

/* Reads the record entries of one journal (a file, or the local journal) into set. */
static int read_journal(sd_journal *j, uint64_t since, uint64_t until, RecordSet *set, void **hosts_tree,
                        const char **last_host_p, char **ret_error) {
        const void *data;
        size_t len;
        int r;

        (void) sd_journal_set_data_threshold(j, 0);
        r = sd_journal_add_match(j, "MESSAGE_ID=" GUARD_MESSAGE_RECORD, 0);
        if (r < 0)
                return asprintf(ret_error, "Cannot filter the journal: %s", strerror(-r)) < 0 ? -ENOMEM : r;
        r = since > 0 ? sd_journal_seek_realtime_usec(j, since) : sd_journal_seek_head(j);
        if (r < 0)
                return asprintf(ret_error, "Cannot seek in the journal: %s", strerror(-r)) < 0 ? -ENOMEM : r;

        while ((r = sd_journal_next(j)) > 0) {
                RecordParser p;
                Record rec;
                unsigned version;
                uint64_t usec;

                if (sd_journal_get_realtime_usec(j, &usec) < 0)
                        continue;
                /* Files of several hosts and boots interleave: the journal orders a boot's entries by
                 * monotonic time, so one past the end does not mean all of them are. */
                if (usec < since || usec > until)
                        continue;
                record_parser_init_interned(&p, intern_bytes, set);
                SD_JOURNAL_FOREACH_DATA(j, data, len)
                        if (record_parser_feed(&p, data, len) < 0)
                                return -ENOMEM;
                r = record_parser_finish(&p, &rec, &version);
                if (r == -EPROTONOSUPPORT) {
                        char when[64];

                        return asprintf(ret_error, "A record entry of %s has format version %u; this cgroup-guardctl "
                                        "reads version %u and older: use a newer cgroup-guardctl",
                                        format_time(usec, when, sizeof(when)), version, RECORD_FORMAT_VERSION) < 0 ?
                                       -ENOMEM : -EPROTONOSUPPORT;
                }
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        set->n_malformed++;
                        continue;
                }
                /* Every host once (interned: pointers compare); a fleet's history is one history. */
                if (rec.host) {
                        if (rec.host != *last_host_p && !tfind(rec.host, hosts_tree, compare_pointer)) {
                                if (!tsearch(rec.host, hosts_tree, compare_pointer))
                                        return -ENOMEM;
                                set->n_hosts++;
                        }
                        *last_host_p = rec.host;
                        rec.host = NULL;
                }
                /* Its strings are the pool's already. */
                if (record_set_add(set, &rec) < 0)
                        return -ENOMEM;
                set->n_entries++;
                if (usec < set->first_usec)
                        set->first_usec = usec;
                if (usec > set->last_usec)
                        set->last_usec = usec;
        }
        if (r < 0)
                return asprintf(ret_error, "Cannot read the journal: %s", strerror(-r)) < 0 ? -ENOMEM : r;
        return 0;
}

static bool journal_file_name(const char *name) {
        size_t n = strlen(name);

        return (n > 8 && streq(name + n - 8, ".journal")) || (n > 9 && streq(name + n - 9, ".journal~"));
}

static int compare_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The journal files of dir and of its subdirectories (machine-id directories, one per host),
 * in name order. */
static int list_journal_files(const char *dir, char ***ret, size_t *ret_n) {
        _cleanup_(closedirp) DIR *d = opendir(dir);
        char **files = NULL;
        size_t n = 0, allocated = 0;
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char *path;
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
                        goto oom;
                if (stat(path, &st) < 0) {
                        free(path);
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_(closedirp) DIR *sub = opendir(path);
                        struct dirent *se;

                        while (sub && (se = readdir(sub))) {
                                char *sp;

                                if (se->d_name[0] == '.' || !journal_file_name(se->d_name))
                                        continue;
                                if (asprintf(&sp, "%s/%s", path, se->d_name) < 0 || !GREEDY_REALLOC(files, allocated, n + 1)) {
                                        free(path);
                                        goto oom;
                                }
                                files[n++] = sp;
                        }
                        free(path);
                } else if (S_ISREG(st.st_mode) && journal_file_name(de->d_name)) {
                        if (!GREEDY_REALLOC(files, allocated, n + 1)) {
                                free(path);
                                goto oom;
                        }
                        files[n++] = path;
                } else
                        free(path);
        }
        if (n > 1)
                qsort(files, n, sizeof(*files), compare_strp);
        *ret = files;
        *ret_n = n;
        return 0;
oom:
        for (size_t i = 0; i < n; i++)
                free(files[i]);
        free(files);
        return -ENOMEM;
}

/* One reader thread: the files i with i % n_workers == index, into its own set. */
typedef struct Worker {
        pthread_t thread;
        char **files;
        size_t n_files, index, n_workers;
        uint64_t since, until;
        RecordSet set;
        void *hosts;
        const char *last_host;
        int r;
        size_t failed_file;     /* where r < 0 came from */
        char *error;
} Worker;

static void *worker_run(void *userdata) {
        Worker *w = userdata;

        for (size_t i = w->index; i < w->n_files; i += w->n_workers) {
                _cleanup_(sd_journal_closep) sd_journal *j = NULL;
                const char *one[] = { w->files[i], NULL };
                int r = sd_journal_open_files(&j, one, 0);

                if (r < 0) {
                        /* A file being written or damaged: the others still count. */
                        log_warning("Cannot open journal file %s: %s; skipping it.", w->files[i], strerror(-r));
                        continue;
                }
                r = read_journal(j, w->since, w->until, &w->set, &w->hosts, &w->last_host, &w->error);
                if (r < 0) {
                        w->r = r;
                        w->failed_file = i;
                        break;
                }
        }
        return NULL;
}

/* Moves what worker w read into set (strings interned again there, operations counted in). */
static int merge_worker(RecordSet *set, void **hosts, Worker *w) {
        for (size_t i = 0; i < w->set.n_records; i++) {
                Record r = w->set.records[i];
                char **strs[] = { &r.verdict, &r.actor_exe, &r.actor_exe_id, &r.actor_cgroup, &r.src_cgroup,
                                  &r.dst_cgroup };

                for (size_t k = 0; k < ELEMENTSOF(strs); k++)
                        if (*strs[k] && !(*strs[k] = intern_bytes(set, *strs[k], strlen(*strs[k]))))
                                return -ENOMEM;
                if (record_set_add(set, &r) < 0)
                        return -ENOMEM;
        }
        /* Hosts: each worker counted its own; the union is what counts. */
        for (size_t i = 0; i < w->set.n_string_slots; i++) {
                const char *h = w->set.strings[i];

                if (!h || !tfind(h, &w->hosts, compare_pointer))
                        continue;
                h = intern_bytes(set, h, strlen(h));
                if (!h)
                        return -ENOMEM;
                if (!tfind(h, hosts, compare_pointer)) {
                        if (!tsearch(h, hosts, compare_pointer))
                                return -ENOMEM;
                        set->n_hosts++;
                }
        }
        set->n_entries += w->set.n_entries;
        set->n_malformed += w->set.n_malformed;
        if (w->set.n_entries > 0) {
                if (w->set.first_usec < set->first_usec)
                        set->first_usec = w->set.first_usec;
                if (w->set.last_usec > set->last_usec)
                        set->last_usec = w->set.last_usec;
        }
        return 0;
}

#define READER_THREADS_MAX 4

int record_journal_read(const char *dir, uint64_t since, uint64_t until, RecordSet *ret, char **ret_error) {
        _cleanup_(record_set_done) RecordSet set = { .first_usec = UINT64_MAX };
        void *hosts = NULL;
        const char *last_host = NULL;
        int r = 0;

        *ret_error = NULL;
        if (!dir) {
                _cleanup_(sd_journal_closep) sd_journal *j = NULL;

                r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
                if (r < 0)
                        return asprintf(ret_error, "Cannot open the journal: %s", strerror(-r)) < 0 ? -ENOMEM : r;
                r = read_journal(j, since, until, &set, &hosts, &last_host, ret_error);
        } else {
                /* File by file: learn and replay need no order, and merging many files into one
                 * stream by time costs more than reading them. */
                char **files = NULL;
                size_t n = 0;

                r = list_journal_files(dir, &files, &n);
                if (r < 0)
                        return asprintf(ret_error, "Cannot open the journal in %s: %s", dir, strerror(-r)) < 0 ? -ENOMEM : r;
                if (n == 0) {
                        free(files);
                        return asprintf(ret_error, "%s holds no journal files", dir) < 0 ? -ENOMEM : -ENODATA;
                }
                /* Files in parallel, one reader per CPU (a fleet's directory holds many files);
                 * the result is the same however the files are shared out. */
                long cpus = sysconf(_SC_NPROCESSORS_ONLN);
                size_t n_workers = cpus < 1 ? 1 : cpus > READER_THREADS_MAX ? READER_THREADS_MAX : (size_t) cpus;
                Worker workers[READER_THREADS_MAX] = {};
                size_t started = 0, failed = SIZE_MAX;

                if (n_workers > n)
                        n_workers = n;
                for (size_t w = 0; w < n_workers; w++)
                        workers[w] = (Worker) { .files = files, .n_files = n, .index = w, .n_workers = n_workers,
                                                .since = since, .until = until, .set = { .first_usec = UINT64_MAX } };
                for (started = 1; started < n_workers; started++)
                        if (pthread_create(&workers[started].thread, NULL, worker_run, &workers[started]) != 0)
                                break;
                /* This thread is worker 0; workers that could not start leave their files to a
                 * second pass here. */
                worker_run(&workers[0]);
                for (size_t w = 1; w < started; w++)
                        pthread_join(workers[w].thread, NULL);
                for (size_t w = started; w < n_workers; w++)
                        worker_run(&workers[w]);
                /* The first failure by file order, so the message does not depend on timing. */
                for (size_t w = 0; w < n_workers; w++)
                        if (workers[w].r < 0 && (failed == SIZE_MAX || workers[w].failed_file < workers[failed].failed_file))
                                failed = w;
                if (failed != SIZE_MAX) {
                        r = workers[failed].r;
                        *ret_error = TAKE_PTR(workers[failed].error);
                }
                for (size_t w = 0; w < n_workers; w++) {
                        if (r >= 0 && merge_worker(&set, &hosts, &workers[w]) < 0)
                                r = -ENOMEM;
                        tdestroy(workers[w].hosts, noop_free);
                        free(workers[w].error);
                        record_set_done(&workers[w].set);
                }
                for (size_t i = 0; i < n; i++)
                        free(files[i]);
                free(files);
        }
        tdestroy(hosts, noop_free);
        if (r < 0)
                return r;
        if (set.n_records == 0)
                return explain_nothing(dir, since, until, ret_error);
        *ret = set;
        set = (RecordSet) {};
        return 0;
}
