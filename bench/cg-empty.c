/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-empty HOOK...: attach the empty program of each named hook (bench/empty.bpf.c, e.g.
 * "cgroup_attach", "inode_permission"), print "ready", on SIGUSR1 print one line per program,
 * "mark HOOK RUN_CNT RUN_TIME_NS" (the totals so far: the bench subtracts its warm-up), and on
 * SIGTERM or SIGINT the same as "empty HOOK ..." (kernel.bpf_stats_enabled must be on), detach
 * and exit. Hooks the running kernel lacks are reported as "missing HOOK" and skipped. */

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_empty.skel.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap) {
        return 0;
}

/* Does program NAME ("empty_HOOK", "empty_HOOK_enter", "empty_HOOK_exit") belong to a wanted hook? */
static int wanted(const char *name, int argc, char *argv[]) {
        name += strlen("empty_");
        for (int i = 1; i < argc; i++) {
                size_t n = strlen(argv[i]);

                if (strcmp(name, argv[i]) == 0 ||
                    (strncmp(name, argv[i], n) == 0 && (strcmp(name + n, "_enter") == 0 || strcmp(name + n, "_exit") == 0)))
                        return 1;
        }
        return 0;
}

int main(int argc, char *argv[]) {
        struct bench_empty *objs[64] = {}, *probe;
        struct bpf_link *links[64] = {};
        struct bpf_program *prog;
        const char *names[64] = {};
        int n = 0, attached = 0, sig;
        sigset_t mask;

        libbpf_set_print(quiet);
        probe = bench_empty__open();
        if (!probe)
                return perror("open"), 1;
        bpf_object__for_each_program(prog, probe->obj)
                if (n < 64 && wanted(bpf_program__name(prog), argc, argv))
                        names[n++] = strdup(bpf_program__name(prog));
        bench_empty__destroy(probe);

        /* One object per program: a hook the kernel lacks fails alone. */
        for (int i = 0; i < n; i++) {
                objs[i] = bench_empty__open();
                if (!objs[i])
                        continue;
                bpf_object__for_each_program(prog, objs[i]->obj)
                        bpf_program__set_autoload(prog, strcmp(bpf_program__name(prog), names[i]) == 0);
                if (bench_empty__load(objs[i]) < 0) {
                        printf("missing %s\n", names[i] + strlen("empty_"));
                        bench_empty__destroy(objs[i]);
                        objs[i] = NULL;
                        continue;
                }
                bpf_object__for_each_program(prog, objs[i]->obj)
                        if (strcmp(bpf_program__name(prog), names[i]) == 0) {
                                links[i] = bpf_program__attach(prog);
                                if (links[i])
                                        attached++;
                                else
                                        printf("missing %s\n", names[i] + strlen("empty_"));
                        }
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGUSR1);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        printf("ready %d\n", attached);
        fflush(stdout);
        for (;;) {
                bool last;

                sigwait(&mask, &sig);
                last = sig != SIGUSR1;
                for (int i = 0; i < n; i++) {
                        struct bpf_prog_info info = {};
                        __u32 len = sizeof(info);

                        if (!objs[i])
                                continue;
                        bpf_object__for_each_program(prog, objs[i]->obj)
                                if (links[i] && strcmp(bpf_program__name(prog), names[i]) == 0 &&
                                    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0)
                                        printf("%s %s %llu %llu\n", last ? "empty" : "mark", names[i] + strlen("empty_"),
                                               (unsigned long long) info.run_cnt, (unsigned long long) info.run_time_ns);
                        if (last) {
                                bpf_link__destroy(links[i]);
                                bench_empty__destroy(objs[i]);
                        }
                }
                fflush(stdout);
                if (last)
                        break;
        }
        return 0;
}
