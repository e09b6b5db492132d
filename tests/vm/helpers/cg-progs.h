/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once
/* Programs the off-switch tests try to load (cg-fmodret, cg-pam-evil.so): each returns the
 * program's fd, or -1 with errno set. */

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>

/* A program of type (LSM, or tracing with BPF_MODIFY_RETURN) on the kernel function func that
 * returns ret. */
static inline int cg_load_on_function(enum bpf_prog_type type, enum bpf_attach_type attach, const char *func, int ret) {
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
        return bpf_prog_load(type, "cg_on_function", "GPL", insns, 2, &opts);
}

/* A raw tracepoint program sending SIGKILL (bpf_send_signal()) to the task it runs in when that
 * is the process pid. */
static inline int cg_load_sigkill(int pid) {
        struct bpf_insn insns[] = {
                { .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_current_pid_tgid },
                { .code = BPF_ALU64 | BPF_RSH | BPF_K, .dst_reg = BPF_REG_0, .imm = 32 },
                { .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_0, .off = 2, .imm = pid },
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 9 },
                { .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_send_signal },
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
                { .code = BPF_JMP | BPF_EXIT },
        };

        return bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "cg_sigkill", "GPL", insns, 7, NULL);
}

/* A kprobe program writing 8 bytes of its stack to address 0 of whatever process runs. */
static inline int cg_load_write_user(void) {
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

/* A cgroup/getsockopt program that answers SO_PEERCRED with { pid, 0, 0 }: whoever reads the
 * peer credentials of a socket a task of the cgroup it is attached to created (dbus-daemon, of
 * its end of a connection) reads those. */
static inline int cg_load_peercred(int pid) {
        /* struct bpf_sockopt: optval 8, optval_end 16, level 24, optname 28, optlen 32 */
        struct bpf_insn insns[] = {
                { .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_1, .off = 24 },
                { .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_2, .off = 12, .imm = 1 /* SOL_SOCKET */ },
                { .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_1, .off = 28 },
                { .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_2, .off = 10, .imm = 17 /* SO_PEERCRED */ },
                { .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_1, .off = 8 },
                { .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_3, .src_reg = BPF_REG_1, .off = 16 },
                { .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_4, .src_reg = BPF_REG_2 },
                { .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_4, .imm = 12 },
                { .code = BPF_JMP | BPF_JGT | BPF_X, .dst_reg = BPF_REG_4, .src_reg = BPF_REG_3, .off = 5 },
                { .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .off = 0, .imm = pid },
                { .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .off = 4, .imm = 0 },
                { .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .off = 8, .imm = 0 },
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_5, .imm = 12 },
                { .code = BPF_STX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_5, .off = 32 },
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_CGROUP_GETSOCKOPT);

        return bpf_prog_load(BPF_PROG_TYPE_CGROUP_SOCKOPT, "cg_peercred", "GPL", insns, sizeof(insns) / sizeof(insns[0]),
                             &opts);
}

/* A cgroup/device program that allows every device (harmless wherever it is attached). */
static inline int cg_load_device_allow(void) {
        struct bpf_insn insns[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_CGROUP_DEVICE);

        return bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, "cg_device", "GPL", insns, 2, &opts);
}

/* A cgroup sock_addr program on the unix sendmsg hook (BPF_CGROUP_UNIX_SENDMSG, Linux 6.7 and
 * later; 6.1 knows no such attach type: EINVAL) that lets everything through. */
#define CG_BPF_CGROUP_UNIX_SENDMSG 50
static inline int cg_load_unix_sendmsg(void) {
        struct bpf_insn insns[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = CG_BPF_CGROUP_UNIX_SENDMSG);

        return bpf_prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, "cg_unix_sendmsg", "GPL", insns, 2, &opts);
}

/* An extension program (freplace) that makes the global function of a program return 1: the
 * target is an XDP program of our own, with BTF, whose main calls the global function cg_sub().
 * Any program with a global function (the guard's have some) could be the target of one.
 * Returns the extension's fd; *ret_target the target's. */
static inline int cg_load_extension(int *ret_target) {
        struct bpf_insn target_insns[] = {
                { .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_CALL, .imm = 2 },
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 2 /* XDP_PASS */ },
                { .code = BPF_JMP | BPF_EXIT },
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        struct bpf_insn ext_insns[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        struct bpf_func_info target_funcs[2], ext_funcs[1];
        int int_id, proto, main_id, sub_id, btf_fd, target, saved;
        struct btf *btf = btf__new_empty();

        if (!btf)
                return -1;
        int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
        proto = btf__add_func_proto(btf, int_id);
        main_id = btf__add_func(btf, "cg_main", BTF_FUNC_GLOBAL, proto);
        sub_id = btf__add_func(btf, "cg_sub", BTF_FUNC_GLOBAL, proto);
        if (int_id < 0 || proto < 0 || main_id < 0 || sub_id < 0 || btf__load_into_kernel(btf) < 0) {
                saved = errno;
                btf__free(btf);
                errno = saved;
                return -1;
        }
        btf_fd = btf__fd(btf);
        target_funcs[0] = (struct bpf_func_info) { .insn_off = 0, .type_id = main_id };
        target_funcs[1] = (struct bpf_func_info) { .insn_off = 3, .type_id = sub_id };
        ext_funcs[0] = (struct bpf_func_info) { .insn_off = 0, .type_id = sub_id };
        LIBBPF_OPTS(bpf_prog_load_opts, topts, .prog_btf_fd = btf_fd, .func_info = target_funcs, .func_info_cnt = 2,
                    .func_info_rec_size = sizeof(struct bpf_func_info));
        target = bpf_prog_load(BPF_PROG_TYPE_XDP, "cg_main", "GPL", target_insns, 5, &topts);
        if (target < 0) {
                saved = errno;
                btf__free(btf);
                errno = saved;
                return -1;
        }
        *ret_target = target;
        LIBBPF_OPTS(bpf_prog_load_opts, eopts, .prog_btf_fd = btf_fd, .func_info = ext_funcs, .func_info_cnt = 1,
                    .func_info_rec_size = sizeof(struct bpf_func_info), .attach_prog_fd = target, .attach_btf_id = sub_id);
        return bpf_prog_load(BPF_PROG_TYPE_EXT, "cg_sub", "GPL", ext_insns, 2, &eopts);
}
