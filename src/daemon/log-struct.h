/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Structured journal entries (MESSAGE_ID and CGROUP_GUARD_* fields), each written once: to the
 * journal, and as a stderr line only where stderr is not the journal already (a terminal, a log
 * file), or where journald did not take the entry. Under systemd a denial is one entry, never a
 * plain copy without fields beside it. */

#include <stddef.h>
#include <sys/uio.h>

#include "macro.h"

/* fields: "NAME=value" items, MESSAGE= among them (its text is the stderr line); PRIORITY= is
 * added from level. Control characters in MESSAGE are escaped on both sides (one entry, one
 * line); other fields go as they are. Returns 0, or -errno when the entry went nowhere. */
int log_structv(int level, const struct iovec *fields, size_t n_fields);

/* As sd_journal_send(): "NAME=format", its arguments, ..., ended by NULL (the macro adds it). */
int log_struct_internal(int level, const char *format, ...) __attribute__((sentinel));
#define log_struct(level, ...) log_struct_internal((level), __VA_ARGS__, NULL)
