/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-tamper: the probes of issue 12 against the daemon, one system call each.
 *   cg-tamper sigio PID SIGNUM      F_SETOWN PID + F_SETSIG SIGNUM on a pipe, then make it readable
 *   cg-tamper prlimit PID           prlimit(PID, RLIMIT_NOFILE, 1)
 *   cg-tamper attach PID            ptrace(PTRACE_SEIZE, PID), detached again at once
 *   cg-tamper write FILE VALUE      open FILE for writing and write VALUE
 *   cg-tamper umount PATH [detach]  umount2(PATH, 0 or MNT_DETACH)
 *   cg-tamper move FROM TO          mount(FROM, TO, MS_MOVE)
 * Prints "ok" or the errno name of the failing call; exit 0 / 1 / 2 (usage). */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <unistd.h>

static int result(int r) {
        printf("%s\n", r < 0 ? strerrorname_np(errno) : "ok");
        return r < 0;
}

static int sigio(pid_t pid, int sig) {
        int p[2];

        if (pipe(p) < 0 || fcntl(p[0], F_SETOWN, pid) < 0 || fcntl(p[0], F_SETSIG, sig) < 0 ||
            fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK) < 0)
                return result(-1);
        return result(write(p[1], "x", 1) == 1 ? 0 : -1);
}

static int write_file(const char *path, const char *value) {
        int fd = open(path, O_WRONLY);

        if (fd < 0)
                return result(-1);
        return result(write(fd, value, strlen(value)) == (ssize_t) strlen(value) ? 0 : -1);
}

int main(int argc, char *argv[]) {
        if (argc == 4 && strcmp(argv[1], "sigio") == 0)
                return sigio(atoi(argv[2]), atoi(argv[3]));
        if (argc == 3 && strcmp(argv[1], "prlimit") == 0)
                return result(prlimit(atoi(argv[2]), RLIMIT_NOFILE, &(struct rlimit) { 1, 1 }, NULL));
        if (argc == 3 && strcmp(argv[1], "attach") == 0) {
                if (ptrace(PTRACE_SEIZE, atoi(argv[2]), 0, 0) < 0)
                        return result(-1);
                (void) ptrace(PTRACE_DETACH, atoi(argv[2]), 0, 0);
                return result(0);
        }
        if (argc == 4 && strcmp(argv[1], "write") == 0)
                return write_file(argv[2], argv[3]);
        if ((argc == 3 || argc == 4) && strcmp(argv[1], "umount") == 0)
                return result(umount2(argv[2], argc == 4 ? MNT_DETACH : 0));
        if (argc == 4 && strcmp(argv[1], "move") == 0)
                return result(mount(argv[2], argv[3], NULL, MS_MOVE, NULL));
        fprintf(stderr, "usage: cg-tamper sigio PID SIGNUM | prlimit PID | attach PID | write FILE VALUE | umount PATH [detach] | move FROM TO\n");
        return 2;
}
