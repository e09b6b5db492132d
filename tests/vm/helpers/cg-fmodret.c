/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-fmodret: programs that could overrule the LSM hooks (issue 12).
 *   cg-fmodret FUNC RET SECONDS   load a tracing program of type fmod_ret on the kernel function
 *                                 FUNC (a security_*() one) that returns RET, attach it, hold it
 *                                 SECONDS, then detach; RET non-zero makes the kernel skip FUNC
 *                                 and every LSM hook behind it
 *   cg-fmodret lsm HOOK           load (not attach) an LSM program on HOOK that allows all
 *   cg-fmodret writeuser          load (not attach) a kprobe program that calls
 *                                 bpf_probe_write_user()
 *   cg-fmodret syscall            load (not run) a syscall program (sleepable) that returns 0
 *   cg-fmodret sigkill PID SECONDS
 *                                 load a raw tracepoint program on sys_enter that sends SIGKILL
 *                                 (bpf_send_signal()) to the process PID at its next system call,
 *                                 attach it, hold it SECONDS
 *   cg-fmodret peercred PID CGROUP SECONDS
 *                                 load a cgroup/getsockopt program that answers SO_PEERCRED with
 *                                 pid PID (uid and gid 0), attach it to the cgroup directory
 *                                 CGROUP, hold it SECONDS, then detach
 *   cg-fmodret device CGROUP link|attach
 *                                 load a cgroup/device program that allows every device, attach
 *                                 it to the cgroup directory CGROUP (BPF_LINK_CREATE, or
 *                                 BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI), then detach
 *   cg-fmodret unixsend           load (not attach) a cgroup sock_addr program on the unix
 *                                 sendmsg hook (Linux 6.7 and later)
 *   cg-fmodret ext                load an XDP program of its own with a global function, then an
 *                                 extension program (freplace) replacing that function, and
 *                                 attach it; "target" names the errno of a failed target load
 *   cg-fmodret ext-later FILE     the same, but between the load and the attach print "loaded"
 *                                 and wait until FILE exists (a load before the guard armed)
 * Prints "ok" once attached (or loaded), or the errno name of the failing step; exit 0 / 1 / 2. */

#ifndef _GNU_SOURCE /* meson passes -D_GNU_SOURCE */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cg-progs.h"

static int fail(void) {
        printf("%s\n", strerrorname_np(errno));
        return 1;
}

/* The link (or the error of the step that failed), kept attached for seconds. */
static int hold(int link, const char *seconds) {
        if (link < 0)
                return fail();
        printf("ok\n");
        fflush(stdout);
        sleep(atoi(seconds));
        return 0;
}

int main(int argc, char *argv[]) {
        int prog;

        if (argc == 2 && strcmp(argv[1], "writeuser") == 0) {
                if (cg_load_write_user() < 0)
                        return fail();
                printf("ok\n");
                return 0;
        }

        if (argc == 2 && strcmp(argv[1], "syscall") == 0) {
                struct bpf_insn insns[] = {
                        { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
                        { .code = BPF_JMP | BPF_EXIT },
                };
                LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = BPF_F_SLEEPABLE);

                if (bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "cg_syscall", "GPL", insns, 2, &opts) < 0)
                        return fail();
                printf("ok\n");
                return 0;
        }

        if (argc == 4 && strcmp(argv[1], "sigkill") == 0) {
                prog = cg_load_sigkill(atoi(argv[2]));
                if (prog < 0)
                        return fail();
                return hold(bpf_raw_tracepoint_open("sys_enter", prog), argv[3]);
        }

        if (argc == 5 && strcmp(argv[1], "peercred") == 0) {
                int cgroup = open(argv[3], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (cgroup < 0)
                        return fail();
                prog = cg_load_peercred(atoi(argv[2]));
                if (prog < 0)
                        return fail();
                if (bpf_prog_attach(prog, cgroup, BPF_CGROUP_GETSOCKOPT, BPF_F_ALLOW_MULTI) < 0)
                        return fail();
                hold(0, argv[4]);
                (void) bpf_prog_detach2(prog, cgroup, BPF_CGROUP_GETSOCKOPT);
                return 0;
        }

        if (argc == 4 && strcmp(argv[1], "device") == 0) {
                int cgroup = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC), link;

                if (cgroup < 0)
                        return fail();
                prog = cg_load_device_allow();
                if (prog < 0)
                        return fail();
                if (strcmp(argv[3], "link") == 0) {
                        link = bpf_link_create(prog, cgroup, BPF_CGROUP_DEVICE, NULL);
                        if (link < 0)
                                return fail();
                        close(link);
                } else {
                        if (bpf_prog_attach(prog, cgroup, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) < 0)
                                return fail();
                        (void) bpf_prog_detach2(prog, cgroup, BPF_CGROUP_DEVICE);
                }
                printf("ok\n");
                return 0;
        }

        if (argc == 2 && strcmp(argv[1], "unixsend") == 0) {
                if (cg_load_unix_sendmsg() < 0)
                        return fail();
                printf("ok\n");
                return 0;
        }

        if ((argc == 2 && strcmp(argv[1], "ext") == 0) || (argc == 3 && strcmp(argv[1], "ext-later") == 0)) {
                int target = -1;

                prog = cg_load_extension(&target);
                if (prog < 0) {
                        printf("%s%s\n", target < 0 ? "target " : "", strerrorname_np(errno));
                        return 1;
                }
                if (argc == 3) {
                        printf("loaded\n");
                        fflush(stdout);
                        while (access(argv[2], F_OK) < 0)
                                usleep(100 * 1000);
                }
                if (bpf_link_create(prog, 0, 0, NULL) < 0) /* to the target it was loaded for */
                        return fail();
                printf("ok\n");
                return 0;
        }

        if (argc == 3 && strcmp(argv[1], "lsm") == 0) {
                char func[128];

                snprintf(func, sizeof(func), "bpf_lsm_%s", argv[2]);
                prog = cg_load_on_function(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, func, 0);
                if (prog < 0)
                        return fail();
                printf("ok\n");
                return 0;
        }
        if (argc != 4) {
                fprintf(stderr, "usage: cg-fmodret FUNC RET SECONDS | lsm HOOK | writeuser | syscall | sigkill PID SECONDS | "
                                "peercred PID CGROUP SECONDS | unixsend | ext | ext-later FILE\n");
                return 2;
        }
        prog = cg_load_on_function(BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, argv[1], atoi(argv[2]));
        if (prog < 0)
                return fail();
        return hold(bpf_link_create(prog, 0, BPF_MODIFY_RETURN, NULL), argv[3]);
}
