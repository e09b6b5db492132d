/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-decide-diff SEED OPS POLICY_DIR START_COMMAND
 *
 * The one decision on a real kernel: writes a generated policy (tests/lib/decide-diff.c) for a
 * generated cgroup tree into POLICY_DIR, creates the tree under the cgroup2 root, places agent
 * processes in every cgroup under every executable identity the policy can name, runs
 * START_COMMAND (which starts cgroup-guardd and returns once it enforces), then performs OPS real
 * operations through the agents: migrations (cgroup.procs, actor != task and actor == task),
 * clone3(CLONE_INTO_CGROUP), unshare with multi-type masks, setns into namespaces held by other
 * agents' children (sandboxes when their creator's cgroup says so). Before each operation it asks
 * the daemon's explain (D-Bus ExplainMove/ExplainJoin/ExplainUnshare) for the verdict, and after
 * it compares: deny = EPERM and a denial counted; allow = success and nothing counted; audit =
 * success and an audit counted (the guard's pinned counters). Prints every mismatch, a summary,
 * and exits 0 only with 0 mismatches and enough denials and audits to mean something.
 * Must run as root in the root cgroup of a throwaway VM; cleans up its processes. */

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <systemd/sd-bus.h>

#include "decide-diff.h"
#include "guard-maps.h"
#include "policy-parse.h"

#define CG "/sys/fs/cgroup"
#define COUNTERS_PIN "/sys/fs/bpf/cgroup-guard/map_guard_counters"
#define MAX_HOLDERS 48

enum { REQ_MIGRATE, REQ_CLONE3, REQ_UNSHARE, REQ_SETNS, REQ_HOLD };

struct request {
        int kind;
        int pid;                /* migrate: the task; setns: the holder */
        uint32_t types;         /* unshare/hold: CLONE_NEW* mask; setns: one type */
        char dst[64];           /* migrate, clone3: cgroup path */
};

struct reply {
        int error;              /* 0 or errno */
        int pid;                /* hold: the holder */
};

struct agent {
        pid_t pid;
        int sock;
};

static const struct { uint32_t flag; const char *name; } ns_names[] = {
        { CLONE_NEWNS, "mnt" }, { CLONE_NEWUTS, "uts" }, { CLONE_NEWIPC, "ipc" }, { CLONE_NEWNET, "net" },
        { CLONE_NEWPID, "pid" }, { CLONE_NEWUSER, "user" }, { CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWTIME, "time" },
};

/* Types an agent can join and hold without losing the rights it needs for the next operation
 * (user drops its capabilities, cgroup changes what it may migrate, pid and time only apply to
 * children). */
static const uint32_t joinable[] = { CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET };

static void types_string(uint32_t types, char *buf, size_t size) {
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
                if (types & ns_names[i].flag)
                        n += snprintf(buf + n, size - n, "%s%s", n ? "," : "", ns_names[i].name);
}

static const char *type_name(uint32_t type) {
        for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
                if (ns_names[i].flag == type)
                        return ns_names[i].name;
        return "?";
}

static int write_file(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

        if (fd < 0)
                return -errno;
        if (write(fd, text, strlen(text)) < 0)
                r = -errno;
        close(fd);
        return r;
}

/* --- the agent side: one process per (cgroup, executable), doing what it is asked --- */

static int do_migrate(const struct request *q) {
        char path[128], pid[16];

        snprintf(path, sizeof(path), CG "%s/cgroup.procs", strcmp(q->dst, "/") == 0 ? "" : q->dst);
        snprintf(pid, sizeof(pid), "%d", q->pid);
        return -write_file(path, pid);
}

static int do_clone3(const struct request *q) {
        struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
        char path[128];
        int fd, status;
        long pid;

        snprintf(path, sizeof(path), CG "%s", q->dst);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno;
        args.cgroup = (uint64_t) fd;
        pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0)
                _exit(0);
        close(fd);
        if (pid < 0)
                return errno;
        waitpid(pid, &status, 0);
        return 0;
}

/* unshare in a child (the agent keeps its namespaces); hold: the child stays, in them. */
static int do_unshare(const struct request *q, bool hold, int *ret_pid) {
        int pipefd[2], status, error = EIO;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return errno;
        pid = fork();
        if (pid == 0) {
                int e = unshare(q->types) < 0 ? errno : 0;

                (void) !write(pipefd[1], &e, sizeof(e));
                if (e == 0 && hold)
                        for (;;)
                                pause();
                _exit(0);
        }
        close(pipefd[1]);
        if (pid < 0 || read(pipefd[0], &error, sizeof(error)) != sizeof(error))
                error = pid < 0 ? errno : EIO;
        close(pipefd[0]);
        if (hold && error == 0) {
                *ret_pid = pid;
                return 0;
        }
        waitpid(pid, &status, 0);
        return error;
}

/* By pidfd. Both ways read the process first (ptrace_may_access()), which a task locked for mnt
 * may not where the process is in another mount namespace (guard_namespace_reach()): explain's
 * ExplainJoin answers with that too. */
static int do_setns(const struct request *q) {
        int fd = (int) syscall(SYS_pidfd_open, q->pid, 0), r;

        if (fd < 0)
                return errno;
        r = setns(fd, (int) q->types) < 0 ? errno : 0;
        close(fd);
        return r;
}

static int agent_main(int sock) {
        struct request q;

        signal(SIGCHLD, SIG_DFL);
        while (read(sock, &q, sizeof(q)) == sizeof(q)) {
                struct reply a = {};

                switch (q.kind) {
                case REQ_MIGRATE: a.error = do_migrate(&q); break;
                case REQ_CLONE3: a.error = do_clone3(&q); break;
                case REQ_UNSHARE: a.error = do_unshare(&q, false, NULL); break;
                case REQ_HOLD: a.error = do_unshare(&q, true, &a.pid); break;
                case REQ_SETNS: a.error = do_setns(&q); break;
                default: a.error = EINVAL;
                }
                if (write(sock, &a, sizeof(a)) != sizeof(a))
                        return 1;
        }
        return 0;
}

/* --- the driver --- */

static int spawn_agent(const char *cgroup, const char *exe, struct agent *ret) {
        int sv[2];
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                char path[128], fd[16];

                snprintf(path, sizeof(path), CG "%s/cgroup.procs", strcmp(cgroup, "/") == 0 ? "" : cgroup);
                if (write_file(path, "0") < 0)
                        _exit(126);
                close(sv[0]);
                snprintf(fd, sizeof(fd), "%d", sv[1]);
                (void) fcntl(sv[1], F_SETFD, 0);
                execl(exe, exe, "agent", fd, (char *) NULL);
                _exit(127);
        }
        close(sv[1]);
        /* A stuck agent is a failed operation, not a hung test. */
        struct timeval tv = { .tv_sec = 20 };
        (void) setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        *ret = (struct agent) { .pid = pid, .sock = sv[0] };
        return 0;
}

static int ask_agent(const struct agent *a, const struct request *q, struct reply *ret) {
        if (write(a->sock, q, sizeof(*q)) != sizeof(*q) || read(a->sock, ret, sizeof(*ret)) != sizeof(*ret))
                return -EIO;
        return 0;
}

static int copy_file(const char *from, const char *to) {
        char buf[65536];
        int in = open(from, O_RDONLY | O_CLOEXEC), out;
        ssize_t n;

        if (in < 0)
                return -errno;
        out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (out < 0) {
                close(in);
                return -errno;
        }
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, n) != n) {
                        n = -1;
                        break;
                }
        close(in);
        close(out);
        return n < 0 ? -EIO : 0;
}

static int read_counters(int map, uint64_t *ret_denied, uint64_t *ret_audited) {
        int ncpu = libbpf_num_possible_cpus();
        uint64_t values[256];
        uint32_t key;

        if (ncpu <= 0 || ncpu > 256)
                return -EINVAL;
        *ret_denied = *ret_audited = 0;
        key = GUARD_COUNTER_DENIED;
        if (bpf_map_lookup_elem(map, &key, values) < 0)
                return -errno;
        for (int i = 0; i < ncpu; i++)
                *ret_denied += values[i];
        key = GUARD_COUNTER_AUDITED;
        if (bpf_map_lookup_elem(map, &key, values) < 0)
                return -errno;
        for (int i = 0; i < ncpu; i++)
                *ret_audited += values[i];
        return 0;
}

static int explain(sd_bus *bus, const char *method, const char *sig, char *verdict, size_t size, char *rule,
                   size_t rule_size, ...) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        const char *v, *r_, *why;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, "org.cgroupguard.Guard1", "/org/cgroupguard/Guard1",
                                           "org.cgroupguard.Guard1.Manager", method);
        if (r >= 0) {
                va_start(ap, rule_size);
                r = sd_bus_message_appendv(m, sig, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "sss", &v, &r_, &why);
        if (r >= 0) {
                snprintf(verdict, size, "%s", v);
                snprintf(rule, rule_size, "%s", r_);
        } else
                fprintf(stderr, "%s: %s\n", method, error.message ?: strerror(-r));
        sd_bus_error_free(&error);
        sd_bus_message_unref(m);
        sd_bus_message_unref(reply);
        return r;
}

/* A policy worth testing: enforce and audit files, lock and lock_on_entry rules, and (format
 * version 2) a seal and an allow entry with "from". */
static uint64_t pick_seed(uint64_t seed, char *texts[3], size_t *ret_n) {
        for (;; seed++) {
                DiffRng rng = { .state = seed };
                size_t n = diff_policy_texts(&rng, texts);
                bool enforce = false, audit = false, sandbox = false, seal = false, from = false;

                for (size_t i = 0; i < n; i++) {
                        enforce |= strstr(texts[i], "\"mode\":\"enforce\"") != NULL;
                        audit |= strstr(texts[i], "\"mode\":\"audit\"") != NULL;
                        sandbox |= strstr(texts[i], "lock_on_entry") != NULL;
                        seal |= strstr(texts[i], "\"seal\":true") != NULL && strstr(texts[i], "\"mode\":\"off\"") == NULL;
                        from |= strstr(texts[i], "\"from\"") != NULL;
                }
                if (n >= 2 && enforce && audit && sandbox && seal && from) {
                        *ret_n = n;
                        return seed;
                }
                for (size_t i = 0; i < n; i++)
                        free(texts[i]);
        }
}

int main(int argc, char *argv[]) {
        static struct agent agents[64 * (DIFF_N_EXES)];
        static struct { pid_t pid; uint32_t type; } holders[MAX_HOLDERS];
        size_t n_agents = 0, n_holders = 0, n_texts;
        unsigned long ops, done = 0, mismatches = 0, count[5] = {}, denied = 0, audited = 0;
        char *texts[3], exes[DIFF_N_EXES][64];
        sd_bus *bus = NULL;
        uint64_t seed;
        int map, r;

        if (argc == 3 && strcmp(argv[1], "agent") == 0)
                return agent_main(atoi(argv[2]));
        if (argc != 5) {
                fprintf(stderr, "usage: cg-decide-diff SEED OPS POLICY_DIR START_COMMAND\n");
                return 2;
        }
        signal(SIGPIPE, SIG_IGN);
        /* Freezing or killing an agent would stop the run, not test the decision (the unit-level
         * differential test covers actions). */
        diff_responses = false;
        seed = pick_seed(strtoull(argv[1], NULL, 0), texts, &n_texts);
        ops = strtoul(argv[2], NULL, 0);

        /* The policy, as files the daemon reads. */
        mkdir(argv[3], 0755);
        for (size_t i = 0; i <= n_texts; i++) {
                char path[256];
                FILE *f;

                snprintf(path, sizeof(path), "%s/%02zu-diff.json", argv[3], i * 10);
                f = fopen(path, "we");
                if (!f)
                        return perror(path), 2;
                /* 00: counters readable by this helper (tamper protection off). */
                fputs(i == 0 ? "{\"version\":1,\"protect_self\":false}\n" : texts[i - 1], f);
                fclose(f);
        }
        printf("# seed %llu, %zu policy files:\n", (unsigned long long) seed, n_texts);
        for (size_t i = 0; i < n_texts; i++)
                printf("#   %s", texts[i]);

        /* The tree, and the executables allow rules name. */
        for (size_t i = 1; i < diff_n_cgroups(); i++) {
                char path[128];

                snprintf(path, sizeof(path), CG "%s", diff_cgroup(i));
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return perror(path), 2;
        }
        mkdir("/usr/local/diff", 0755);
        for (size_t k = 0; k < DIFF_N_EXES; k++) {
                if (k + 1 < DIFF_N_EXES) {
                        snprintf(exes[k], sizeof(exes[k]), "%s", diff_exe(k));
                        if (copy_file("/proc/self/exe", exes[k]) < 0)
                                return perror(exes[k]), 2;
                } else /* an executable no rule names */
                        snprintf(exes[k], sizeof(exes[k]), "/proc/self/exe");
        }
        for (size_t i = 0; i < diff_n_cgroups(); i++)
                for (size_t k = 0; k < DIFF_N_EXES; k++)
                        if (spawn_agent(diff_cgroup(i), exes[k], &agents[n_agents++]) < 0)
                                return perror("spawn"), 2;
        usleep(300 * 1000);

        r = system(argv[4]);
        if (r != 0) {
                fprintf(stderr, "start command failed (%d)\n", r);
                r = 2;
                goto finish;
        }
        map = bpf_obj_get(COUNTERS_PIN);
        if (map < 0 || sd_bus_open_system(&bus) < 0) {
                fprintf(stderr, "cannot reach the guard's counters or the bus\n");
                r = 2;
                goto finish;
        }

        DiffRng rng = { .state = seed * 7919 + 1 };
        for (; done < ops; done++) {
                struct agent *a = &agents[diff_rng_below(&rng, n_agents)];
                struct request q = {};
                struct reply reply = {};
                char verdict[16] = "", rule[128] = "", what[160], types[64];
                uint64_t den0, aud0, den1, aud1;
                unsigned pick = diff_rng_below(&rng, 20);

                if (pick >= 15 && pick < 18 && n_holders == 0)
                        pick = 0;
                if (pick >= 18 && n_holders >= MAX_HOLDERS)
                        pick = 10;
                if (pick < 10) {
                        unsigned t = diff_rng_below(&rng, n_agents + n_holders);
                        pid_t task = diff_rng_below(&rng, 4) == 0 ? a->pid :
                                     t < n_agents ? agents[t].pid : holders[t - n_agents].pid;

                        q.kind = pick < 8 ? REQ_MIGRATE : REQ_CLONE3;
                        q.pid = q.kind == REQ_CLONE3 ? a->pid : task;
                        snprintf(q.dst, sizeof(q.dst), "%s", diff_cgroup(diff_rng_below(&rng, diff_n_cgroups())));
                        r = explain(bus, "ExplainMove", "uus", verdict, sizeof(verdict), rule, sizeof(rule),
                                    (uint32_t) a->pid, (uint32_t) q.pid, q.dst);
                        snprintf(what, sizeof(what), "%s of pid %d to %s by agent %d", q.kind == REQ_MIGRATE ? "migrate" : "clone3",
                                 q.pid, q.dst, a->pid);
                } else if (pick < 15 || pick >= 18) {
                        q.kind = pick < 15 ? REQ_UNSHARE : REQ_HOLD;
                        if (q.kind == REQ_HOLD)
                                q.types = joinable[diff_rng_below(&rng, 4)];
                        else
                                do
                                        q.types |= ns_names[diff_rng_below(&rng, 8)].flag;
                                while (diff_rng_below(&rng, 2));
                        types_string(q.types, types, sizeof(types));
                        r = explain(bus, "ExplainUnshare", "us", verdict, sizeof(verdict), rule, sizeof(rule),
                                    (uint32_t) a->pid, types);
                        snprintf(what, sizeof(what), "%s %s by agent %d", q.kind == REQ_HOLD ? "hold" : "unshare", types, a->pid);
                } else {
                        unsigned h = diff_rng_below(&rng, n_holders);

                        q.kind = REQ_SETNS;
                        q.pid = holders[h].pid;
                        q.types = holders[h].type;
                        r = explain(bus, "ExplainJoin", "usu", verdict, sizeof(verdict), rule, sizeof(rule),
                                    (uint32_t) a->pid, type_name(q.types), (uint32_t) q.pid);
                        snprintf(what, sizeof(what), "setns %s of holder %d by agent %d", type_name(q.types), q.pid, a->pid);
                }
                if (r < 0 || read_counters(map, &den0, &aud0) < 0 || ask_agent(a, &q, &reply) < 0 ||
                    read_counters(map, &den1, &aud1) < 0) {
                        printf("not ok - %s: explain, agent or counters failed\n", what);
                        mismatches++;
                        continue;
                }
                count[q.kind]++;
                if ((done + 1) % 200 == 0) {
                        printf("# %lu operations, %lu mismatches so far\n", done + 1, mismatches);
                        fflush(stdout);
                }
                bool good;
                if (strcmp(verdict, "deny") == 0)
                        good = reply.error == EPERM && den1 > den0;
                else if (strcmp(verdict, "audit") == 0)
                        good = reply.error == 0 && aud1 > aud0 && den1 == den0;
                else
                        good = reply.error == 0 && aud1 == aud0 && den1 == den0;
                denied += strcmp(verdict, "deny") == 0;
                audited += strcmp(verdict, "audit") == 0;
                if (!good) {
                        mismatches++;
                        printf("not ok - %s: explain said %s (%s), the kernel: %s, %llu denied, %llu audited\n", what,
                               verdict, rule, reply.error ? strerror(reply.error) : "success",
                               (unsigned long long) (den1 - den0), (unsigned long long) (aud1 - aud0));
                }
                if (q.kind == REQ_HOLD && reply.error == 0)
                        holders[n_holders++].pid = reply.pid, holders[n_holders - 1].type = q.types;
        }
        printf("# %lu operations (%lu migrate, %lu clone3, %lu unshare, %lu setns, %lu hold): %lu predicted denied, "
               "%lu predicted audited, %lu mismatches\n", done, count[REQ_MIGRATE], count[REQ_CLONE3],
               count[REQ_UNSHARE], count[REQ_SETNS], count[REQ_HOLD], denied, audited, mismatches);
        r = mismatches == 0 && denied >= ops / 20 && audited >= ops / 50 ? 0 : 1;
        if (mismatches == 0 && r)
                printf("not ok - too few denials (%lu) or audits (%lu) to mean anything\n", denied, audited);

finish:
        for (size_t i = 0; i < n_holders; i++)
                kill(holders[i].pid, SIGKILL);
        for (size_t i = 0; i < n_agents; i++) {
                kill(agents[i].pid, SIGKILL);
                waitpid(agents[i].pid, NULL, 0);
        }
        sd_bus_unref(bus);
        return r;
}
