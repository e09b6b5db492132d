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
#include <string.h>
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
                if (diff_check_op(&p, &img, tree, ids, &op, buf, sizeof(buf)) < 0) {
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
        unsigned seen[_DIFF_OP_MAX][3] = {}, sealed = 0, local = 0, from = 0, named = 0;

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
                        who.cgroup = policy_image_cgroup(&img, &tree, ids[op.actor_cgroup]);
                        if (op.kind == DIFF_OP_MIGRATE)
                                guard_decide_migration(&img, &who, policy_image_cgroup(&img, &tree, ids[op.src]),
                                                       policy_image_cgroup(&img, &tree, ids[op.dst]), &d);
                        else
                                guard_decide_namespace(&img, policy_image_cgroup(&img, &tree, ids[op.task_cgroup]), &mark,
                                                       op.types, &d, &type);
                        seen[op.kind][d.verdict]++;
                        /* Version 2: seals that hold, local and "from" entries that let moves through. */
                        const PolicyRule *rule = op.kind == DIFF_OP_MIGRATE ? policy_rule_by_id(&p, d.rule) : NULL;
                        if (rule && rule->seal && d.verdict != GUARD_VERDICT_ALLOW)
                                sealed++;
                        if (rule && rule->kind == POLICY_RULE_ALLOW && d.verdict == GUARD_VERDICT_ALLOW) {
                                local += rule->parent != POLICY_NO_PARENT;
                                from += rule->from != NULL;
                        }
                        named += rule && rule->name && rule->name[0] == 'n';
                }
                for (size_t i = 0; i < n; i++)
                        free(texts[i]);
        }
        for (int k = 0; k < _DIFF_OP_MAX; k++)
                for (int v = 0; v < 3; v++)
                        if (seen[k][v] < 50)
                                fail_msg("operation kind %d reached verdict %d only %u times", k, v, seen[k][v]);
        printf("# seal decisions %u, moves allowed by local entries %u, by entries with \"from\" %u, by named rules %u\n",
               sealed, local, from, named);
        assert_true(sealed >= 50 && local >= 50 && from >= 50 && named >= 50);
}

/* Cgroups created after the compile: the kernel's classifier (guard_classify_child(), what the
 * mkdir program runs) must give each the entry the compiler gives its path, and the decisions
 * over the grown image must still agree with the oracle. */
static void test_mkdir_classification(void **state) {
        _cleanup_(cgroup_tree_done) CgroupTree full = {};
        uint64_t created = 0, checked_ops = 0;

        assert_int_equal(build_tree(&full), 0);
        for (uint64_t seed = 1; seed <= 1500; seed++) {
                _cleanup_(cgroup_tree_done) CgroupTree initial = {};
                _cleanup_(policy_done) Policy p = {};
                _cleanup_(policy_image_done) PolicyImage img = {};
                DiffRng rng = { .state = seed * 31 + 7 };
                char *texts[3], buf[1024];
                bool present[64] = {};
                size_t n = diff_policy_texts(&rng, texts);

                assert_int_equal(diff_load_policy(&p, texts, n), 0);
                /* A random part of the universe exists at compile time (closed under parents). */
                for (size_t i = 0; i < diff_n_cgroups(); i++) {
                        const char *path = diff_cgroup(i), *slash = strrchr(path, '/');
                        bool parent_present = true;

                        for (size_t j = 0; j < i && slash && slash != path; j++)
                                if (strlen(diff_cgroup(j)) == (size_t) (slash - path) &&
                                    strncmp(diff_cgroup(j), path, slash - path) == 0)
                                        parent_present = present[j];
                        present[i] = i == 0 || (parent_present && diff_rng_below(&rng, 2));
                        if (present[i])
                                assert_int_equal(cgroup_tree_add(&initial, path, ids[i]), 0);
                }
                cgroup_tree_sort(&initial);
                assert_int_equal(policy_compile(&p, &initial, 1, &img, NULL), 0);

                /* mkdir the rest, parents first, as the kernel's mkdir program does: a child of
                 * a classifying parent gets its classified entry, one of a settled parent none. */
                for (size_t i = 1; i < diff_n_cgroups(); i++) {
                        const char *path = diff_cgroup(i), *slash = strrchr(path, '/');
                        struct guard_cgroup_info kernel = {};
                        struct guard_value *parent;
                        char parent_path[64];

                        if (present[i])
                                continue;
                        created++;
                        snprintf(parent_path, sizeof(parent_path), "%.*s", slash == path ? 1 : (int) (slash - path), path);
                        parent = policy_image_lookup(&img, GUARD_KEY_CGROUP, cgroup_tree_id(&full, parent_path), 0);
                        if (!parent || !parent->cgroup.state)
                                continue;
                        if (!guard_classify_child(&img, &parent->cgroup, ids[i], slash + 1, &kernel))
                                kernel = parent->cgroup; /* a state the kernel cannot classify in: the copy */
                        assert_int_equal(policy_image_put(&img, &(struct guard_key) { .kind = GUARD_KEY_CGROUP, .a = ids[i] },
                                                          &(struct guard_value) { .cgroup = kernel }), 0);
                }
                /* Every cgroup's entry, as the kernel finds it, is what the compiler gives its path. */
                for (size_t i = 0; i < diff_n_cgroups(); i++) {
                        struct guard_value *found = policy_image_cgroup(&img, &full, ids[i]);
                        struct guard_cgroup_info want = {}, got = found ? found->cgroup : (struct guard_cgroup_info) {};

                        policy_compile_cgroup(&p, &full, diff_cgroup(i), &want);
                        got.state = want.state = 0;
                        if (memcmp(&want, &got, sizeof(want)) != 0) {
                                for (size_t k = 0; k < n; k++)
                                        fprintf(stderr, "file %zu: %s", k, texts[k]);
                                fail_msg("seed %" PRIu64 ": %s (%s at compile time): the kernel finds (protect %u, delegate %u/%"
                                         PRIu64 ", actor_allow %" PRIx64 ", to_allow %" PRIx64 "), the compiler says (protect %u, "
                                         "delegate %u/%" PRIu64 ", actor_allow %" PRIx64 ", to_allow %" PRIx64 ")",
                                         seed, diff_cgroup(i), present[i] ? "present" : "created", got.protect_rule,
                                         got.delegate_rule, got.delegate_root, got.actor_allow, got.to_allow, want.protect_rule,
                                         want.delegate_rule, want.delegate_root, want.actor_allow, want.to_allow);
                        }
                }
                for (int k = 0; k < OPS_PER_POLICY; k++) {
                        DiffOp op;

                        diff_random_op(&rng, &p, &op);
                        if (diff_check_op(&p, &img, &full, ids, &op, buf, sizeof(buf)) < 0)
                                fail_msg("seed %" PRIu64 " after mkdir: %s", seed, buf);
                        checked_ops++;
                }
                for (size_t k = 0; k < n; k++)
                        free(texts[k]);
        }
        printf("# %" PRIu64 " cgroups classified at mkdir, %" PRIu64 " operations over the grown images, 0 disagreements\n",
               created, checked_ops);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_generator_reaches_every_outcome),
                cmocka_unit_test(test_differential),
                cmocka_unit_test(test_mkdir_classification),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
