/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The terminal conventions of systemd's own tools: long output goes through a pager when standard
 * output is a terminal, and colour is used only there. Both are decided once, before the pager
 * takes standard output over. */

#include <stdbool.h>

/* Colour: $SYSTEMD_COLORS (a boolean, or 16/256/24bit) decides if set, then a non-empty $NO_COLOR
 * turns it off, then TERM=dumb, then whether standard output is a terminal. Call before
 * pager_open(). */
void colors_init(void);
bool colors_enabled(void);

#define ANSI_RED "\x1B[0;1;31m"
#define ANSI_GREEN "\x1B[0;1;32m"
#define ANSI_YELLOW "\x1B[0;1;33m"
#define ANSI_BOLD "\x1B[0;1;39m"
#define ANSI_UNDERLINE "\x1B[0;4m"
#define ANSI_NORMAL "\x1B[0m"

/* The escape sequence, or "" without colour. */
const char *ansi(const char *sequence);

/* Pipes standard output into $SYSTEMD_PAGER, $PAGER or less (LESS=FRSXMK, $SYSTEMD_LESS
 * overrides) when standard output is a terminal. No pager when disabled, on a dumb terminal, or
 * when the variable is empty or "cat". Returns 0 also when no pager was started. */
int pager_open(bool disabled);

/* Flushes, hands the pager its end of file and waits for it. */
void pager_close(void);
