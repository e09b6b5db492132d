/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy-diag.h"

/* A hostile file must not make us collect millions of messages. */
#define DIAG_MAX 1000

int diag_add(Diagnostics *d, DiagSeverity severity, const char *path, unsigned line, unsigned column,
             const char *format, ...) {
        _cleanup_(freep) char *message = NULL, *copy = NULL;
        int ret = severity == DIAG_ERROR ? -EINVAL : 0;
        Diagnostic *items;
        va_list ap;
        int n;

        if (severity == DIAG_ERROR)
                d->n_errors++;
        if (d->n_items >= DIAG_MAX)
                return ret;

        va_start(ap, format);
        n = vasprintf(&message, format, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        items = GREEDY_REALLOC(d->items, d->n_items_allocated, d->n_items + 1);
        if (!items)
                return -ENOMEM;
        items[d->n_items++] = (Diagnostic) {
                .severity = severity,
                .path = TAKE_PTR(copy),
                .line = line,
                .column = column,
                .message = TAKE_PTR(message),
        };
        return ret;
}

char *diag_format(const Diagnostic *item) {
        char *s;

        if (asprintf(&s, "%s:%u:%u: %s: %s", item->path, item->line, item->column,
                     item->severity == DIAG_ERROR ? "error" : "warning", item->message) < 0)
                return NULL;
        return s;
}

void diag_print(const Diagnostics *d, FILE *f) {
        for (size_t i = 0; i < d->n_items; i++) {
                _cleanup_(freep) char *line = diag_format(&d->items[i]);

                if (line)
                        fprintf(f, "%s\n", line);
        }
        if (d->n_errors > d->n_items)
                fprintf(f, "(%zu more errors not shown)\n", d->n_errors - d->n_items);
}

void diag_done(Diagnostics *d) {
        for (size_t i = 0; i < d->n_items; i++) {
                free(d->items[i].path);
                free(d->items[i].message);
        }
        free(d->items);
        *d = (Diagnostics) {};
}
