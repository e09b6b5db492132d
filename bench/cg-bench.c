/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-bench OP ITERATIONS [ARGS]: time ITERATIONS of one operation, print "OP NS_PER_OP
 * FASTEST_NS_PER_OP": the mean over the whole loop, and the mean over the fastest of its ten equal
 * parts (the part least disturbed by whatever else the machine ran meanwhile).
 * Operations (the hot paths a guard could tax, and the ones it decides):
 *   fork        fork + _exit + waitpid
 *   exec        fork + execve(TRUE_BINARY) + waitpid            ARGS: TRUE_BINARY
 *   open        open + close of a file 7 path components deep    ARGS: FILE
 *   stat        stat of that file                                ARGS: FILE
 *   pipe        1-byte write + read on a pipe
 *   migrate     move a child between two cgroups (allowed)      ARGS: CGROUP_A CGROUP_B
 *   clone3      clone3(CLONE_INTO_CGROUP) + waitpid              ARGS: CGROUP
 *   setns       setns to another uts namespace and back          ARGS: NSFILE
 *   unshare     unshare(CLONE_NEWUTS) in the calling process
 * cg-bench now: print CLOCK_MONOTONIC in ns (busybox date has no %N).
 * cg-bench deny-rate RATE SECONDS CGROUP: a steady RATE forbidden moves a second (a child into
 * CGROUP, refused or, on observe, reported), for SECONDS; prints how many were refused. */

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The loop in CHUNKS parts: lap(i) before iteration i, and lap(n) after the last. */
#define CHUNKS 10
static long chunk_len = 1, chunk_first;
static uint64_t chunk_start, fastest = UINT64_MAX;

static void lap(long i, long n) {
        uint64_t t;

        if (i != n && i % chunk_len != 0)
                return;
        t = now_ns();
        if (i > chunk_first && (t - chunk_start) / (uint64_t) (i - chunk_first) < fastest)
                fastest = (t - chunk_start) / (uint64_t) (i - chunk_first);
        chunk_start = t;
        chunk_first = i;
}

static void report(const char *op, uint64_t start, uint64_t end, long n) {
        printf("%s %.1f %llu\n", op, (double) (end - start) / n,
               (unsigned long long) (fastest == UINT64_MAX ? (end - start) / n : fastest));
}

static void die(const char *what) {
        fprintf(stderr, "cg-bench: %s: %s\n", what, strerror(errno));
        exit(1);
}

static void write_pid(const char *cgroup, pid_t pid) {
        char path[4096], buf[32];
        int fd, n;

        snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                die(path);
        n = snprintf(buf, sizeof(buf), "%d", (int) pid);
        if (write(fd, buf, n) != n)
                die("write cgroup.procs");
        close(fd);
}

int main(int argc, char *argv[]) {
        const char *op;
        long n;
        uint64_t start, end;

        if (argc == 5 && strcmp(argv[1], "deny-rate") == 0) {
                long rate = atol(argv[2]), seconds = atol(argv[3]), refused = 0;
                char path[4096], buf[32];
                pid_t child = fork();
                int fd, len;

                if (child == 0) {
                        pause();
                        _exit(0);
                }
                snprintf(path, sizeof(path), "%s/cgroup.procs", argv[4]);
                len = snprintf(buf, sizeof(buf), "%d", (int) child);
                for (long s = 0; s < seconds; s++) {
                        uint64_t next = now_ns() + 1000000000ULL;

                        for (long i = 0; i < rate; i++) {
                                fd = open(path, O_WRONLY | O_CLOEXEC);
                                if (fd < 0)
                                        die(path);
                                refused += write(fd, buf, len) < 0;
                                close(fd);
                        }
                        while (now_ns() < next)
                                usleep(1000);
                }
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);
                printf("refused %ld\n", refused);
                return 0;
        }
        if (argc == 2 && strcmp(argv[1], "now") == 0) {
                printf("%llu\n", (unsigned long long) now_ns());
                return 0;
        }
        if (argc < 3) {
                fprintf(stderr, "usage: cg-bench OP ITERATIONS [ARGS]\n");
                return 2;
        }
        op = argv[1];
        n = atol(argv[2]);
        if (n < 1)
                n = 1;
        chunk_len = n >= CHUNKS ? n / CHUNKS : 1;

        if (strcmp(op, "fork") == 0) {
                start = now_ns();
                for (long i = 0; i < n; i++) {
                        lap(i, n);
                        pid_t p = fork();
                        if (p == 0)
                                _exit(0);
                        waitpid(p, NULL, 0);
                }
        } else if (strcmp(op, "exec") == 0 && argc == 4) {
                start = now_ns();
                for (long i = 0; i < n; i++) {
                        lap(i, n);
                        pid_t p = fork();
                        if (p == 0) {
                                execl(argv[3], argv[3], (char *) NULL);
                                _exit(127);
                        }
                        waitpid(p, NULL, 0);
                }
        } else if (strcmp(op, "open") == 0 && argc == 4) {
                start = now_ns();
                for (long i = 0; i < n; i++) {
                        lap(i, n);
                        int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
                        if (fd < 0)
                                die(argv[3]);
                        close(fd);
                }
        } else if (strcmp(op, "stat") == 0 && argc == 4) {
                struct stat st;
                start = now_ns();
                for (long i = 0; i < n; i++) {
                        lap(i, n);
                        if (stat(argv[3], &st) < 0)
                                die(argv[3]);
                }
        } else if (strcmp(op, "pipe") == 0) {
                int p[2];
                char c = 'x';
                if (pipe(p) < 0)
                        die("pipe");
                start = now_ns();
                for (long i = 0; i < n; i++) {
                        lap(i, n);
                        if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
                                die("pipe io");
                }
        } else if (strcmp(op, "migrate") == 0 && argc == 5) {
                pid_t child = fork();
                if (child == 0) {
                        pause();
                        _exit(0);
                }
                start = now_ns();
                for (long i = 0; i < n; i++) {
                        lap(i, n);
                        write_pid(argv[(i & 1) ? 3 : 4], child);
                }
                lap(n, n);
                end = now_ns();
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);
                report(op, start, end, n);
                return 0;
        } else if (strcmp(op, "clone3") == 0 && argc == 4) {
                int fd = open(argv[3], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
                if (fd < 0)
                        die(argv[3]);
                args.cgroup = fd;
                start = now_ns();
                for (long i = 0; i < n; i++) {
                        lap(i, n);
                        long p = syscall(SYS_clone3, &args, sizeof(args));
                        if (p < 0)
                                die("clone3");
                        if (p == 0)
                                _exit(0);
                        waitpid(p, NULL, 0);
                }
        } else if (strcmp(op, "setns") == 0 && argc == 4) {
                int other = open(argv[3], O_RDONLY | O_CLOEXEC), self = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
                if (other < 0 || self < 0)
                        die("open ns");
                start = now_ns();
                for (long i = 0; i < n; i++) {
                        lap(i, n);
                        if (setns(other, CLONE_NEWUTS) < 0 || setns(self, CLONE_NEWUTS) < 0)
                                die("setns");
                }
        } else if (strcmp(op, "unshare") == 0) {
                start = now_ns();
                for (long i = 0; i < n; i++) {
                        lap(i, n);
                        if (unshare(CLONE_NEWUTS) < 0)
                                die("unshare");
                }
        } else {
                fprintf(stderr, "cg-bench: unknown operation or wrong arguments: %s\n", op);
                return 2;
        }
        lap(n, n);
        end = now_ns();
        report(op, start, end, n);
        return 0;
}
