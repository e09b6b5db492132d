/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the bytes choose a random policy and operations (tests/lib/decide-diff.c);
 * the model oracle and the kernel's decision code over the compiled image must agree. */

#include <stdio.h>
#include <stdlib.h>

#include "decide-diff.h"
#include "policy-image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static CgroupTree tree;
        static uint64_t ids[64];
        Policy p = {};
        PolicyImage img = {};
        DiffRng rng = { .state = size, .data = data, .size = size };
        char *texts[3], buf[1024];
        size_t n;

        if (tree.n_nodes == 0) {
                for (size_t i = 0; i < diff_n_cgroups(); i++) {
                        ids[i] = 100 + i;
                        if (cgroup_tree_add(&tree, diff_cgroup(i), ids[i]) < 0)
                                abort();
                }
                cgroup_tree_sort(&tree);
        }
        n = diff_policy_texts(&rng, texts);
        if (diff_load_policy(&p, texts, n) < 0 || policy_compile(&p, &tree, 1, &img, NULL) < 0)
                abort();
        for (int i = 0; i < 200; i++) {
                DiffOp op;

                diff_random_op(&rng, &p, &op);
                if (diff_check_op(&p, &img, &tree, ids, &op, buf, sizeof(buf)) < 0) {
                        fprintf(stderr, "disagreement: %s\n", buf);
                        for (size_t k = 0; k < n; k++)
                                fprintf(stderr, "file %zu: %s", k, texts[k]);
                        abort();
                }
        }
        for (size_t k = 0; k < n; k++)
                free(texts[k]);
        policy_image_done(&img);
        policy_done(&p);
        return 0;
}
