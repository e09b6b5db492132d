/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Recorded operations (src/record/record.h) read back from the journal with sd-journal: the
 * local one, or every journal file of a directory (a fleet's, gathered with
 * systemd-journal-remote or copied), within a time range. */

#include <stdint.h>

#include "record.h"

typedef struct RecordSet {
        Record *records;                        /* one per distinct operation: counts summed, first and
                                                 * last times widened; strings owned by the set */
        size_t n_records, n_allocated;
        size_t n_entries;                       /* journal entries read */
        uint64_t first_usec, last_usec;        /* of the entries read */
        size_t n_hosts;                         /* distinct _HOSTNAME values */
        size_t n_malformed;                     /* record entries skipped: not well-formed */
        /* Interned strings and the operations' index (record-journal.c). */
        char **strings;
        size_t n_strings, n_string_slots;
        size_t *index;
        size_t n_index_slots;
} RecordSet;

/* Journal ranges are [since, until] in CLOCK_REALTIME microseconds; until = UINT64_MAX: no end.
 * Returns 0 with at least one record, or a negative errno with a one-line reason in *ret_error:
 * -ENODATA no record entries (at all, or in the range: the message says which), -EPROTONOSUPPORT
 * an entry of a later format version, -ENOENT/-EACCES/... the journal cannot be opened. */
int record_journal_read(const char *dir, uint64_t since, uint64_t until, RecordSet *ret, char **ret_error);
void record_set_done(RecordSet *s);

/* "@SECONDS", "now", "-N[smhd]" (ago), "YYYY-MM-DD[ HH:MM[:SS]]" (local time; TZ= applies). */
int parse_time(const char *s, uint64_t *ret_usec);
/* "YYYY-MM-DD HH:MM:SS UTC" into buf. */
char *format_time(uint64_t usec, char *buf, size_t size);
