/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Aligned columns, like systemctl list-units: a header (the legend) and left-aligned cells padded
 * to the widest one, the last column unpadded. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

typedef struct Table Table;

/* A table with n_columns columns named by the headers that follow. */
Table *table_new(size_t n_columns, ...);
Table *table_free(Table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Table *, table_free);

/* Adds one row: n_columns strings. Returns -ENOMEM or 0. */
int table_add_row(Table *t, ...);
size_t table_rows(const Table *t);

/* Control characters in cells are printed escaped (\xNN, \n, ...), as in the journal. */
void table_print(const Table *t, bool legend, FILE *f);
