/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard-maps.h"
#include "macro.h"
#include "policy.h"
#include "record.h"

static const char *const kind_table[_RECORD_KIND_MAX] = {
        [RECORD_MIGRATION] = "migration",
        [RECORD_SETNS] = "setns",
        [RECORD_NAMESPACE] = "namespace",
        [RECORD_FORK] = "fork",
};

const char *record_kind_to_string(RecordKind k) {
        return k >= 0 && k < _RECORD_KIND_MAX ? kind_table[k] : NULL;
}

RecordKind record_kind_from_string(const char *s) {
        for (int i = 0; i < _RECORD_KIND_MAX; i++)
                if (streq(s, kind_table[i]))
                        return i;
        return _RECORD_KIND_INVALID;
}

void record_done(Record *r) {
        free(r->verdict);
        free(r->actor_exe);
        free(r->actor_exe_id);
        free(r->actor_cgroup);
        free(r->src_cgroup);
        free(r->dst_cgroup);
        free(r->host);
        *r = (Record) {};
}

_printf_(3, 4) static int add(char **f, int *n, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&f[*n], format, ap);
        va_end(ap);
        if (r < 0) {
                f[*n] = NULL;
                return -ENOMEM;
        }
        (*n)++;
        return 0;
}


char *record_ns_types_string(uint32_t mask, char sep, char *buf, size_t size) {
        size_t at = 0;

        buf[0] = '\0';
        /* In the order policies list them (mnt uts ipc net pid user cgroup time). */
        for (int i = 0; i < GUARD_NS_TYPES && at < size; i++)
                if (mask & guard_ns_flag(i))
                        at += snprintf(buf + at, size - at, "%.1s%s", at ? &sep : "", ns_type_to_string(guard_ns_flag(i)));
        return buf;
}

static void ns_types_string(uint32_t mask, char *buf, size_t size) {
        record_ns_types_string(mask, ' ', buf, size);
}

static uint32_t ns_types_parse(const char *s) {
        uint32_t mask = 0;
        char word[16];

        while (*s) {
                size_t n = strcspn(s, " ");

                if (n > 0 && n < sizeof(word)) {
                        uint32_t t;

                        memcpy(word, s, n);
                        word[n] = '\0';
                        t = ns_type_from_string(word);
                        if (!t)
                                return 0;
                        mask |= t;
                } else if (n > 0)
                        return 0;
                s += n;
                s += *s == ' ';
        }
        return mask;
}

int record_to_fields(const Record *r, char *f[static RECORD_FIELDS_MAX]) {
        const char *kind = record_kind_to_string(r->kind);
        char types[128];
        int n = 0;

        ns_types_string(r->ns_types, types, sizeof(types));
        if (r->kind == RECORD_MIGRATION) {
                if (add(f, &n, "MESSAGE=Recorded: %s moved a task from %s to %s (%s, %" PRIu64 " time(s))",
                        r->actor_exe ?: "?", r->src_cgroup ?: "?", r->dst_cgroup ?: "?", r->verdict ?: "allow",
                        r->count) < 0)
                        goto fail;
        } else if (add(f, &n, "MESSAGE=Recorded: %s in %s %s %s namespace(s) (%s, %" PRIu64 " time(s))",
                       r->actor_exe ?: "?", r->actor_cgroup ?: "?",
                       r->kind == RECORD_SETNS ? "joined" : r->kind == RECORD_FORK ? "forked into" : "created",
                       types, r->verdict ?: "allow", r->count) < 0)
                goto fail;
        if (add(f, &n, "MESSAGE_ID=" GUARD_MESSAGE_RECORD) < 0 ||
            add(f, &n, "PRIORITY=6") < 0 ||
            add(f, &n, "CGROUP_GUARD_RECORD_VERSION=%u", RECORD_FORMAT_VERSION) < 0 ||
            add(f, &n, "CGROUP_GUARD_KIND=%s", kind ?: "unknown") < 0 ||
            add(f, &n, "CGROUP_GUARD_ACTION=%s", r->verdict ?: "allow") < 0 ||
            add(f, &n, "CGROUP_GUARD_COUNT=%" PRIu64, r->count) < 0 ||
            add(f, &n, "CGROUP_GUARD_FIRST_USEC=%" PRIu64, r->first_usec) < 0 ||
            add(f, &n, "CGROUP_GUARD_LAST_USEC=%" PRIu64, r->last_usec) < 0 ||
            add(f, &n, "CGROUP_GUARD_ACTOR_CGROUP=%s", r->actor_cgroup ?: "") < 0)
                goto fail;
        if (r->actor_exe && add(f, &n, "CGROUP_GUARD_ACTOR_EXE=%s", r->actor_exe) < 0)
                goto fail;
        if (r->actor_exe_id && add(f, &n, "CGROUP_GUARD_ACTOR_EXE_ID=%s", r->actor_exe_id) < 0)
                goto fail;
        if (r->kind == RECORD_MIGRATION) {
                if (add(f, &n, "CGROUP_GUARD_SRC_CGROUP=%s", r->src_cgroup ?: "") < 0 ||
                    add(f, &n, "CGROUP_GUARD_DST_CGROUP=%s", r->dst_cgroup ?: "") < 0)
                        goto fail;
        } else if (add(f, &n, "CGROUP_GUARD_NS_TYPES=%s", types) < 0)
                goto fail;
        return n;
fail:
        record_fields_free(f, n);
        return -ENOMEM;
}

void record_fields_free(char **f, int n) {
        for (int i = 0; i < n; i++)
                free(f[i]);
}

void record_parser_init(RecordParser *p) {
        *p = (RecordParser) { .record.kind = _RECORD_KIND_INVALID };
}

void record_parser_init_interned(RecordParser *p, char *(*intern)(void *userdata, const char *s, size_t n), void *userdata) {
        *p = (RecordParser) { .record.kind = _RECORD_KIND_INVALID, .intern = intern, .userdata = userdata };
}

/* The parsed record's strings: freed unless they belong to the interning pool. */
static void parser_record_done(RecordParser *p) {
        if (p->intern)
                p->record = (Record) {};
        else
                record_done(&p->record);
}

static bool field_is(const char *data, size_t len, const char *name, const char **ret_value, size_t *ret_len) {
        size_t n = strlen(name);

        if (len <= n || memcmp(data, name, n) != 0 || data[n] != '=')
                return false;
        *ret_value = data + n + 1;
        *ret_len = len - n - 1;
        return true;
}

static int set_string(RecordParser *p, char **s, const char *v, size_t len) {
        char *c = p->intern ? p->intern(p->userdata, v, len) : strndup(v, len);

        if (!c)
                return -ENOMEM;
        if (!p->intern)
                free(*s);
        *s = c;
        return 0;
}

static bool parse_u64(const char *v, size_t len, uint64_t *ret) {
        uint64_t x = 0;

        if (len == 0 || len > 20)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (v[i] < '0' || v[i] > '9')
                        return false;
                if (x > (UINT64_MAX - (v[i] - '0')) / 10)
                        return false;
                x = x * 10 + (v[i] - '0');
        }
        *ret = x;
        return true;
}

static void mark_bad(RecordParser *p, const char *field) {
        if (!p->bad)
                snprintf(p->bad_field, sizeof(p->bad_field), "%s", field);
        p->bad = true;
}

int record_parser_feed(RecordParser *p, const void *data, size_t len) {
        const char *d = data, *v;
        size_t n;
        uint64_t x;
        char buf[128];

        /* Cheap rejection: every field we read starts with one of these. */
        if (len < 11 || (d[0] != 'C' && d[0] != 'M' && d[0] != '_'))
                return 0;
        if (field_is(d, len, "MESSAGE_ID", &v, &n)) {
                p->is_record = n == strlen(GUARD_MESSAGE_RECORD) && memcmp(v, GUARD_MESSAGE_RECORD, n) == 0;
                return 0;
        }
        if (field_is(d, len, "_HOSTNAME", &v, &n))
                return set_string(p, &p->record.host, v, n);
        if (len < 14 || memcmp(d, "CGROUP_GUARD_", 13) != 0)
                return 0;
        if (field_is(d, len, "CGROUP_GUARD_RECORD_VERSION", &v, &n)) {
                if (!parse_u64(v, n, &x) || x == 0 || x > UINT32_MAX)
                        mark_bad(p, "CGROUP_GUARD_RECORD_VERSION");
                else
                        p->version = x;
        } else if (field_is(d, len, "CGROUP_GUARD_KIND", &v, &n)) {
                p->record.kind = _RECORD_KIND_INVALID;
                for (int k = 0; k < _RECORD_KIND_MAX; k++)
                        if (strlen(kind_table[k]) == n && memcmp(kind_table[k], v, n) == 0)
                                p->record.kind = k;
                p->has_kind = true;
        } else if (field_is(d, len, "CGROUP_GUARD_ACTION", &v, &n))
                return set_string(p, &p->record.verdict, v, n);
        else if (field_is(d, len, "CGROUP_GUARD_COUNT", &v, &n)) {
                if (!parse_u64(v, n, &p->record.count) || p->record.count == 0)
                        mark_bad(p, "CGROUP_GUARD_COUNT");
        } else if (field_is(d, len, "CGROUP_GUARD_FIRST_USEC", &v, &n)) {
                if (!parse_u64(v, n, &p->record.first_usec))
                        mark_bad(p, "CGROUP_GUARD_FIRST_USEC");
        } else if (field_is(d, len, "CGROUP_GUARD_LAST_USEC", &v, &n)) {
                if (!parse_u64(v, n, &p->record.last_usec))
                        mark_bad(p, "CGROUP_GUARD_LAST_USEC");
        } else if (field_is(d, len, "CGROUP_GUARD_ACTOR_CGROUP", &v, &n))
                return set_string(p, &p->record.actor_cgroup, v, n);
        else if (field_is(d, len, "CGROUP_GUARD_ACTOR_EXE", &v, &n))
                return set_string(p, &p->record.actor_exe, v, n);
        else if (field_is(d, len, "CGROUP_GUARD_ACTOR_EXE_ID", &v, &n))
                return set_string(p, &p->record.actor_exe_id, v, n);
        else if (field_is(d, len, "CGROUP_GUARD_SRC_CGROUP", &v, &n))
                return set_string(p, &p->record.src_cgroup, v, n);
        else if (field_is(d, len, "CGROUP_GUARD_DST_CGROUP", &v, &n))
                return set_string(p, &p->record.dst_cgroup, v, n);
        else if (field_is(d, len, "CGROUP_GUARD_NS_TYPES", &v, &n)) {
                snprintf(buf, sizeof(buf), "%.*s", (int) (n < sizeof(buf) ? n : sizeof(buf) - 1), v);
                p->record.ns_types = n < sizeof(buf) ? ns_types_parse(buf) : 0;
                if (!p->record.ns_types)
                        mark_bad(p, "CGROUP_GUARD_NS_TYPES");
        }
        return 0;
}

static bool valid_cgroup(const char *s) {
        return s && s[0] == '/';
}

int record_parser_finish(RecordParser *p, Record *ret, unsigned *ret_version) {
        Record *r = &p->record;

        *ret_version = p->version;
        if (!p->is_record) {
                parser_record_done(p);
                return -EBADMSG;
        }
        /* A later format may mean anything, even with fields that look familiar. */
        if (p->version > RECORD_FORMAT_VERSION) {
                parser_record_done(p);
                return -EPROTONOSUPPORT;
        }
        if (p->version == 0)
                mark_bad(p, "CGROUP_GUARD_RECORD_VERSION");
        if (r->kind < 0)
                mark_bad(p, "CGROUP_GUARD_KIND");
        if (r->count == 0)
                mark_bad(p, "CGROUP_GUARD_COUNT");
        if (!valid_cgroup(r->actor_cgroup))
                mark_bad(p, "CGROUP_GUARD_ACTOR_CGROUP");
        if (r->kind == RECORD_MIGRATION && (!valid_cgroup(r->src_cgroup) || !valid_cgroup(r->dst_cgroup)))
                mark_bad(p, "CGROUP_GUARD_SRC_CGROUP");
        if (r->kind != RECORD_MIGRATION && r->kind >= 0 && !r->ns_types)
                mark_bad(p, "CGROUP_GUARD_NS_TYPES");
        if (r->actor_exe && r->actor_exe[0] != '/') {
                /* "unknown" or a description: no path to match rules by. */
                if (!p->intern)
                        free(r->actor_exe);
                r->actor_exe = NULL;
        }
        if (!r->verdict && set_string(p, &r->verdict, "allow", 5) < 0)
                return -ENOMEM;
        if (r->last_usec < r->first_usec)
                r->last_usec = r->first_usec;
        if (p->bad) {
                parser_record_done(p);
                return -EBADMSG;
        }
        *ret = *r;
        *r = (Record) {};
        return 0;
}
