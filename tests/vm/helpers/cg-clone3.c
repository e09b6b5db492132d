/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-clone3 CGROUP_DIR: clone3(CLONE_INTO_CGROUP) a child into CGROUP_DIR; the child prints its
 * /proc/self/cgroup line and exits. Prints "ok" or the errno name; exit 0 on success, 1 if clone3
 * failed, 2 on usage errors. */

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        struct clone_args args = { .exit_signal = SIGCHLD };
        int fd, status;
        long pid;

        if (argc != 2) {
                fprintf(stderr, "usage: cg-clone3 CGROUP_DIR\n");
                return 2;
        }
        fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "cg-clone3: %s: %m\n", argv[1]);
                return 2;
        }
        args.flags = CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t) fd;
        pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0) {
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        if (pid == 0) {
                char line[512];
                FILE *f = fopen("/proc/self/cgroup", "re");

                if (f && fgets(line, sizeof(line), f))
                        fputs(line, stderr);
                _exit(0);
        }
        waitpid(pid, &status, 0);
        printf("ok\n");
        return 0;
}
