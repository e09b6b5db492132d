/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Recorded operations: what the guard saw (allowed ones included) while recording, one journal
 * entry per distinct operation per interval with a count. The daemon writes them, learn and
 * replay read them back, possibly from a journal gathered from many hosts. Pure: the fields are
 * "NAME=value" strings, so the format is unit tested without a journal. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Stable forever: journalctl MESSAGE_ID=... and the catalog key on it. */
#define GUARD_MESSAGE_RECORD "44e49ebbd92b4f71807e50addc7c5583"

/* CGROUP_GUARD_RECORD_VERSION of the entries this build writes and reads; a reader refuses
 * entries of a later version rather than guess what they mean. */
#define RECORD_FORMAT_VERSION 1

typedef enum RecordKind {
        RECORD_MIGRATION,       /* actor moved a task from src to dst */
        RECORD_SETNS,           /* a task joined another namespace of ns_types */
        RECORD_NAMESPACE,       /* a task created namespaces of ns_types (unshare, clone) */
        RECORD_FORK,            /* a fork put a child into a pid/time namespace prepared earlier */
        _RECORD_KIND_MAX,
        _RECORD_KIND_INVALID = -1,
} RecordKind;

typedef struct Record {
        RecordKind kind;
        char *verdict;          /* "allow", "audit", "deny", "observed": what the guard did then */
        char *actor_exe;        /* path; NULL if unknown */
        char *actor_exe_id;     /* "MAJ:MIN:INODE"; NULL if unknown */
        char *actor_cgroup;     /* migration: the actor's cgroup; namespaces: the task's */
        char *src_cgroup;       /* migration only */
        char *dst_cgroup;
        uint32_t ns_types;      /* namespaces: CLONE_NEW* mask */
        uint64_t count;         /* operations this entry stands for (>= 1) */
        uint64_t first_usec;    /* CLOCK_REALTIME of the first and last of them */
        uint64_t last_usec;
        char *host;             /* _HOSTNAME, for a journal from many hosts; may be NULL */
} Record;

const char *record_kind_to_string(RecordKind k);
RecordKind record_kind_from_string(const char *s);

void record_done(Record *r);

/* "net user": the types of a CLONE_NEW* mask in policy order, separated by sep. Returns buf. */
char *record_ns_types_string(uint32_t mask, char sep, char *buf, size_t size);

/* Journal fields of a record ("NAME=value", MESSAGE and MESSAGE_ID included), for
 * sd_journal_sendv(). Returns the number of fields (at most RECORD_FIELDS_MAX) or -ENOMEM; free
 * them with record_fields_free(). */
#define RECORD_FIELDS_MAX 20
int record_to_fields(const Record *r, char *ret[static RECORD_FIELDS_MAX]);
void record_fields_free(char **fields, int n);

/* The reader's side: feed every field of one entry (data as sd_journal_enumerate_data() gives
 * it, not NUL-terminated), then finish. */
typedef struct RecordParser {
        Record record;
        /* If set, strings come from here (a pool that owns them) instead of strndup(): a reader of
         * millions of entries that repeat the same few thousand strings allocates each once.
         * NULL: out of memory. */
        char *(*intern)(void *userdata, const char *s, size_t n);
        void *userdata;
        bool is_record;         /* MESSAGE_ID was GUARD_MESSAGE_RECORD */
        unsigned version;       /* 0: field missing */
        bool has_kind, bad;
        char bad_field[64];
} RecordParser;

void record_parser_init(RecordParser *p);
void record_parser_init_interned(RecordParser *p, char *(*intern)(void *userdata, const char *s, size_t n), void *userdata);
int record_parser_feed(RecordParser *p, const void *data, size_t len);
/* 0 and the record (moved out to *ret), -EPROTONOSUPPORT for a later format version (*ret_version),
 * -EBADMSG for an entry that is not a well-formed record, -ENOMEM. */
int record_parser_finish(RecordParser *p, Record *ret, unsigned *ret_version);
