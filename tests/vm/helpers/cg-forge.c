/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-forge: the forged identity of issue 12 item 1. Makes this process's executable look like
 * EXE (prctl(PR_SET_MM, PR_SET_MM_EXE_FILE) or, with --map, PR_SET_MM_MAP with exe_fd), then acts:
 *   cg-forge [--map] [--thread] EXE move CGROUP_DIR        write 0 (itself) to CGROUP_DIR/cgroup.procs
 *   cg-forge [--map] [--thread] EXE fork-move CGROUP_DIR   the same from a child forked after forging
 *   cg-forge [--map] [--thread] EXE pin PATH               open the pinned BPF object PATH (BPF_OBJ_GET)
 *   cg-forge [--map] [--thread] EXE unlink PATH            unlink PATH
 *   cg-forge [--map] [--thread] EXE exec PROG [ARG...]     execve PROG (a real exec)
 *   cg-forge --probe-map     whether this kernel has PR_SET_MM_MAP (CONFIG_CHECKPOINT_RESTORE)
 * --userns UID: first become UID (no capabilities), then root of a user namespace of its own,
 * the unprivileged route to PR_SET_MM_MAP (checkpoint/restore capability in the caller's user
 * namespace).
 * --thread: a second thread shares the memory while forging. The kernel refuses a new exe link
 * while the old executable is still mapped, so the helper first turns its own executable's
 * mappings into anonymous copies (from code it copied out of them).
 * Prints one line: "forge: ERRNO" if forging failed, else the action's "ok" or errno name.
 * Exit 0 / 1 / 2 (usage). x86_64 only. */

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/prctl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct region {
        unsigned long start, end;
        long prot;
};

struct defile {
        struct region r[32];
        long n;
};

static inline __attribute__((always_inline)) long raw6(long n, long a, long b, long c, long d, long e, long f) {
        register long r10 asm("r10") = d;
        register long r8 asm("r8") = e;
        register long r9 asm("r9") = f;
        long ret;

        asm volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
        return ret;
}

/* Runs from an anonymous copy: position-independent, raw system calls, no calls, no data. */
__attribute__((section("cg_forge_stage"), used, noinline, no_stack_protector)) static void defile_stage(struct defile *d) {
        for (long i = 0; i < d->n; i++) {
                unsigned long start = d->r[i].start, size = d->r[i].end - d->r[i].start;
                volatile unsigned long *from, *to;
                long tmp = raw6(SYS_mmap, 0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

                if (tmp < 0)
                        raw6(SYS_exit_group, 3, 0, 0, 0, 0, 0);
                if (d->r[i].prot & PROT_READ) {
                        from = (volatile unsigned long *) start;
                        to = (volatile unsigned long *) tmp;
                        for (unsigned long w = 0; w < size / sizeof(long); w++)
                                to[w] = from[w];
                }
                raw6(SYS_munmap, start, size, 0, 0, 0, 0);
                if (raw6(SYS_mmap, start, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
                    (long) start)
                        raw6(SYS_exit_group, 4, 0, 0, 0, 0, 0);
                from = (volatile unsigned long *) tmp;
                to = (volatile unsigned long *) start;
                for (unsigned long w = 0; w < size / sizeof(long); w++)
                        to[w] = from[w];
                raw6(SYS_mprotect, start, size, d->r[i].prot, 0, 0, 0);
                raw6(SYS_munmap, tmp, size, 0, 0, 0, 0);
        }
}

extern const char __start_cg_forge_stage[], __stop_cg_forge_stage[];

/* Every mapping of our own executable becomes an anonymous copy of itself. */
static int defile_self(void) {
        struct defile d = {};
        struct stat st;
        char line[4096];
        FILE *f;
        void *code;
        size_t len = __stop_cg_forge_stage - __start_cg_forge_stage;

        if (stat("/proc/self/exe", &st) < 0 || !(f = fopen("/proc/self/maps", "re")))
                return -1;
        while (fgets(line, sizeof(line), f) && d.n < 32) {
                unsigned long start, end, ino;
                char perms[8];

                if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &start, &end, perms, &ino) != 4 || ino != st.st_ino)
                        continue;
                d.r[d.n++] = (struct region) { start, end,
                        (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
                        (perms[2] == 'x' ? PROT_EXEC : 0) };
        }
        fclose(f);
        code = mmap(NULL, len + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (code == MAP_FAILED)
                return -1;
        memcpy(code, __start_cg_forge_stage, len);
        if (mprotect(code, len + 4096, PROT_READ | PROT_EXEC) < 0)
                return -1;
        ((void (*)(struct defile *)) code)(&d);
        return 0;
}

/* PR_SET_MM_MAP needs the whole layout as it is, with exe_fd. */
static int set_mm_map(int fd) {
        struct prctl_mm_map map = { .exe_fd = fd };
        unsigned long v[52] = {};
        char buf[4096], *p;
        ssize_t n;
        int sfd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

        if (sfd < 0)
                return -1;
        n = read(sfd, buf, sizeof(buf) - 1);
        close(sfd);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        p = strrchr(buf, ')');
        if (!p)
                return -1;
        p += 2; /* field 3, the state */
        for (int i = 3; i <= 51 && p; i++) {
                v[i] = strtoul(p, NULL, 10);
                p = strchr(p, ' ');
                if (p)
                        p++;
        }
        map.start_code = v[26];
        map.end_code = v[27];
        map.start_stack = v[28];
        map.start_data = v[45];
        map.end_data = v[46];
        map.start_brk = v[47];
        map.brk = (unsigned long) sbrk(0);
        map.arg_start = v[48];
        map.arg_end = v[49];
        map.env_start = v[50];
        map.env_end = v[51];
        return prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long) &map, sizeof(map), 0);
}

static int write_file(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -1;
        n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t) strlen(text) ? 0 : -1;
}

/* Drops to uid (and gid) UID, then maps itself as root in a new user namespace. */
static int enter_userns(const char *uid_arg) {
        unsigned long uid = strtoul(uid_arg, NULL, 10);
        char map[64];

        if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
                return -1;
        /* A change of credentials makes the task undumpable: /proc/self would stay root's. */
        if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
                return -1;
        if (unshare(CLONE_NEWUSER) < 0)
                return -1;
        snprintf(map, sizeof(map), "0 %lu 1\n", uid);
        if (write_file("/proc/self/uid_map", map) < 0 || write_file("/proc/self/setgroups", "deny") < 0 ||
            write_file("/proc/self/gid_map", map) < 0)
                return -1;
        return 0;
}

static void *sleeper(void *arg) {
        pause();
        return NULL;
}

static int result(int r) {
        printf("%s\n", r < 0 ? strerrorname_np(errno) : "ok");
        fflush(stdout);
        return r < 0;
}

static int move_self(const char *dir) {
        char path[4096];
        int fd;

        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        if (write(fd, "0", 1) != 1) {
                int e = errno;
                close(fd);
                errno = e;
                return -1;
        }
        close(fd);
        return 0;
}

int main(int argc, char *argv[]) {
        bool use_map = false, thread = false;
        const char *userns = NULL;
        int fd, r;

        if (argc == 2 && strcmp(argv[1], "--probe-map") == 0) {
                unsigned size = 0;

                return result(prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, (unsigned long) &size, 0, 0));
        }
        while (argc > 1 && argv[1][0] == '-' && argv[1][1] == '-') {
                if (strcmp(argv[1], "--map") == 0)
                        use_map = true;
                else if (strcmp(argv[1], "--thread") == 0)
                        thread = true;
                else if (strcmp(argv[1], "--userns") == 0 && argc > 2) {
                        userns = argv[2];
                        argv++, argc--;
                }
                else
                        break;
                argv++, argc--;
        }
        if (argc < 4) {
                fprintf(stderr, "usage: cg-forge [--map] [--thread] [--userns UID] EXE move|fork-move|pin|unlink|exec ARG...\n");
                return 2;
        }
        if (userns && enter_userns(userns) < 0) {
                printf("userns: %s\n", strerrorname_np(errno));
                return 1;
        }
        fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || defile_self() < 0) {
                printf("forge: %s\n", strerrorname_np(errno));
                return 1;
        }
        if (thread) {
                pthread_t t;

                if (pthread_create(&t, NULL, sleeper, NULL) != 0) {
                        printf("forge: thread\n");
                        return 1;
                }
        }
        r = use_map ? set_mm_map(fd) : prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, fd, 0, 0);
        if (r < 0) {
                printf("forge: %s\n", strerrorname_np(errno));
                return 1;
        }
        close(fd);

        if (strcmp(argv[2], "move") == 0)
                return result(move_self(argv[3]));
        if (strcmp(argv[2], "fork-move") == 0) {
                int status;
                pid_t pid = fork();

                if (pid < 0)
                        return result(-1);
                if (pid == 0)
                        _exit(result(move_self(argv[3])));
                return waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
        }
        if (strcmp(argv[2], "pin") == 0) {
                union bpf_attr attr = { .pathname = (unsigned long) argv[3] };

                return result((int) syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr)));
        }
        if (strcmp(argv[2], "unlink") == 0)
                return result(unlink(argv[3]));
        if (strcmp(argv[2], "exec") == 0) {
                execv(argv[3], argv + 3);
                return result(-1);
        }
        fprintf(stderr, "cg-forge: unknown action %s\n", argv[2]);
        return 2;
}
