/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-fmodret: programs that could overrule the LSM hooks (issue 12).
 *   cg-fmodret FUNC RET SECONDS   load a tracing program of type fmod_ret on the kernel function
 *                                 FUNC (a security_*() one) that returns RET, attach it, hold it
 *                                 SECONDS, then detach; RET non-zero makes the kernel skip FUNC
 *                                 and every LSM hook behind it
 *   cg-fmodret lsm HOOK           load (not attach) an LSM program on HOOK that allows all
 *   cg-fmodret writeuser          load (not attach) a kprobe program that calls
 *                                 bpf_probe_write_user()
 * Prints "ok" once attached (or loaded), or the errno name of the failing step; exit 0 / 1 / 2. */

#ifndef _GNU_SOURCE /* meson passes -D_GNU_SOURCE */
#define _GNU_SOURCE
#endif
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(void) {
        printf("%s\n", strerrorname_np(errno));
        return 1;
}

static int load(enum bpf_prog_type type, enum bpf_attach_type attach, const char *func, int ret) {
        struct bpf_insn insns[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = ret },
                { .code = BPF_JMP | BPF_EXIT },
        };
        struct btf *vmlinux = btf__load_vmlinux_btf();
        LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach);
        int id;

        if (!vmlinux)
                return -1;
        id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
        btf__free(vmlinux);
        if (id < 0) {
                errno = ENOENT;
                return -1;
        }
        opts.attach_btf_id = id;
        return bpf_prog_load(type, "cg_fmodret", "GPL", insns, 2, &opts);
}

/* A kprobe program writing 8 bytes of its stack to address 0 of whatever process runs. */
static int load_write_user(void) {
        struct bpf_insn insns[] = {
                { .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8, .imm = 0 },
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 0 },
                { .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_10 },
                { .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -8 },
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = 8 },
                { .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_probe_write_user },
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
                { .code = BPF_JMP | BPF_EXIT },
        };

        return bpf_prog_load(BPF_PROG_TYPE_KPROBE, "cg_writeuser", "GPL", insns, sizeof(insns) / sizeof(insns[0]), NULL);
}

int main(int argc, char *argv[]) {
        int prog, link;

        if (argc == 2 && strcmp(argv[1], "writeuser") == 0) {
                if (load_write_user() < 0)
                        return fail();
                printf("ok\n");
                return 0;
        }

        if (argc == 3 && strcmp(argv[1], "lsm") == 0) {
                char func[128];

                snprintf(func, sizeof(func), "bpf_lsm_%s", argv[2]);
                prog = load(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, func, 0);
                if (prog < 0)
                        return fail();
                printf("ok\n");
                return 0;
        }
        if (argc != 4) {
                fprintf(stderr, "usage: cg-fmodret FUNC RET SECONDS | lsm HOOK | writeuser\n");
                return 2;
        }
        prog = load(BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, argv[1], atoi(argv[2]));
        if (prog < 0)
                return fail();
        link = bpf_link_create(prog, 0, BPF_MODIFY_RETURN, NULL);
        if (link < 0)
                return fail();
        printf("ok\n");
        fflush(stdout);
        sleep(atoi(argv[3]));
        return 0;
}
