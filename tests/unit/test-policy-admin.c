/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The admin cgroups (the policy's "admin" list, or its default): parsed with positions, compiled
 * into every cgroup's entry (existing ones and, through the classifier, those made later at
 * mkdir), and decided by guard_cgroup_admin() over the image, the function the kernel and the
 * daemon's D-Bus caller check use. */

#include <errno.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "macro.h"
#include "policy-image.h"
#include "policy-parse.h"

/* Root first (id 1, as the kernel numbers it), then every cgroup the tests ask about. */
static const char *const tree_paths[] = {
        "/", "/init.scope", "/system.slice", "/system.slice/cgroup-guardd.service", "/system.slice/web.service",
        "/user.slice", "/user.slice/user-0.slice", "/user.slice/user-0.slice/session-1.scope",
        "/user.slice/user-0.slice/session-1.scope/inner", "/user.slice/user-0.slice/user@0.service", "/admin", "/admin/sub",
};

static void build_tree(CgroupTree *tree) {
        for (size_t i = 0; i < ELEMENTSOF(tree_paths); i++)
                assert_int_equal(cgroup_tree_add(tree, tree_paths[i], 1 + i), 0);
        cgroup_tree_sort(tree);
}

static void parse(Policy *p, const char *name, const char *text) {
        _cleanup_(diag_done) Diagnostics d = {};

        assert_int_equal(policy_parse_buffer(p, name, text, strlen(text), &d), 0);
        assert_int_equal(d.n_errors, 0);
}

static bool admin(const PolicyImage *img, const CgroupTree *tree, const char *path) {
        uint64_t id = cgroup_tree_id(tree, path);

        assert_true(id != 0);
        return guard_cgroup_admin(policy_image_lookup(img, GUARD_KEY_CONFIG, 0, 0), policy_image_cgroup(img, tree, id), id);
}

static void compile(const Policy *p, const CgroupTree *tree, PolicyImage *img) {
        assert_int_equal(policy_compile(p, tree, 1, img, NULL), 0);
}

/* No file names "admin": PID 1's cgroup and the guard's own unit, and nothing else: not a login
 * session, not the root cgroup, not a cgroup the policy leaves unconfined. */
static void test_default(void **state) {
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        _cleanup_(policy_image_done) PolicyImage img = {};
        _cleanup_(policy_done) Policy p = {};

        build_tree(&tree);
        parse(&p, "10-system.json", "{ \"version\": 2, \"migration\": { \"protect\": [\"/system.slice\", \"/init.scope\"] } }");
        assert_int_equal(policy_set_guard_cgroup(&p, "/system.slice/cgroup-guardd.service"), 0);
        assert_true(policy_admin_is_default(&p));
        compile(&p, &tree, &img);

        assert_true(admin(&img, &tree, "/init.scope"));
        assert_true(admin(&img, &tree, "/system.slice/cgroup-guardd.service"));
        assert_false(admin(&img, &tree, "/"));
        assert_false(admin(&img, &tree, "/system.slice"));
        assert_false(admin(&img, &tree, "/system.slice/web.service"));
        assert_false(admin(&img, &tree, "/user.slice/user-0.slice/session-1.scope"));
        assert_false(admin(&img, &tree, "/admin"));
}

/* A daemon in the root cgroup (no unit) makes the root no admin cgroup. */
static void test_default_guard_in_root(void **state) {
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        _cleanup_(policy_image_done) PolicyImage img = {};
        _cleanup_(policy_done) Policy p = {};

        build_tree(&tree);
        assert_int_equal(policy_set_guard_cgroup(&p, "/"), 0);
        compile(&p, &tree, &img);
        assert_false(admin(&img, &tree, "/"));
        assert_true(admin(&img, &tree, "/init.scope"));
        assert_null(policy_admin_pattern(&p, 1));
        /* Even an entry that says admin does not make the root one. */
        assert_false(guard_cgroup_admin(NULL, &(struct guard_value) { .cgroup = { .admin = 1 } }, GUARD_CGROUP_ROOT_ID));
        assert_false(guard_cgroup_admin(NULL, NULL, 42));
}

/* No systemd: PID 1 runs in the root cgroup, which the default then takes for PID 1's cgroup (the
 * admin keeps an off-switch), and /init.scope means nothing (anyone could make it). Only the
 * root itself: its children are not admin cgroups. An "admin" list takes it away again. */
static void test_default_init_in_root(void **state) {
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        _cleanup_(policy_image_done) PolicyImage img = {}, img2 = {};
        _cleanup_(policy_done) Policy p = {};

        build_tree(&tree);
        p.init_in_root = true;
        assert_int_equal(policy_set_guard_cgroup(&p, "/system.slice/cgroup-guardd.service"), 0);
        assert_true(policy_root_admin(&p));
        compile(&p, &tree, &img);
        assert_true(admin(&img, &tree, "/"));
        assert_true(admin(&img, &tree, "/system.slice/cgroup-guardd.service"));
        assert_false(admin(&img, &tree, "/init.scope"));
        assert_false(admin(&img, &tree, "/system.slice"));
        assert_false(admin(&img, &tree, "/admin"));
        assert_string_equal(policy_admin_pattern(&p, 0), "/system.slice/cgroup-guardd.service");
        assert_null(policy_admin_pattern(&p, 1));

        parse(&p, "05-admin.json", "{ \"version\": 2, \"admin\": [\"/admin\"] }");
        assert_false(policy_root_admin(&p));
        assert_int_equal(policy_compile(&p, &tree, 2, &img2, NULL), 0);
        assert_false(admin(&img2, &tree, "/"));
        assert_true(admin(&img2, &tree, "/admin"));
}

/* Who may move a process into an admin cgroup (guard_admin_join_refused(), the kernel's code): PID
 * 1, its children before exec and the guard (trusted), and tasks already in an admin cgroup; not
 * root elsewhere, unconfined or not. Below an admin cgroup counts as in it; the root cgroup, an
 * admin cgroup without systemd, stays open (every task starts there). */
static void test_admin_join(void **state) {
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        _cleanup_(policy_image_done) PolicyImage img = {}, img2 = {};
        _cleanup_(policy_done) Policy p = {};

        build_tree(&tree);
        assert_int_equal(policy_set_guard_cgroup(&p, "/system.slice/cgroup-guardd.service"), 0);
        compile(&p, &tree, &img);
        const struct guard_value *config = policy_image_lookup(&img, GUARD_KEY_CONFIG, 0, 0);
        uint64_t init = cgroup_tree_id(&tree, "/init.scope"), web = cgroup_tree_id(&tree, "/system.slice/web.service");

        assert_true(guard_admin_join_refused(config, policy_image_cgroup(&img, &tree, init), init, 0, 0));
        assert_false(guard_admin_join_refused(config, policy_image_cgroup(&img, &tree, init), init, 1, 0));
        assert_false(guard_admin_join_refused(config, policy_image_cgroup(&img, &tree, init), init, 0, 1));
        assert_false(guard_admin_join_refused(config, policy_image_cgroup(&img, &tree, web), web, 0, 0));
        assert_false(guard_admin_join_refused(config, policy_image_cgroup(&img, &tree, 1), GUARD_CGROUP_ROOT_ID, 0, 0));

        p.init_in_root = true;
        parse(&p, "05-admin.json", "{ \"version\": 2, \"admin\": [\"/admin\"] }");
        assert_int_equal(policy_compile(&p, &tree, 2, &img2, NULL), 0);
        config = policy_image_lookup(&img2, GUARD_KEY_CONFIG, 0, 0);
        uint64_t admin_id = cgroup_tree_id(&tree, "/admin"), below = cgroup_tree_id(&tree, "/admin/sub");
        assert_true(guard_admin_join_refused(config, policy_image_cgroup(&img2, &tree, admin_id), admin_id, 0, 0));
        assert_true(below != 0);
        assert_true(guard_admin_join_refused(config, policy_image_cgroup(&img2, &tree, below), below, 0, 0));
        assert_false(guard_admin_join_refused(config, policy_image_cgroup(&img2, &tree, init), init, 0, 0));
}

/* An "admin" list replaces the default; its patterns cover their subtrees, globs included, and a
 * new cgroup gets its answer at mkdir from the classifier, as in the kernel. */
/* The identity marks: what PID 1's child runs before it leaves PID 1's cgroup (PID1_CGROUP) is
 * never the guard nor an admin, whatever its binary and cgroup; the child itself is no admin. */
static void test_identity_marks(void **state) {
        assert_true(guard_identity_may_be_admin(0));
        assert_false(guard_identity_may_be_admin(GUARD_IDENTITY_PID1_CHILD));
        assert_false(guard_identity_may_be_admin(GUARD_IDENTITY_PID1_CGROUP));
        assert_true(guard_identity_is_self(0, 1, 1));
        assert_false(guard_identity_is_self(0, 1, 0));
        assert_false(guard_identity_is_self(GUARD_IDENTITY_PID1_CGROUP, 1, 1));
        assert_false(guard_identity_is_self(GUARD_IDENTITY_EXE_FORGED, 1, 1));
        assert_true(guard_identity_is_self(GUARD_IDENTITY_SELF, 0, 0));
}

static void test_explicit(void **state) {
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        _cleanup_(policy_image_done) PolicyImage img = {};
        _cleanup_(policy_done) Policy p = {};
        struct guard_cgroup_info child;
        uint64_t user0;

        build_tree(&tree);
        parse(&p, "10-system.json", "{ \"version\": 2, \"migration\": { \"protect\": [\"/system.slice\"] } }");
        parse(&p, "05-admin.json", "{ \"version\": 2,\n  \"admin\": [\"/admin\", \"/user.slice/user-*.slice/session-*.scope\"] }");
        assert_int_equal(policy_set_guard_cgroup(&p, "/system.slice/cgroup-guardd.service"), 0);
        assert_false(policy_admin_is_default(&p));
        assert_int_equal(p.n_admins, 2);
        assert_int_equal(p.admins[1].line, 2);
        assert_int_equal(p.admins[1].column, 23);
        compile(&p, &tree, &img);

        assert_true(admin(&img, &tree, "/admin"));
        assert_true(admin(&img, &tree, "/user.slice/user-0.slice/session-1.scope"));
        assert_true(admin(&img, &tree, "/user.slice/user-0.slice/session-1.scope/inner"));
        assert_false(admin(&img, &tree, "/user.slice/user-0.slice/user@0.service"));
        assert_false(admin(&img, &tree, "/init.scope"));
        assert_false(admin(&img, &tree, "/system.slice/cgroup-guardd.service"));
        assert_false(admin(&img, &tree, "/"));

        /* mkdir /user.slice/user-0.slice/session-7.scope after the compile. */
        user0 = cgroup_tree_id(&tree, "/user.slice/user-0.slice");
        assert_int_equal(guard_classify_child(&img, &policy_image_cgroup(&img, &tree, user0)->cgroup, 99,
                                              "session-7.scope", &child), 1);
        assert_true(guard_cgroup_admin(NULL, &(struct guard_value) { .cgroup = child }, 99));
        assert_int_equal(guard_classify_child(&img, &policy_image_cgroup(&img, &tree, user0)->cgroup, 98,
                                              "user@0.service", &child), 1);
        assert_false(guard_cgroup_admin(NULL, &(struct guard_value) { .cgroup = child }, 98));
}

/* An "off" file's admin entries do not count: with no other, the default is back. */
static void test_off_file(void **state) {
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        _cleanup_(policy_image_done) PolicyImage img = {};
        _cleanup_(policy_done) Policy p = {};

        build_tree(&tree);
        parse(&p, "05-admin.json", "{ \"version\": 2, \"mode\": \"off\", \"admin\": [\"/admin\"] }");
        assert_true(policy_admin_is_default(&p));
        compile(&p, &tree, &img);
        assert_false(admin(&img, &tree, "/admin"));
        assert_true(admin(&img, &tree, "/init.scope"));
}

/* A file that fails to parse leaves no admin entry behind (the policy in force stays as it was). */
static void test_failed_file(void **state) {
        _cleanup_(diag_done) Diagnostics d = {};
        _cleanup_(policy_done) Policy p = {};
        static const char bad[] = "{ \"version\": 2, \"admin\": [\"/admin\", \"/\"] }";

        assert_int_equal(policy_parse_buffer(&p, "05-admin.json", bad, strlen(bad), &d), -EINVAL);
        assert_int_equal(d.n_errors, 1);
        assert_int_equal(p.n_admins, 0);
        assert_true(policy_admin_is_default(&p));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default),
                cmocka_unit_test(test_default_guard_in_root),
                cmocka_unit_test(test_default_init_in_root),
                cmocka_unit_test(test_explicit),
                cmocka_unit_test(test_admin_join),
                cmocka_unit_test(test_identity_marks),
                cmocka_unit_test(test_off_file),
                cmocka_unit_test(test_failed_file),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
