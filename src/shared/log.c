/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int max_level = LOG_INFO;
static const char *program_name = NULL;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_program_name(const char *name) {
        program_name = name;
}

static bool stderr_is_journal(void) {
        /* systemd sets JOURNAL_STREAM when stderr is connected to journald. */
        return getenv("JOURNAL_STREAM") != NULL;
}

int log_internal(int level, int error, const char *format, ...) {
        int saved_errno = errno;
        va_list ap;

        error = abs(error);
        if (level <= max_level) {
                if (stderr_is_journal())
                        fprintf(stderr, "<%d>", level);
                else if (program_name)
                        fprintf(stderr, "%s: ", program_name);

                /* Make %m print the error we were handed, not whatever errno happens to be. */
                errno = error;
                va_start(ap, format);
                vfprintf(stderr, format, ap);
                va_end(ap);
                fputc('\n', stderr);
        }
        errno = saved_errno;
        return -error;
}
