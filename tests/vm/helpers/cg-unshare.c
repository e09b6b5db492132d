/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-unshare [--uid UID] [--repeat SECONDS] [TYPE...] [--into CGROUP] [--setns NSFILE]
 *            [--fork | --hold | -- COMMAND...]
 * unshare()s the namespaces of the given types (a failure prints the errno name, exit 1), then
 * moves itself into CGROUP (a directory; writes 0 to its cgroup.procs), then joins the namespace
 * NSFILE names (setns(fd, 0), without an exec in between; a failure prints the errno name, exit
 * 1), then:
 *   --fork  forks one child (not CLONE_VM) and prints "ok" or the errno name of fork();
 *   --clone-io  the same with clone(CLONE_IO): a flag in the CLONE_NEW* byte that is no namespace;
 *   --hold  prints "ok" and sleeps until killed (a creator holding its namespaces);
 *   -- COMMAND runs COMMAND (an exec that fails prints its errno name, exit 1); nothing of these
 *   prints "ok".
 * --uid UID drops to UID (gid likewise) first. --repeat SECONDS unshares over and over for that
 * long, or until the file given with --until exists (a flood: every attempt must fail), and
 * prints "denied N allowed M". Exit 2 on usage. */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int type_flag(const char *s) {
        static const struct { const char *name; int flag; } types[] = {
                { "mnt", CLONE_NEWNS }, { "uts", CLONE_NEWUTS }, { "ipc", CLONE_NEWIPC },
                { "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID }, { "user", CLONE_NEWUSER },
                { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
        };
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (strcmp(s, types[i].name) == 0)
                        return types[i].flag;
        return 0;
}

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One child by clone(flags | SIGCHLD), which exits at once: prints "ok" or the errno name. */
static int fork_one(unsigned long flags) {
        int status;
        pid_t pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);

        if (pid < 0) {
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        if (pid == 0)
                _exit(0);
        waitpid(pid, &status, 0);
        printf("ok\n");
        return 0;
}

int main(int argc, char *argv[]) {
        const char *into = NULL, *until = NULL, *join = NULL;
        double repeat = 0;
        int flags = 0, i;

        for (i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--uid") == 0 && i + 1 < argc) {
                        uid_t uid = atoi(argv[++i]);

                        if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0) {
                                fprintf(stderr, "cg-unshare: drop to %u: %m\n", uid);
                                return 2;
                        }
                } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
                        repeat = atof(argv[++i]);
                else if (strcmp(argv[i], "--until") == 0 && i + 1 < argc)
                        until = argv[++i];
                else if (strcmp(argv[i], "--into") == 0 && i + 1 < argc)
                        into = argv[++i];
                else if (strcmp(argv[i], "--setns") == 0 && i + 1 < argc)
                        join = argv[++i];
                else if (argv[i][0] == '-')
                        break;
                else if (type_flag(argv[i]))
                        flags |= type_flag(argv[i]);
                else {
                        fprintf(stderr, "cg-unshare: unknown type %s\n", argv[i]);
                        return 2;
                }
        }
        if (repeat > 0) {
                unsigned long denied = 0, allowed = 0;
                double end = now() + repeat;

                /* Each unshare(CLONE_NEWUSER) that works moves this process into another user
                 * namespace; the flood means ones that are denied. */
                while (now() < end && (!until || access(until, F_OK) < 0))
                        for (int k = 0; k < 256; k++)
                                if (unshare(flags) < 0)
                                        denied++;
                                else
                                        allowed++;
                printf("denied %lu allowed %lu\n", denied, allowed);
                return 0;
        }
        if (flags && unshare(flags) < 0) {
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        if (into) {
                char path[4096];
                int fd;

                snprintf(path, sizeof(path), "%s/cgroup.procs", into);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, "0", 1) != 1) {
                        fprintf(stderr, "cg-unshare: move into %s: %m\n", into);
                        return 2;
                }
                close(fd);
        }
        if (join) {
                int fd = open(join, O_RDONLY | O_CLOEXEC);

                if (fd < 0 || setns(fd, 0) < 0) {
                        printf("%s\n", strerrorname_np(errno));
                        return 1;
                }
                close(fd);
        }
        if (i < argc && strcmp(argv[i], "--fork") == 0)
                return fork_one(0);
        if (i < argc && strcmp(argv[i], "--clone-io") == 0)
                return fork_one(CLONE_IO);
        if (i < argc && strcmp(argv[i], "--hold") == 0) {
                printf("ok\n");
                fflush(stdout);
                for (;;)
                        pause();
        }
        if (i < argc && strcmp(argv[i], "--") == 0 && i + 1 < argc) {
                execvp(argv[i + 1], argv + i + 1);
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        if (i < argc) {
                fprintf(stderr, "cg-unshare: unknown option %s\n", argv[i]);
                return 2;
        }
        return 0;
}
