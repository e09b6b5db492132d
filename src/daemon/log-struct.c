/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <printf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "journal-send.h"
#include "log-struct.h"
#include "log.h"
#include "string-util.h"

#define LOG_STRUCT_FIELDS_MAX 32

int log_structv(int level, const struct iovec *fields, size_t n_fields) {
        _cleanup_(freep) char *message = NULL;
        struct iovec iov[LOG_STRUCT_FIELDS_MAX + 1];
        char priority[sizeof("PRIORITY=") + 12];
        const char *text = NULL;
        size_t n = 0;
        int r;

        if (n_fields > LOG_STRUCT_FIELDS_MAX)
                return log_error_errno(E2BIG, "Journal entry with %zu fields, at most %d: dropped.", n_fields,
                                       LOG_STRUCT_FIELDS_MAX);
        for (size_t i = 0; i < n_fields; i++) {
                if (fields[i].iov_len >= strlen("MESSAGE=") && memcmp(fields[i].iov_base, "MESSAGE=", strlen("MESSAGE=")) == 0) {
                        _cleanup_(freep) char *raw = strndup(fields[i].iov_base, fields[i].iov_len), *shown = NULL;

                        if (!raw || !(shown = str_escape(raw + strlen("MESSAGE="), ESCAPE_CONTROL)) ||
                            asprintf(&message, "MESSAGE=%s", shown) < 0)
                                return log_oom();
                        text = message + strlen("MESSAGE=");
                        iov[n++] = (struct iovec) { message, strlen(message) };
                } else
                        iov[n++] = fields[i];
        }
        snprintf(priority, sizeof(priority), "PRIORITY=%d", level);
        iov[n++] = (struct iovec) { priority, strlen(priority) };

        r = journal_sendv(iov, n);
        /* The one decision: stderr that is the journal already would make a second entry. */
        if (text && (r < 0 || !log_stderr_is_journal()))
                log_full_errno(level, 0, "%s", text);
        return r < 0 && log_stderr_is_journal() ? r : 0;
}

/* Skips one printf format's arguments in ap (what sd_journal_send() does between fields). */
static void va_format_skip(const char *format, va_list *ap) {
        int types[64];
        size_t n = parse_printf_format(format, ELEMENTSOF(types), types);

        /* A format with more arguments than this would leave the rest unskipped and every later
         * field reading the wrong ones: the formats are the daemon's own, so that is a bug here. */
        assert(n <= ELEMENTSOF(types));
        for (size_t i = 0; i < n && i < ELEMENTSOF(types); i++) {
                int t = types[i];

                if (t & PA_FLAG_PTR) {
                        (void) va_arg(*ap, void *);
                        continue;
                }
                switch (t & ~PA_FLAG_MASK) {
                case PA_INT:
                case PA_CHAR:
                case PA_WCHAR:
                        if (t & PA_FLAG_LONG_LONG)
                                (void) va_arg(*ap, long long);
                        else if (t & PA_FLAG_LONG)
                                (void) va_arg(*ap, long);
                        else
                                (void) va_arg(*ap, int);
                        break;
                case PA_FLOAT:
                case PA_DOUBLE:
                        if (t & PA_FLAG_LONG_DOUBLE)
                                (void) va_arg(*ap, long double);
                        else
                                (void) va_arg(*ap, double);
                        break;
                default: /* PA_STRING, PA_WSTRING, PA_POINTER */
                        (void) va_arg(*ap, void *);
                        break;
                }
        }
}

int log_struct_internal(int level, const char *format, ...) {
        char *texts[LOG_STRUCT_FIELDS_MAX] = {};
        struct iovec iov[LOG_STRUCT_FIELDS_MAX] = {};
        size_t n = 0;
        va_list ap;
        int r = 0;

        va_start(ap, format);
        for (const char *f = format; f; f = va_arg(ap, const char *)) {
                va_list aq;

                if (n >= ELEMENTSOF(texts)) {
                        r = -E2BIG;
                        break;
                }
                va_copy(aq, ap);
                if (vasprintf(&texts[n], f, aq) < 0) {
                        texts[n] = NULL;
                        r = -ENOMEM;
                }
                va_end(aq);
                if (r < 0)
                        break;
                iov[n] = (struct iovec) { texts[n], strlen(texts[n]) };
                n++;
                va_format_skip(f, &ap);
        }
        va_end(ap);
        if (r >= 0)
                r = log_structv(level, iov, n);
        else
                log_error_errno(r, "Failed to format a journal entry: %m");
        for (size_t i = 0; i < n; i++)
                free(texts[i]);
        return r;
}
