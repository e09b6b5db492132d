/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Compiler-style diagnostics: "PATH:LINE:COLUMN: error: MESSAGE". The policy loader collects
 * them instead of logging, so --check, the daemon's journal entries and D-Bus's LastPolicyError
 * all show the same text. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

typedef enum DiagSeverity {
        DIAG_ERROR,
        DIAG_WARNING,
} DiagSeverity;

typedef struct Diagnostic {
        DiagSeverity severity;
        char *path;
        unsigned line, column;
        char *message;
} Diagnostic;

typedef struct Diagnostics {
        Diagnostic *items;
        size_t n_items;
        size_t n_items_allocated;
        size_t n_errors;
} Diagnostics;

/* Returns -EINVAL for errors (so callers can "return diag_add(...)"), 0 for warnings, -ENOMEM. */
int diag_add(Diagnostics *d, DiagSeverity severity, const char *path, unsigned line, unsigned column,
             const char *format, ...) _printf_(6, 7);

/* One diagnostic as a line without the trailing newline; caller frees. */
char *diag_format(const Diagnostic *item);
void diag_print(const Diagnostics *d, FILE *f);
void diag_done(Diagnostics *d);
