/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The maps a program uses, as tamper protection registers them (src/daemon/bpf-info.c): every one,
 * however many. The verifier lets a program reference 64 maps; bpf_prog_bind_map() adds more to a
 * loaded program without limit. Needs CAP_BPF (skipped without). */

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bpf-info.h"
#include "macro.h"

#define N_LOADED 64     /* the verifier's MAX_USED_MAPS */
#define N_BOUND 6

/* A socket filter that references each of fds (a 64-bit immediate load of each map). */
static int load_prog_using(const int *fds, int n) {
        struct bpf_insn insns[2 * N_LOADED + 2] = {};

        for (int i = 0; i < n; i++)
                insns[2 * i] = (struct bpf_insn) { .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
                                                   .src_reg = BPF_PSEUDO_MAP_FD, .imm = fds[i] };
        insns[2 * n] = (struct bpf_insn) { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 };
        insns[2 * n + 1] = (struct bpf_insn) { .code = BPF_JMP | BPF_EXIT };
        return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "maps", "GPL", insns, 2 * n + 2, NULL);
}

static void test_every_map(void **state) {
        int fds[N_LOADED + N_BOUND], prog;
        uint32_t want[ELEMENTSOF(fds)], *ids = NULL, n = 0;

        for (size_t i = 0; i < ELEMENTSOF(fds); i++) {
                fds[i] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "m", 4, 4, 1, NULL);
                if (fds[i] < 0 && (errno == EPERM || errno == EACCES))
                        skip();
                assert_true(fds[i] >= 0);
                want[i] = object_id(fds[i]);
                assert_true(want[i] > 0);
        }
        prog = load_prog_using(fds, N_LOADED);
        assert_true(prog >= 0);
        for (int i = N_LOADED; i < N_LOADED + N_BOUND; i++)
                assert_int_equal(bpf_prog_bind_map(prog, fds[i], NULL), 0);

        assert_int_equal(bpf_prog_map_ids(prog, &ids, &n), 0);
        assert_int_equal(n, N_LOADED + N_BOUND);
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                bool found = false;

                for (uint32_t j = 0; j < n; j++)
                        found = found || ids[j] == want[i];
                assert_true(found);
        }
        free(ids);
        close(prog);
        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                close(fds[i]);
}

static void test_no_map(void **state) {
        int prog = load_prog_using(NULL, 0);
        uint32_t *ids = NULL, n = 1;

        if (prog < 0 && (errno == EPERM || errno == EACCES))
                skip();
        assert_true(prog >= 0);
        assert_int_equal(bpf_prog_map_ids(prog, &ids, &n), 0);
        assert_int_equal(n, 0);
        free(ids);
        close(prog);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_map),
                cmocka_unit_test(test_no_map),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
