/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cgroup-tree.h"

/* Every node is found by path and by id, and nodes[] holds each exactly once. */
static void assert_consistent(const CgroupTree *t) {
        for (size_t i = 0; i < t->n_nodes; i++) {
                assert_int_equal(cgroup_tree_id(t, t->nodes[i].path), t->nodes[i].id);
                assert_string_equal(cgroup_tree_path(t, t->nodes[i].id), t->nodes[i].path);
        }
}

static void test_add_find_remove(void **state) {
        CgroupTree t = {};

        assert_int_equal(cgroup_tree_add(&t, "/", 1), 0);
        assert_int_equal(cgroup_tree_add(&t, "/a", 2), 0);
        assert_int_equal(cgroup_tree_add(&t, "/a/b", 3), 0);
        assert_int_equal(t.n_nodes, 3);
        assert_int_equal(cgroup_tree_id(&t, "/a/b"), 3);
        assert_string_equal(cgroup_tree_path(&t, 2), "/a");
        assert_int_equal(cgroup_tree_id(&t, "/nope"), 0);
        assert_null(cgroup_tree_path(&t, 99));

        /* Removed and created again under the same name: a new id replaces the old entry. */
        assert_int_equal(cgroup_tree_add(&t, "/a/b", 4), 0);
        assert_int_equal(t.n_nodes, 3);
        assert_null(cgroup_tree_path(&t, 3));
        assert_int_equal(cgroup_tree_id(&t, "/a/b"), 4);
        /* The same id under a new name (renamed): one entry. */
        assert_int_equal(cgroup_tree_add(&t, "/a/c", 4), 0);
        assert_int_equal(t.n_nodes, 3);
        assert_int_equal(cgroup_tree_id(&t, "/a/b"), 0);
        /* Adding what is known changes nothing. */
        assert_int_equal(cgroup_tree_add(&t, "/a/c", 4), 0);
        assert_int_equal(t.n_nodes, 3);

        assert_int_equal(cgroup_tree_remove(&t, 2), 1);
        assert_int_equal(cgroup_tree_remove(&t, 2), 0);
        assert_int_equal(cgroup_tree_id(&t, "/a"), 0);
        assert_int_equal(t.n_nodes, 2);
        assert_consistent(&t);
        cgroup_tree_done(&t);
        assert_int_equal(t.n_nodes, 0);
}

/* A flood: 20,000 cgroups come and go in an order that moves nodes around; the indexes follow,
 * and the array shrinks back. */
static void test_flood(void **state) {
        CgroupTree t = {};
        char path[64];

        assert_int_equal(cgroup_tree_add(&t, "/", 1), 0);
        for (uint64_t id = 100; id < 20100; id++) {
                snprintf(path, sizeof(path), "/deleg/c%llu", (unsigned long long) id);
                assert_int_equal(cgroup_tree_add(&t, path, id), 0);
        }
        cgroup_tree_sort(&t);
        assert_string_equal(t.nodes[0].path, "/");
        assert_consistent(&t);
        for (uint64_t id = 100; id < 20100; id += 2)
                assert_int_equal(cgroup_tree_remove(&t, id), 1);
        assert_consistent(&t);
        for (uint64_t id = 20099; id > 100; id -= 2)
                assert_int_equal(cgroup_tree_remove(&t, id), 1);
        assert_int_equal(t.n_nodes, 1);
        assert_int_equal(cgroup_tree_id(&t, "/"), 1);
        assert_true(t.n_allocated <= 64);
        cgroup_tree_done(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add_find_remove),
                cmocka_unit_test(test_flood),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
