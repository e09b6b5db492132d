/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "string-util.h"

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

bool log_stderr_is_journal(void) {
        static int cached = -1;
        const char *e;
        unsigned long long dev, ino;
        struct stat st;

        /* systemd sets JOURNAL_STREAM=DEV:INO for the stream it connected; children that
         * redirected stderr elsewhere inherit the variable, so compare. */
        if (cached < 0) {
                e = getenv("JOURNAL_STREAM");
                cached = e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
                         st.st_dev == (dev_t) dev && st.st_ino == (ino_t) ino;
        }
        return cached;
}

int log_internal(int level, int error, const char *format, ...) {
        _cleanup_(freep) char *line = NULL, *escaped = NULL;
        int saved_errno = errno, r;
        va_list ap;

        error = abs(error);
        if (level <= max_level) {
                char prefix[64] = "";

                if (log_stderr_is_journal())
                        snprintf(prefix, sizeof(prefix), "<%d>", level);
                else if (program_name)
                        snprintf(prefix, sizeof(prefix), "%s: ", program_name);

                /* Make %m print the error we were handed, not whatever errno happens to be. */
                errno = error;
                va_start(ap, format);
                r = vasprintf(&line, format, ap);
                va_end(ap);
                if (r < 0)
                        line = NULL;
                /* One entry is one line: a newline, CR or escape sequence in a name would forge
                 * journal lines (one per line under systemd) or drive the terminal. One write:
                 * stderr may be non-blocking (journal-send.h), and a line cut between its prefix
                 * and its text would take another's priority. */
                escaped = r < 0 ? NULL : str_escape(line, ESCAPE_CONTROL);
                fprintf(stderr, "%s%s\n", prefix, escaped ?: "(out of memory)");
        }
        errno = saved_errno;
        return -error;
}
