/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one decision, differentially: random policies and operations decided by the model oracle
 * and by the kernel's code over the compiled image must agree, verdict, rule and action, and
 * the lock mark a setns leaves behind. Bounded for CI; DIFF_SECONDS=N runs longer by hand. */

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "decide-diff.h"
#include "macro.h"
#include "policy-image.h"

#define OPS_PER_POLICY 300

static uint64_t ids[64];

static int build_tree(CgroupTree *tree) {
        for (size_t i = 0; i < diff_n_cgroups(); i++) {
                ids[i] = 100 + i;
                if (cgroup_tree_add(tree, diff_cgroup(i), ids[i]) < 0)
                        return -ENOMEM;
        }
        cgroup_tree_sort(tree);
        return 0;
}

/* Returns the number of operations checked; fails the test on the first disagreement. */
static uint64_t run_seed(uint64_t seed, const CgroupTree *tree) {
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(policy_image_done) PolicyImage img = {};
        DiffRng rng = { .state = seed };
        char *texts[3], buf[1024];
        size_t n = diff_policy_texts(&rng, texts);
        uint64_t ops = 0;

        if (diff_load_policy(&p, texts, n) < 0) {
                for (size_t i = 0; i < n; i++)
                        fprintf(stderr, "%s", texts[i]);
                fail_msg("seed %" PRIu64 ": the generated policy does not parse", seed);
        }
        assert_int_equal(policy_compile(&p, tree, 1, &img, NULL), 0);
        for (; ops < OPS_PER_POLICY; ops++) {
                DiffOp op;

                diff_random_op(&rng, &p, &op);
                if (diff_check_op(&p, &img, ids, &op, buf, sizeof(buf)) < 0) {
                        for (size_t i = 0; i < n; i++)
                                fprintf(stderr, "file %zu: %s", i, texts[i]);
                        fail_msg("seed %" PRIu64 ", operation %" PRIu64 ": %s", seed, ops, buf);
                }
        }
        for (size_t i = 0; i < n; i++)
                free(texts[i]);
        return ops;
}

static void test_differential(void **state) {
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        const char *secs = getenv("DIFF_SECONDS");
        time_t deadline = time(NULL) + (secs ? atol(secs) : 0);
        uint64_t policies = 0, ops = 0;

        assert_int_equal(build_tree(&tree), 0);
        /* A fixed set first (reproducible in CI), then more until the deadline. */
        for (uint64_t seed = 1; seed <= 3000 || time(NULL) < deadline; seed++, policies++)
                ops += run_seed(seed, &tree);
        printf("# %" PRIu64 " random policies, %" PRIu64 " operations, 0 disagreements\n", policies, ops);
}

/* The generator must produce what the decisions disagree about: denials, audits, sandboxes. */
static void test_generator_reaches_every_outcome(void **state) {
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        unsigned seen[_DIFF_OP_MAX][3] = {};

        assert_int_equal(build_tree(&tree), 0);
        for (uint64_t seed = 1; seed <= 200; seed++) {
                _cleanup_(policy_done) Policy p = {};
                _cleanup_(policy_image_done) PolicyImage img = {};
                DiffRng rng = { .state = seed };
                char *texts[3];
                size_t n = diff_policy_texts(&rng, texts);

                assert_int_equal(diff_load_policy(&p, texts, n), 0);
                assert_int_equal(policy_compile(&p, &tree, 1, &img, NULL), 0);
                for (int i = 0; i < OPS_PER_POLICY; i++) {
                        struct guard_decision d;
                        struct guard_task_lock mark;
                        struct guard_actor who = {};
                        uint32_t type;
                        DiffOp op;

                        diff_random_op(&rng, &p, &op);
                        mark = (struct guard_task_lock) { .rule = op.mark_rule, .types = op.mark_types };
                        who.cgroup_id = ids[op.actor_cgroup];
                        if (op.kind == DIFF_OP_MIGRATE)
                                guard_decide_migration(&img, &who, ids[op.src], ids[op.dst], &d);
                        else
                                guard_decide_namespace(&img, ids[op.task_cgroup], &mark, op.types, &d, &type);
                        seen[op.kind][d.verdict]++;
                }
                for (size_t i = 0; i < n; i++)
                        free(texts[i]);
        }
        for (int k = 0; k < _DIFF_OP_MAX; k++)
                for (int v = 0; v < 3; v++)
                        if (seen[k][v] < 50)
                                fail_msg("operation kind %d reached verdict %d only %u times", k, v, seen[k][v]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_generator_reaches_every_outcome),
                cmocka_unit_test(test_differential),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
