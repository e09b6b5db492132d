/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Logging for the binaries (library-style modules do not log; their callers do).
 * Messages go to stderr; when stderr is connected to the journal (JOURNAL_STREAM) the
 * "<N>" priority prefix lets journald keep the level. Each message is one line: control characters
 * in it are escaped (\n, \r, \x1b, ...; see str_escape()), backslashes are left alone, so names a
 * caller escaped already with cescape() read the same. */

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_program_name(const char *name);

/* stderr is the stream systemd connected to the journal (JOURNAL_STREAM names it). */
bool log_stderr_is_journal(void);

/* Returns -abs(error) so callers can write "return log_error_errno(r, ...)". %m expands to
 * strerror(abs(error)). */
int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);

#define log_full_errno(level, error, ...) log_internal((level), (error), __VA_ARGS__)
#define log_debug(...) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_warning_errno(error, ...) log_internal(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_internal(LOG_ERR, (error), __VA_ARGS__)
#define log_oom() log_internal(LOG_ERR, ENOMEM, "Out of memory.")
