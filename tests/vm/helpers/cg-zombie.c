/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-zombie: a process whose thread-group leader has exited while another thread lives: prints
 *   the live thread's id, then the main thread calls SYS_exit (not exit_group): the leader is a
 *   zombie, the thread pauses until the process is killed.
 * cg-zombie --write-then-clone3 PROCS_FILE PID CGROUP_DIR: in one thread, write PID to
 *   PROCS_FILE, then clone3(CLONE_INTO_CGROUP) a child into CGROUP_DIR (what a stale note of the
 *   first write would decide for the second). Prints each result, "ok" or the errno name.
 * Exit 0, 1 (a step failed), 2 (usage). */

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *live_thread(void *arg) {
        printf("%ld\n", (long) syscall(SYS_gettid));
        fflush(stdout);
        for (;;)
                pause();
        return NULL;
}

static const char *write_pid(const char *file, const char *pid) {
        size_t n = strlen(pid);
        int fd = open(file, O_WRONLY | O_CLOEXEC), ok;

        if (fd < 0)
                return strerrorname_np(errno);
        ok = write(fd, pid, n) == (ssize_t) n;
        if (!ok) {
                const char *e = strerrorname_np(errno);
                close(fd);
                return e;
        }
        close(fd);
        return "ok";
}

static const char *clone_into(const char *dir) {
        struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), status;
        long pid;

        if (fd < 0)
                return strerrorname_np(errno);
        args.cgroup = (uint64_t) fd;
        pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0)
                return strerrorname_np(errno);
        if (pid == 0)
                _exit(0);
        waitpid(pid, &status, 0);
        return "ok";
}

int main(int argc, char *argv[]) {
        pthread_t t;

        if (argc == 5 && strcmp(argv[1], "--write-then-clone3") == 0) {
                const char *wrote = write_pid(argv[2], argv[3]), *cloned = clone_into(argv[4]);

                printf("%s %s\n", wrote, cloned);
                return strcmp(wrote, "ok") == 0 && strcmp(cloned, "ok") == 0 ? 0 : 1;
        }
        if (argc != 1) {
                fprintf(stderr, "usage: cg-zombie | cg-zombie --write-then-clone3 PROCS_FILE PID CGROUP_DIR\n");
                return 2;
        }
        if (pthread_create(&t, NULL, live_thread, NULL) != 0)
                return 1;
        /* Only this thread ends: the process lives on in the other one. */
        syscall(SYS_exit, 0);
        return 1;
}
