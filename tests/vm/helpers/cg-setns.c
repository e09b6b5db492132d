/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-setns [--thread] [--pidfd PID TYPE... | NSFILE...] [-- COMMAND...]
 * Joins namespaces, by nsfs file (setns(fd, 0)) or by pidfd (setns(pidfd, CLONE_NEW*)), then runs
 * COMMAND if given. --thread: first start a second thread (it sleeps), so that the joining one is
 * not alone in its process. Prints "ok" or the errno name of the failing setns; exit 0 / 1 / 2
 * (usage). */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
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

static void *sleeper(void *arg) {
        for (;;)
                pause();
        return NULL;
}

int main(int argc, char *argv[]) {
        int i = 1;

        if (argc > 1 && strcmp(argv[1], "--thread") == 0) {
                pthread_t t;

                if (pthread_create(&t, NULL, sleeper, NULL) != 0)
                        return 2;
                argv++;
                argc--;
        }

        if (argc < 2) {
                fprintf(stderr, "usage: cg-setns [--pidfd PID TYPE... | NSFILE...] [-- COMMAND...]\n");
                return 2;
        }
        if (strcmp(argv[1], "--pidfd") == 0) {
                int flags = 0, pidfd;

                if (argc < 4)
                        return 2;
                for (i = 3; i < argc && strcmp(argv[i], "--") != 0; i++) {
                        int f = type_flag(argv[i]);
                        if (!f) {
                                fprintf(stderr, "cg-setns: unknown type %s\n", argv[i]);
                                return 2;
                        }
                        flags |= f;
                }
                pidfd = syscall(SYS_pidfd_open, atoi(argv[2]), 0);
                if (pidfd < 0) {
                        fprintf(stderr, "cg-setns: pidfd_open: %m\n");
                        return 2;
                }
                if (setns(pidfd, flags) < 0) {
                        printf("%s\n", strerrorname_np(errno));
                        return 1;
                }
        } else {
                for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
                        int fd = open(argv[i], O_RDONLY | O_CLOEXEC);

                        if (fd < 0) {
                                fprintf(stderr, "cg-setns: %s: %m\n", argv[i]);
                                return 2;
                        }
                        if (setns(fd, 0) < 0) {
                                printf("%s\n", strerrorname_np(errno));
                                return 1;
                        }
                        close(fd);
                }
        }
        if (i < argc && strcmp(argv[i], "--") == 0 && i + 1 < argc) {
                execvp(argv[i + 1], argv + i + 1);
                fprintf(stderr, "cg-setns: %s: %m\n", argv[i + 1]);
                return 2;
        }
        printf("ok\n");
        return 0;
}
