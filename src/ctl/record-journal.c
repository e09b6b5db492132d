/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "macro.h"
#include "record-journal.h"

void record_set_done(RecordSet *s) {
        for (size_t i = 0; i < s->n_records; i++)
                record_done(&s->records[i]);
        free(s->records);
        *s = (RecordSet) {};
}

char *format_time(uint64_t usec, char *buf, size_t size) {
        time_t t = usec / 1000000;
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, size, "@%" PRIu64, usec / 1000000);
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
                *ret = (uint64_t) now.tv_sec * 1000000 + now.tv_nsec / 1000;
                return 0;
        }
        if (s[0] == '@' && s[1] >= '0' && s[1] <= '9') {
                errno = 0;
                n = strtoull(s + 1, &end, 10);
                if (errno || *end || n > UINT64_MAX / 1000000)
                        return -EINVAL;
                *ret = n * 1000000;
                return 0;
        }
        if (s[0] == '-' && s[1] >= '0' && s[1] <= '9') {
                errno = 0;
                n = strtoull(s + 1, &end, 10);
                unit = *end;
                if (errno || !unit || end[1])
                        return -EINVAL;
                n *= unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
                if (n == 0 || n > (unsigned long long) now.tv_sec)
                        return -EINVAL;
                *ret = ((uint64_t) now.tv_sec - n) * 1000000;
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
        *ret = (uint64_t) t * 1000000;
        return 0;
}

static int compare_host(const void *a, const void *b) {
        return strcmp(a, b);
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

int record_journal_read(const char *dir, uint64_t since, uint64_t until, RecordSet *ret, char **ret_error) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_(record_set_done) RecordSet set = { .first_usec = UINT64_MAX };
        void *hosts = NULL;
        const void *data;
        size_t len;
        int r;

        *ret_error = NULL;
        r = open_journal(&j, dir);
        if (r < 0)
                return asprintf(ret_error, "Cannot open the journal%s%s: %s", dir ? " in " : "", dir ?: "",
                                strerror(-r)) < 0 ? -ENOMEM : r;
        /* A journal directory always opens, even one holding nothing a journal is made of. */
        if (dir) {
                uint64_t usage = 0;

                if (sd_journal_get_usage(j, &usage) >= 0 && usage == 0)
                        return asprintf(ret_error, "%s holds no journal files", dir) < 0 ? -ENOMEM : -ENODATA;
        }
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
                record_parser_init(&p);
                SD_JOURNAL_FOREACH_DATA(j, data, len)
                        if (record_parser_feed(&p, data, len) < 0) {
                                record_done(&p.record);
                                tdestroy(hosts, free);
                                return -ENOMEM;
                        }
                r = record_parser_finish(&p, &rec, &version);
                if (r == -EPROTONOSUPPORT) {
                        char when[64];

                        tdestroy(hosts, free);
                        return asprintf(ret_error, "A record entry of %s has format version %u; this cgroup-guardctl "
                                        "reads version %u and older: use a newer cgroup-guardctl",
                                        format_time(usec, when, sizeof(when)), version, RECORD_FORMAT_VERSION) < 0 ?
                                       -ENOMEM : -EPROTONOSUPPORT;
                }
                if (r == -ENOMEM) {
                        tdestroy(hosts, free);
                        return r;
                }
                if (r < 0) {
                        set.n_malformed++;
                        continue;
                }
                if (rec.host && !tfind(rec.host, &hosts, compare_host)) {
                        char *h = strdup(rec.host);

                        if (!h || !tsearch(h, &hosts, compare_host)) {
                                free(h);
                                record_done(&rec);
                                tdestroy(hosts, free);
                                return -ENOMEM;
                        }
                        set.n_hosts++;
                }
                if (!GREEDY_REALLOC(set.records, set.n_allocated, set.n_records + 1)) {
                        record_done(&rec);
                        tdestroy(hosts, free);
                        return -ENOMEM;
                }
                set.records[set.n_records++] = rec;
                if (usec < set.first_usec)
                        set.first_usec = usec;
                if (usec > set.last_usec)
                        set.last_usec = usec;
        }
        tdestroy(hosts, free);
        if (r < 0)
                return asprintf(ret_error, "Cannot read the journal: %s", strerror(-r)) < 0 ? -ENOMEM : r;
        if (set.n_records == 0)
                return explain_nothing(dir, since, until, ret_error);
        *ret = set;
        set = (RecordSet) {};
        return 0;
}
