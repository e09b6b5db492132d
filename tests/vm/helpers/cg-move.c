/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-move [--threads] CGROUP_DIR PID: write PID to CGROUP_DIR/cgroup.procs (or cgroup.threads).
 * Prints "ok" or the errno name of the failing open/write; exit 0 / 1 / 2 (usage). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        const char *file = "cgroup.procs";
        char path[4096];
        int i = 1, fd;
        size_t n;

        if (argc > 1 && strcmp(argv[1], "--threads") == 0) {
                file = "cgroup.threads";
                i++;
        }
        if (argc - i != 2) {
                fprintf(stderr, "usage: cg-move [--threads] CGROUP_DIR PID\n");
                return 2;
        }
        snprintf(path, sizeof(path), "%s/%s", argv[i], file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        n = strlen(argv[i + 1]);
        if (write(fd, argv[i + 1], n) != (ssize_t) n) {
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        printf("ok\n");
        return 0;
}
