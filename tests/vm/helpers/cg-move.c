/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-move [--threads] CGROUP_DIR PID: write PID to CGROUP_DIR/cgroup.procs (or cgroup.threads).
 * cg-move --open CGROUP_DIR -- COMMAND...: open CGROUP_DIR/cgroup.procs as fd 3, then run COMMAND
 *   (which inherits it): the confused-deputy setup, an fd opened by one process written by another.
 * cg-move --fd N PID: write PID to the inherited fd N.
 * cg-move CGROUP_DIR PID -- COMMAND...: the first form, then run COMMAND in this process (an
 *   actor that exec's another executable right after acting).
 * cg-move CGROUP_DIR PID --linger: the first form, then wait until killed, still this executable
 *   (an actor the daemon can name by /proc/PID/exe however late it looks).
 * cg-move --transient CGROUP_DIR PID: mkdir CGROUP_DIR, write PID to its cgroup.procs, rmdir it, all
 *   at once (a cgroup gone before the daemon reads the denial, like a scope PID 1 could not fill).
 * Prints "ok" or the errno name of the failing open/write; exit 0 / 1 / 2 (usage). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        const char *file = "cgroup.procs";
        char **then = NULL;
        int linger = 0;
        int failed;
        char path[4096];
        int i = 1, fd;
        size_t n;

        if (argc > 4 && strcmp(argv[1], "--open") == 0 && strcmp(argv[3], "--") == 0) {
                snprintf(path, sizeof(path), "%s/cgroup.procs", argv[2]);
                fd = open(path, O_WRONLY);
                if (fd < 0 || dup2(fd, 3) < 0) {
                        printf("%s\n", strerrorname_np(errno));
                        return 1;
                }
                execvp(argv[4], argv + 4);
                return 2;
        }
        if (argc == 4 && strcmp(argv[1], "--fd") == 0) {
                n = strlen(argv[3]);
                if (write(atoi(argv[2]), argv[3], n) != (ssize_t) n) {
                        printf("%s\n", strerrorname_np(errno));
                        return 1;
                }
                printf("ok\n");
                return 0;
        }
        if (argc == 4 && strcmp(argv[1], "--transient") == 0) {
                if (mkdir(argv[2], 0755) < 0) {
                        printf("%s\n", strerrorname_np(errno));
                        return 1;
                }
                snprintf(path, sizeof(path), "%s/cgroup.procs", argv[2]);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                n = strlen(argv[3]);
                failed = fd < 0 || write(fd, argv[3], n) != (ssize_t) n;
                printf("%s\n", failed ? strerrorname_np(errno) : "ok");
                if (fd >= 0)
                        close(fd);
                if (rmdir(argv[2]) < 0)
                        printf("rmdir: %s\n", strerrorname_np(errno));
                return failed;
        }
        if (argc > 1 && strcmp(argv[1], "--threads") == 0) {
                file = "cgroup.threads";
                i++;
        }
        if (argc - i > 3 && strcmp(argv[i + 2], "--") == 0)
                then = argv + i + 3;
        else if (argc - i == 3 && strcmp(argv[i + 2], "--linger") == 0)
                linger = 1;
        else if (argc - i != 2) {
                fprintf(stderr, "usage: cg-move [--threads] CGROUP_DIR PID [-- COMMAND...]\n");
                return 2;
        }
        snprintf(path, sizeof(path), "%s/%s", argv[i], file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        n = strlen(argv[i + 1]);
        failed = write(fd, argv[i + 1], n) != (ssize_t) n;
        printf("%s\n", failed ? strerrorname_np(errno) : "ok");
        if (then) {
                fflush(stdout);
                execvp(then[0], then);
                return 2;
        }
        if (linger) {
                fflush(stdout);
                for (;;)
                        pause();
        }
        return failed;
}
