/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Untrusted strings echoed in messages: printable, bounded, never a raw control character.
 * Escaped as by cescape() below, plus '"'; the result is cut at QUOTED_MAX bytes with "...". */
#define QUOTED_MAX 96
#define QUOTED_BUF (QUOTED_MAX + 8)
const char *quoted(const char *s, char buf[static QUOTED_BUF]);

/* Length of the valid UTF-8 sequence at p (1..4 bytes, at most n), 0 if it is not one (overlong,
 * surrogate, beyond U+10FFFF, truncated). */
size_t utf8_sequence_length(const unsigned char *p, size_t n);

/* Cgroup names, comm and executable paths are chosen by the processes we report on. */
typedef enum EscapeFlags {
        ESCAPE_CONTROL   = 1 << 0,      /* C0, DEL, C1, bidi and line-separator controls: \n \r \t \a \b \f \v or \xNN */
        ESCAPE_BACKSLASH = 1 << 1,      /* '\' becomes "\\", so the result reads back unambiguously */
} EscapeFlags;

/* Bytes that are not UTF-8 always become \xNN; flags add what else is escaped. Returns a new string,
 * NULL when out of memory. */
char *str_escape(const char *s, EscapeFlags flags);

/* For D-Bus, which refuses a whole message over one string that is not UTF-8. */
static inline char *utf8_escape_invalid(const char *s) {
        return str_escape(s, 0);
}

/* For what a person reads (MESSAGE, stderr, terminals), the way systemd's cescape() does it: no
 * escape sequence, carriage return or line break of the attacker's reaches a terminal or forges
 * a log line. The raw value stays only in structured fields. */
static inline char *cescape(const char *s) {
        return str_escape(s, ESCAPE_CONTROL | ESCAPE_BACKSLASH);
}

/* s cut to at most max bytes (max >= 16) by replacing its middle with "…", at UTF-8 character
 * boundaries, so both ends of a long path stay readable; a copy of s if it fits. NULL when out
 * of memory. */
char *ellipsize_middle(const char *s, size_t max);

/* Frees a NULL-terminated list of strings and the list (NULL: nothing). */
void strv_free(char **v);
