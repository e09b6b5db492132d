/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "pager.h"

static int colors = -1;
static pid_t pager_pid = 0;

static int parse_boolean(const char *s) {
        if (streq(s, "1") || streq(s, "yes") || streq(s, "true") || streq(s, "on"))
                return 1;
        if (streq(s, "0") || streq(s, "no") || streq(s, "false") || streq(s, "off"))
                return 0;
        return -EINVAL;
}

static bool terminal_is_dumb(void) {
        const char *term = getenv("TERM");

        return !term || streq(term, "dumb");
}

void colors_init(void) {
        const char *e = getenv("SYSTEMD_COLORS");
        int b;

        if (e) {
                /* systemd also takes the colour depth here; any depth means "on". */
                b = parse_boolean(e);
                if (b >= 0) {
                        colors = b;
                        return;
                }
                if (streq(e, "16") || streq(e, "256") || streq(e, "24bit")) {
                        colors = 1;
                        return;
                }
        }
        e = getenv("NO_COLOR");
        if (e && *e) {
                colors = 0;
                return;
        }
        colors = !terminal_is_dumb() && isatty(STDOUT_FILENO);
}

bool colors_enabled(void) {
        if (colors < 0)
                colors_init();
        return colors;
}

const char *ansi(const char *sequence) {
        return colors_enabled() ? sequence : "";
}

/* The default pager is absent: pass the text through, so nothing is lost. */
_noreturn_ static void copy_through(void) {
        char buf[4096];
        ssize_t n;

        while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
                if (write(STDOUT_FILENO, buf, n) != n)
                        break;
        _exit(EXIT_SUCCESS);
}

int pager_open(bool disabled) {
        const char *pager, *less;
        int fd[2];
        pid_t parent = getpid(), pid;

        if (disabled || pager_pid > 0 || terminal_is_dumb() || !isatty(STDOUT_FILENO))
                return 0;
        pager = getenv("SYSTEMD_PAGER");
        if (!pager)
                pager = getenv("PAGER");
        if (pager && (!*pager || streq(pager, "cat")))
                return 0;
        /* Decide colours while standard output is still the terminal. */
        (void) colors_enabled();

        fflush(stdout);
        if (pipe2(fd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(fd[0]);
                close(fd[1]);
                return r;
        }
        if (pid == 0) {
                if (dup2(fd[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                close(fd[0]);
                close(fd[1]);
                /* Quit with us when we are killed before handing over our end of file. */
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (getppid() != parent)
                        _exit(EXIT_SUCCESS);
                /* Like systemd: quit if one screen (F), raw colour (R), chop long lines (S), keep
                 * the screen (X), long prompt (M), Ctrl-C quits (K). */
                less = getenv("SYSTEMD_LESS");
                (void) setenv("LESS", less ?: "FRSXMK", 1);
                if (!getenv("LESSCHARSET") && streq(nl_langinfo(CODESET), "UTF-8"))
                        (void) setenv("LESSCHARSET", "utf-8", 1);
                if (pager) {
                        execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
                        _exit(EXIT_FAILURE);
                }
                execlp("less", "less", (char *) NULL);
                execlp("more", "more", (char *) NULL);
                copy_through();
        }
        if (dup2(fd[1], STDOUT_FILENO) < 0) {
                int r = -errno;
                close(fd[0]);
                close(fd[1]);
                return r;
        }
        close(fd[0]);
        close(fd[1]);
        pager_pid = pid;
        return 1;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        /* The pager reads until every writer is gone: stdout is our last copy of the pipe. */
        fclose(stdout);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}
