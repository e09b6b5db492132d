/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "pager.h"
#include "string-util.h"
#include "table.h"

struct Table {
        size_t n_columns;
        char **cells;           /* row-major; the first row is the header */
        size_t n_cells, allocated;
};

static int table_add_cells(Table *t, va_list ap) {
        if (!GREEDY_REALLOC(t->cells, t->allocated, t->n_cells + t->n_columns))
                return -ENOMEM;
        for (size_t i = 0; i < t->n_columns; i++) {
                const char *s = va_arg(ap, const char *);
                /* Cells carry names from policy files and cgroups: terminal-safe, and measured so. */
                char *c = str_escape(s ?: "", ESCAPE_CONTROL);

                if (!c) {
                        /* Drop the partial row. */
                        for (size_t j = 0; j < i; j++)
                                free(t->cells[t->n_cells + j]);
                        return -ENOMEM;
                }
                t->cells[t->n_cells + i] = c;
        }
        t->n_cells += t->n_columns;
        return 0;
}

Table *table_new(size_t n_columns, ...) {
        Table *t = calloc(1, sizeof(Table));
        va_list ap;
        int r;

        if (!t)
                return NULL;
        t->n_columns = n_columns;
        va_start(ap, n_columns);
        r = table_add_cells(t, ap);
        va_end(ap);
        return r < 0 ? table_free(t) : t;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add_row(Table *t, ...) {
        va_list ap;
        int r;

        va_start(ap, t);
        r = table_add_cells(t, ap);
        va_end(ap);
        return r;
}

size_t table_rows(const Table *t) {
        return t->n_cells / t->n_columns - 1;
}

/* Terminal columns of a UTF-8 string: one per character (no wide characters in our cells). */
static size_t text_width(const char *s) {
        size_t w = 0;

        for (; *s; s++)
                if (((unsigned char) *s & 0xc0) != 0x80)
                        w++;
        return w;
}

void table_print(const Table *t, bool legend, FILE *f) {
        _cleanup_(freep) size_t *width = calloc(t->n_columns, sizeof(size_t));

        if (!width)
                return;
        for (size_t i = legend ? 0 : t->n_columns; i < t->n_cells; i++) {
                size_t w = text_width(t->cells[i]);
                if (w > width[i % t->n_columns])
                        width[i % t->n_columns] = w;
        }
        for (size_t i = legend ? 0 : t->n_columns; i < t->n_cells; i += t->n_columns) {
                if (i == 0)
                        fputs(ansi(ANSI_UNDERLINE), f);
                for (size_t c = 0; c < t->n_columns; c++) {
                        bool last = c + 1 == t->n_columns;
                        /* An underlined header spans the full width; otherwise lines end at their text. */
                        size_t pad = last && (i > 0 || !colors_enabled()) ? 0 : width[c] - text_width(t->cells[i + c]);

                        fprintf(f, "%s%*s", t->cells[i + c], (int) pad, "");
                        if (!last)
                                fputc(' ', f);
                }
                if (i == 0)
                        fputs(ansi(ANSI_NORMAL), f);
                fputc('\n', f);
        }
}
