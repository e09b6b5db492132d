/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy format version 2, table-driven: seals, local allow and delegate entries, "from", rule
 * names, mixed with a version 1 file. Every row is decided by the model oracle and by the
 * kernel's decision code over the compiled image, and both must give the row's answer. */

#include <errno.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cgroup-path.h"
#include "macro.h"
#include "policy-decide.h"
#include "policy-image.h"
#include "policy-parse.h"
#include "policy-units.h"

static const char system_v2[] =
        "{ \"version\": 2,\n"
        "  \"migration\": {\n"
        "    \"protect\": [\n"
        "      { \"name\": \"init\", \"cgroup\": \"/init.scope\" },\n"
        "      { \"name\": \"system\", \"cgroup\": \"/system.slice\" },\n"
        "      { \"name\": \"web-sealed\", \"cgroup\": \"/system.slice/web.service\", \"seal\": true,\n"
        "        \"allow\": [ { \"name\": \"web-out\", \"cgroup\": \"/init.scope\", \"to\": [\"/system.slice/web-jobs.slice\"] } ] },\n"
        "      { \"name\": \"app-sealed\", \"cgroup\": \"/system.slice/app-*.service\", \"seal\": true,\n"
        "        \"delegate\": [\"/system.slice/app-*.service\"] },\n"
        "      { \"name\": \"machines\", \"cgroup\": \"/machine.slice\",\n"
        "        \"allow\": [ { \"name\": \"machines-local\", \"cgroup\": \"/system.slice/libvirtd.service\" } ] }\n"
        "    ],\n"
        "    \"allow\": [\n"
        "      { \"name\": \"pid1-spawn\", \"cgroup\": \"/init.scope\", \"from\": [\"/init.scope\"] },\n"
        "      { \"name\": \"pid1-system\", \"cgroup\": \"/init.scope\", \"to\": [\"/system.slice\"] },\n"
        "      { \"name\": \"pid1-sessions\", \"cgroup\": \"/init.scope\", \"from\": [\"/system.slice/ssh.service\"],\n"
        "        \"to\": [\"/user.slice/user-*.slice/session-*.scope\"] }\n"
        "    ]\n"
        "  }\n"
        "}\n";

static const char audit_v2[] =
        "{ \"version\": 2, \"mode\": \"audit\",\n"
        "  \"migration\": { \"protect\": [ { \"name\": \"audit-seal\", \"cgroup\": \"/audit.slice/a\", \"seal\": true } ] }\n"
        "}\n";

static const char legacy_v1[] =
        "{ \"version\": 1, \"action\": \"deny+kill\",\n"
        "  \"migration\": { \"protect\": [\"/critical.slice\"] }\n"
        "}\n";

#define PID1 "/init.scope"
#define WEB "/system.slice/web.service"
#define SESSION "/user.slice/user-0.slice/session-3.scope"
#define APP1 "/system.slice/app-1.service"
#define APP2 "/system.slice/app-2.service"

typedef struct Case {
        const char *actor, *src, *dst;
        Verdict verdict;
        const char *rule;       /* deciding rule's name; NULL: nothing governs (allow without rule) */
        PolicyAction action;
} Case;

static const Case cases[] = {
        /* systemd issue 22874: su in a sealed service, pam_systemd asks PID 1 for a session scope. */
        { PID1, WEB, SESSION, VERDICT_DENY, "web-sealed", POLICY_ACTION_DENY },
        /* systemd-run --scope --slice=escape.slice from a sealed service, and sideways in system.slice. */
        { PID1, WEB, "/escape.slice/run-1.scope", VERDICT_DENY, "web-sealed", POLICY_ACTION_DENY },
        { PID1, WEB, "/system.slice/run-1.scope", VERDICT_DENY, "web-sealed", POLICY_ACTION_DENY },
        { PID1, WEB "/sub", "/", VERDICT_DENY, "web-sealed", POLICY_ACTION_DENY },
        /* The seal's own allow entry names the destination: open, for that actor only. */
        { PID1, WEB, "/system.slice/web-jobs.slice/x", VERDICT_ALLOW, "pid1-system", 0 }, /* web-out opens the seal */
        { WEB, WEB, "/system.slice/web-jobs.slice/x", VERDICT_DENY, "web-sealed", POLICY_ACTION_DENY },
        /* Inside the sealed subtree, and into it: the seal does not speak. */
        { PID1, WEB "/a", WEB "/b", VERDICT_ALLOW, "pid1-system", 0 },
        { PID1, PID1, WEB, VERDICT_ALLOW, "pid1-spawn", 0 },
        { WEB, WEB "/a", WEB "/b", VERDICT_DENY, "system", POLICY_ACTION_DENY },
        /* Issue 12 item 6: PID 1 is no deputy for moves out of protected services. */
        { PID1, "/system.slice/foo.service", "/escape.slice/run-1.scope", VERDICT_DENY, "system", POLICY_ACTION_DENY },
        { PID1, "/system.slice/foo.service", "/system.slice/run-1.scope", VERDICT_ALLOW, "pid1-system", 0 },
        { PID1, "/system.slice/ssh.service", SESSION, VERDICT_ALLOW, "pid1-sessions", 0 },
        { PID1, "/system.slice/ssh.service", "/user.slice/user-0.slice/other.scope", VERDICT_DENY, "system", POLICY_ACTION_DENY },
        { PID1, PID1, "/user.slice/x", VERDICT_ALLOW, "pid1-spawn", 0 },
        { "/user.slice/x", "/user.slice/x", "/user.slice/y", VERDICT_ALLOW, NULL, 0 },
        /* Glob seal: every instance is its own; a local delegate moves inside one instance only. */
        { APP1 "/x", APP1 "/a", APP1 "/b", VERDICT_ALLOW, "policy.json:protect/3/delegate/0", 0 },
        { APP1 "/x", APP1 "/a", APP2, VERDICT_DENY, "app-sealed", POLICY_ACTION_DENY },
        { PID1, APP1, APP2, VERDICT_DENY, "app-sealed", POLICY_ACTION_DENY },
        { PID1, APP1, "/system.slice/app-1.serviceX", VERDICT_DENY, "app-sealed", POLICY_ACTION_DENY },
        /* Local allow entries count where their protect entry speaks. */
        { "/system.slice/libvirtd.service", "/machine.slice/a", "/machine.slice/b", VERDICT_ALLOW, "machines-local", 0 },
        { "/system.slice/libvirtd.service", "/machine.slice/a", "/user.slice/x", VERDICT_ALLOW, "machines-local", 0 },
        { "/system.slice/libvirtd.service", "/machine.slice/a", "/system.slice/x", VERDICT_DENY, "system", POLICY_ACTION_DENY },
        { "/system.slice/libvirtd.service", "/system.slice/x", "/machine.slice/a", VERDICT_DENY, "system", POLICY_ACTION_DENY },
        /* A seal in an audit file audits; a version 1 file mixed in keeps its meaning and names. */
        { PID1, "/audit.slice/a/x", "/elsewhere", VERDICT_AUDIT, "audit-seal", POLICY_ACTION_DENY },
        { PID1, PID1, "/audit.slice/a/x", VERDICT_ALLOW, "pid1-spawn", 0 },
        { PID1, "/elsewhere", "/audit.slice/a/x", VERDICT_AUDIT, "audit-seal", POLICY_ACTION_DENY },
        { PID1, "/critical.slice/x", "/elsewhere", VERDICT_DENY, "30-legacy.json:protect/0", POLICY_ACTION_DENY_KILL },
};

static Policy policy;

static int setup(void **state) {
        Diagnostics d = {};

        assert_int_equal(policy_parse_buffer(&policy, "policy.json", system_v2, strlen(system_v2), &d), 0);
        assert_int_equal(policy_parse_buffer(&policy, "20-audit.json", audit_v2, strlen(audit_v2), &d), 0);
        assert_int_equal(policy_parse_buffer(&policy, "30-legacy.json", legacy_v1, strlen(legacy_v1), &d), 0);
        assert_int_equal(d.n_errors, 0);
        diag_done(&d);
        return 0;
}

static int teardown(void **state) {
        policy_done(&policy);
        return 0;
}

static void tree_add_with_ancestors(CgroupTree *t, const char *path) {
        char buf[4096];

        snprintf(buf, sizeof(buf), "%s", path);
        for (;;) {
                char *slash;

                if (!cgroup_tree_id(t, buf))
                        assert_int_equal(cgroup_tree_add(t, buf, 100 + t->n_nodes), 0);
                slash = strrchr(buf, '/');
                if (streq(buf, "/"))
                        return;
                slash[slash == buf] = '\0';
        }
}

static void test_cases(void **state) {
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        _cleanup_(policy_image_done) PolicyImage img = {};
        char name[POLICY_RULE_NAME_MAX + 256];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                tree_add_with_ancestors(&tree, cases[i].actor);
                tree_add_with_ancestors(&tree, cases[i].src);
                tree_add_with_ancestors(&tree, cases[i].dst);
        }
        cgroup_tree_sort(&tree);
        assert_int_equal(policy_compile(&policy, &tree, 1, &img, NULL), 0);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Case *c = &cases[i];
                PolicyActor actor = { .exe = "/usr/bin/x", .cgroup = c->actor };
                struct guard_actor who = { .cgroup = policy_image_cgroup(&img, &tree, cgroup_tree_id(&tree, c->actor)) };
                struct guard_decision kd;
                PolicyDecision d;

                policy_decide_migration(&policy, &actor, c->src, c->dst, &d);
                if (d.verdict != c->verdict || (c->rule && !d.rule) || (!c->rule && d.rule) ||
                    (c->rule && !streq(policy_rule_name(d.rule, name, sizeof(name)), c->rule)) ||
                    (c->verdict != VERDICT_ALLOW && d.action != c->action))
                        fail_msg("case %zu (%s -> %s by %s): oracle %s by %s: %s", i, c->src, c->dst, c->actor,
                                 verdict_to_string(d.verdict), d.rule ? policy_rule_name(d.rule, name, sizeof(name)) : "-",
                                 d.reason);
                if (c->verdict != VERDICT_ALLOW && c->rule)
                        assert_non_null(strstr(d.reason, c->rule));

                guard_decide_migration(&img, &who, policy_image_cgroup(&img, &tree, cgroup_tree_id(&tree, c->src)),
                                       policy_image_cgroup(&img, &tree, cgroup_tree_id(&tree, c->dst)), &kd);
                if ((Verdict) (kd.verdict == GUARD_VERDICT_DENY ? VERDICT_DENY :
                               kd.verdict == GUARD_VERDICT_AUDIT ? VERDICT_AUDIT : VERDICT_ALLOW) != c->verdict ||
                    (c->verdict != VERDICT_ALLOW && (kd.rule != d.rule->id || kd.action != (uint32_t) c->action)))
                        fail_msg("case %zu (%s -> %s by %s): kernel code verdict %u by rule %u, oracle %s by %u", i, c->src,
                                 c->dst, c->actor, kd.verdict, kd.rule, verdict_to_string(d.verdict), d.rule ? d.rule->id : 0);
        }
}

/* Default names say file and position; explicit ones are unique across files. */
static void test_names(void **state) {
        static const char dup[] = "{ \"version\": 2, \"migration\": { \"protect\": [ { \"cgroup\": \"/z\", \"name\": \"web-out\" } ] } }";
        _cleanup_(diag_done) Diagnostics d = {};
        char name[POLICY_RULE_NAME_MAX + 256];
        size_t n_rules = policy.n_rules;

        assert_string_equal(policy_rule_name(&policy.rules[0], name, sizeof(name)), "init");
        for (size_t i = 0; i < policy.n_rules; i++)
                if (policy.rules[i].kind == POLICY_RULE_DELEGATE)
                        assert_string_equal(policy.rules[i].name, "policy.json:protect/3/delegate/0");
        assert_int_equal(policy_parse_buffer(&policy, "40-dup.json", dup, strlen(dup), &d), -EINVAL);
        assert_int_equal(policy.n_rules, n_rules);
        assert_int_equal(d.n_errors, 1);
        assert_non_null(strstr(d.items[0].message, "rule name \"web-out\" is already used by the rule at policy.json:7:"));
}

/* Sealed subtrees must not overlap, in one file or across files. */
static void test_seal_overlap(void **state) {
        static const char overlap[] =
                "{ \"version\": 2, \"migration\": { \"protect\": [ { \"cgroup\": \"/system.slice/app-7.service/x\", \"seal\": true } ] } }";
        static const char disjoint[] =
                "{ \"version\": 2, \"migration\": { \"protect\": [ { \"cgroup\": \"/system.slice/web2.service\", \"seal\": true } ] } }";
        _cleanup_(diag_done) Diagnostics d = {};

        assert_int_equal(policy_parse_buffer(&policy, "50-overlap.json", overlap, strlen(overlap), &d), -EINVAL);
        assert_non_null(strstr(d.items[0].message, "overlaps sealed subtree \"/system.slice/app-*.service\" of rule \"app-sealed\""));
        assert_int_equal(policy_parse_buffer(&policy, "60-disjoint.json", disjoint, strlen(disjoint), &d), 0);
        assert_true(cgroup_patterns_overlap("/a/*-x/b", "/a/y-*"));
        assert_false(cgroup_patterns_overlap("/a/x-*", "/a/y-*"));
        assert_true(cgroup_patterns_overlap("/", "/a"));
        assert_false(cgroup_patterns_overlap("/a*b", "/c*"));
        assert_true(cgroup_patterns_overlap("/*b", "/a*"));
}

/* The shipped policies (policies/, SHIPPED_POLICY_DIR): PID 1 does what units, sessions and
 * container scopes need and is no deputy for a protected service's escape (issue 12 item 6). */
typedef struct ShippedCase {
        const char *src, *dst;
        Verdict verdict;
        const char *rule;
} ShippedCase;

static const ShippedCase shipped_cases[] = {
        /* systemd-run --scope --slice=escape.slice from a protected service: PID 1 moves the caller. */
        { "/system.slice/foo.service", "/escape.slice/run-r1.scope", VERDICT_DENY, "system-services" },
        { "/system.slice/foo.service", "/", VERDICT_DENY, "system-services" },
        /* su in a service: pam_systemd asks logind, logind asks PID 1 for a session scope. */
        { "/system.slice/foo.service", "/user.slice/user-0.slice/session-c1.scope", VERDICT_DENY, "system-services" },
        /* PID 1's child of a unit start another unit's cgroup asks for (systemd-run -p Slice=...
         * from a confined service): only where units live, not where root would be the admin. */
        { "/init.scope", "/escape.slice/run-r5.service", VERDICT_DENY, "init" },
        { "/init.scope", "/user.slice/run-r6.service", VERDICT_DENY, "init" },
        { "/init.scope", "/user.slice/user-0.slice/run-r7.service", VERDICT_DENY, "init" },
        { "/init.scope", "/user.slice/user-0.slice/session-c9.scope", VERDICT_DENY, "init" },
        { "/init.scope", "/machine.slice/run-r8.service", VERDICT_DENY, "init" },
        { "/init.scope", "/", VERDICT_DENY, "init" },
        /* What PID 1 must still do. */
        { "/init.scope", "/user.slice/user-1000.slice/user-runtime-dir@1000.service", VERDICT_ALLOW, NULL },
        { "/init.scope", "/machine.slice/systemd-nspawn@deb.service/payload", VERDICT_ALLOW, NULL },
        { "/init.scope", "/system.slice/system-getty.slice/getty@tty1.service", VERDICT_ALLOW, NULL },
        { "/init.scope", "/system.slice/foo.service", VERDICT_ALLOW, NULL },
        { "/init.scope", "/user.slice/user-1000.slice/user@1000.service", VERDICT_ALLOW, NULL },
        { "/system.slice/ssh.service", "/user.slice/user-1000.slice/session-3.scope", VERDICT_ALLOW, NULL },
        { "/system.slice/system-getty.slice/getty@tty1.service", "/user.slice/user-0.slice/session-1.scope", VERDICT_ALLOW, NULL },
        { "/system.slice/system-serial\\x2dgetty.slice/serial-getty@ttyS0.service", "/user.slice/user-0.slice/session-2.scope",
          VERDICT_ALLOW, NULL },
        { "/system.slice/containerd.service", "/system.slice/docker-abc.scope", VERDICT_ALLOW, NULL },
        { "/system.slice/foo.service", "/system.slice/run-r2.scope", VERDICT_ALLOW, NULL },
        { "/user.slice/user-1000.slice/session-2.scope", "/system.slice/run-r3.scope", VERDICT_ALLOW, NULL },
        { "/system.slice/libvirtd.service", "/machine.slice/machine-qemu.scope", VERDICT_ALLOW, NULL },
        /* A login service's place taken by a transient unit (systemd-run --slice=system-getty.slice,
         * --unit=gdm.service where no display manager is installed): no session for it. */
        { "/system.slice/system-getty.slice/run-u5.service", "/user.slice/user-0.slice/session-4.scope", VERDICT_DENY,
          "system-services" },
        { "/system.slice/gdm.service", "/user.slice/user-0.slice/session-5.scope", VERDICT_DENY, "system-services" },
        { "/system.slice/sshd.service", "/user.slice/user-0.slice/session-6.scope", VERDICT_DENY, "system-services" },
        { "/system.slice/system-sshd.slice/sshd@x.service", "/user.slice/user-0.slice/session-7.scope", VERDICT_DENY,
          "system-services" },
        { "/system.slice/virtqemud.service", "/machine.slice/machine-qemu.scope", VERDICT_DENY, "system-services" },
        /* Root's user manager (systemctl start user@0.service, then systemd-run --user): confined
         * by the base as every session is. */
        { "/user.slice/user-0.slice/user@0.service/app.slice/x.service", "/", VERDICT_DENY, "login-sessions" },
        { "/system.slice/system-ssh.slice/ssh@1-10.0.0.1:22-10.0.0.2:5000.service", "/user.slice/user-0.slice/session-8.scope",
          VERDICT_ALLOW, NULL },
        /* The example sandbox is sealed (audit, like the rest of its file). */
        { "/system.slice/sandbox.service", "/system.slice/run-r4.scope", VERDICT_AUDIT, "sandbox-sealed" },
};

/* The unit files of a Debian server with openssh and libvirt (no display manager, no virtqemud). */
static bool server_unit_file(const char *name) {
        static const char *const installed[] = {
                "getty@.service", "serial-getty@.service", "container-getty@.service", "console-getty.service",
                "user@.service", "user-runtime-dir@.service", "systemd-nspawn@.service", "ssh.service", "ssh@.service",
                "containerd.service", "libvirtd.service",
        };

        for (size_t i = 0; i < ELEMENTSOF(installed); i++)
                if (streq(name, installed[i]))
                        return true;
        return false;
}

static void test_shipped_policies(void **state) {
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        _cleanup_(policy_image_done) PolicyImage img = {};
        const char *dir = getenv("SHIPPED_POLICY_DIR");
        char name[POLICY_RULE_NAME_MAX + 256];

        if (!dir)
                skip();
        assert_int_equal(policy_load_directory(dir, &p, &d), 0);
        policy_resolve_executables(&p, NULL);
        assert_int_equal(policy_resolve_units(&p, server_unit_file), 0);
        for (size_t i = 0; i < ELEMENTSOF(shipped_cases); i++) {
                tree_add_with_ancestors(&tree, shipped_cases[i].src);
                tree_add_with_ancestors(&tree, shipped_cases[i].dst);
        }
        tree_add_with_ancestors(&tree, "/init.scope");
        cgroup_tree_sort(&tree);
        assert_int_equal(policy_compile(&p, &tree, 1, &img, NULL), 0);

        for (size_t i = 0; i < ELEMENTSOF(shipped_cases); i++) {
                const ShippedCase *c = &shipped_cases[i];
                /* PID 1 as it is: /usr/lib/systemd/systemd (wherever it exists) in /init.scope. */
                PolicyActor actor = { .exe = "/usr/lib/systemd/systemd", .cgroup = "/init.scope" };
                struct guard_actor who = { .cgroup = policy_image_cgroup(&img, &tree, cgroup_tree_id(&tree, "/init.scope")) };
                struct guard_decision kd;
                PolicyDecision dec;
                dev_t dev;
                ino_t ino;

                for (size_t k = 0; k < p.n_rules; k++)
                        if (p.rules[k].exe_resolved && streq(p.rules[k].exe, actor.exe)) {
                                dev = p.rules[k].exe_dev;
                                ino = p.rules[k].exe_ino;
                                actor.exe_resolved = true;
                                who.exe_known = 1;
                                actor.exe_dev = dev;
                                actor.exe_ino = ino;
                                who.exe_dev = kernel_dev(dev);
                                who.exe_ino = ino;
                        }
                policy_decide_migration(&p, &actor, c->src, c->dst, &dec);
                if (dec.verdict != c->verdict || (c->rule && (!dec.rule || !streq(policy_rule_name(dec.rule, name, sizeof(name)), c->rule))))
                        fail_msg("shipped case %zu: PID 1 moving %s -> %s: %s (%s), expected %s by %s", i, c->src, c->dst,
                                 verdict_to_string(dec.verdict), dec.reason, verdict_to_string(c->verdict), c->rule ?: "-");
                guard_decide_migration(&img, &who, policy_image_cgroup(&img, &tree, cgroup_tree_id(&tree, c->src)),
                                       policy_image_cgroup(&img, &tree, cgroup_tree_id(&tree, c->dst)), &kd);
                assert_int_equal(kd.verdict, c->verdict == VERDICT_DENY ? GUARD_VERDICT_DENY :
                                             c->verdict == VERDICT_AUDIT ? GUARD_VERDICT_AUDIT : GUARD_VERDICT_ALLOW);
        }
}

/* Which pattern names a unit file, and a list emptied by missing unit files: it matches nothing,
 * it does not become "any" (the oracle and the kernel's code over the compiled image). */
static bool no_unit_file(const char *name) {
        return false;
}

static void test_units(void **state) {
        static const char text[] =
                "{ \"version\": 2, \"migration\": {\n"
                "  \"protect\": [ { \"name\": \"system\", \"cgroup\": \"/system.slice\" } ],\n"
                "  \"allow\": [ { \"name\": \"dm\", \"cgroup\": \"/init.scope\", \"from\": [\"/system.slice/gdm.service\"],\n"
                "                \"to\": [\"/user.slice/user-*.slice/session-*.scope\"] },\n"
                "              { \"name\": \"vm\", \"cgroup\": \"/init.scope\", \"to\": [\"/system.slice/qemu@*.service\"] } ] } }\n";
        static const struct { const char *pattern, *unit; } names[] = {
                { "/system.slice/ssh.service", "ssh.service" },
                { "/system.slice/system-getty.slice/getty@*.service", "getty@.service" },
                { "/system.slice/system-serial*getty.slice/serial-getty@ttyS0.service", "serial-getty@.service" },
                { "/a/b@c.service", "b@.service" },
                { "/system.slice/my\\x2dlogin.service", "my\\x2dlogin.service" }, /* an escape, not a glob */
                { "/system.slice/system-getty.slice", NULL },
                { "/system.slice/foo*.service", NULL },
                { "/system.slice/*@x.service", NULL },
                { "/user.slice/user-*.slice/session-*.scope", NULL },
                { "/system.slice/.service", NULL },
        };
        _cleanup_(cgroup_tree_done) CgroupTree tree = {};
        _cleanup_(policy_image_done) PolicyImage img = {};
        _cleanup_(diag_done) Diagnostics d = {};
        _cleanup_(policy_done) Policy p = {};
        const char *const moves[][2] = {
                { "/system.slice/gdm.service", "/user.slice/user-0.slice/session-1.scope" },
                { "/system.slice/foo.service", "/user.slice/user-0.slice/session-1.scope" },
                { "/system.slice/foo.service", "/system.slice/qemu@1.service" },
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_(freep) char *unit = NULL;
                int r = policy_pattern_unit_file(names[i].pattern, &unit);

                assert_int_equal(r, names[i].unit ? 1 : 0);
                if (names[i].unit)
                        assert_string_equal(unit, names[i].unit);
        }
        assert_int_equal(policy_parse_buffer(&p, "10-units.json", text, strlen(text), &d), 0);
        assert_int_equal(policy_resolve_units(&p, no_unit_file), 0);
        for (size_t i = 0; i < p.n_rules; i++) {
                const PolicyRule *r = &p.rules[i];

                if (r->kind != POLICY_RULE_ALLOW)
                        continue;
                if (streq(r->name, "dm")) {
                        assert_non_null(r->from);
                        assert_null(r->from[0]);
                        assert_string_equal(r->from_dropped[0], "/system.slice/gdm.service");
                        assert_non_null(r->to[0]); /* a scope: not a unit file's */
                } else {
                        assert_non_null(r->to);
                        assert_null(r->to[0]);
                        assert_string_equal(r->to_dropped[0], "/system.slice/qemu@*.service");
                }
        }
        /* Twice is once. */
        assert_int_equal(policy_resolve_units(&p, no_unit_file), 0);
        tree_add_with_ancestors(&tree, "/init.scope");
        for (size_t i = 0; i < ELEMENTSOF(moves); i++) {
                tree_add_with_ancestors(&tree, moves[i][0]);
                tree_add_with_ancestors(&tree, moves[i][1]);
        }
        cgroup_tree_sort(&tree);
        assert_int_equal(policy_compile(&p, &tree, 1, &img, NULL), 0);
        for (size_t i = 0; i < ELEMENTSOF(moves); i++) {
                PolicyActor actor = { .exe = "/usr/lib/systemd/systemd", .cgroup = "/init.scope" };
                struct guard_actor who = { .cgroup = policy_image_cgroup(&img, &tree, cgroup_tree_id(&tree, "/init.scope")) };
                struct guard_decision kd;
                PolicyDecision dec;

                policy_decide_migration(&p, &actor, moves[i][0], moves[i][1], &dec);
                assert_int_equal(dec.verdict, VERDICT_DENY);
                guard_decide_migration(&img, &who, policy_image_cgroup(&img, &tree, cgroup_tree_id(&tree, moves[i][0])),
                                       policy_image_cgroup(&img, &tree, cgroup_tree_id(&tree, moves[i][1])), &kd);
                assert_int_equal(kd.verdict, GUARD_VERDICT_DENY);
        }
}

/* The services a policy names (policy_named_units()): each once, at most max, and those left
 * out counted (the daemon warns of them: they were dropped without a word). */
static void test_named_units(void **state) {
        static const char text[] =
                "{ \"version\": 2, \"admin\": [\"/system.slice/admin.service\"], \"migration\": {\n"
                "  \"protect\": [ { \"name\": \"system\", \"cgroup\": \"/system.slice\" } ],\n"
                "  \"allow\": [ { \"name\": \"a\", \"cgroup\": \"/system.slice/ssh.service\", \"from\": [\"/system.slice/a.service\"],\n"
                "                \"to\": [\"/system.slice/b.service\", \"/system.slice/ssh.service\"] } ] } }\n";
        _cleanup_(diag_done) Diagnostics d = {};
        _cleanup_(policy_done) Policy p = {};
        char **units = NULL;
        size_t omitted = 99;
        int n;

        assert_int_equal(policy_parse_buffer(&p, "10-named.json", text, strlen(text), &d), 0);
        n = policy_named_units(&p, 16, &units, &omitted);
        assert_int_equal(n, 4); /* ssh (twice), a, b, admin */
        assert_int_equal(omitted, 0);
        for (int i = 0; i < n; i++)
                free(units[i]);
        free(units);
        n = policy_named_units(&p, 2, &units, &omitted);
        assert_int_equal(n, 2);
        assert_string_equal(units[0], "ssh.service");
        assert_null(units[2]);
        assert_int_equal(omitted, 2);
        for (int i = 0; i < n; i++)
                free(units[i]);
        free(units);
}

/* Glob patterns multiply the matcher's states (one per subset of globs a name can match): the
 * compiler refuses a policy beyond the kernel map's entries, with a message, and stops there
 * (6^3 four-level glob patterns need more than GUARD_POLICY_ENTRIES_MAX; 5^3 fit). */
static int compile_globs(unsigned n, size_t *ret_entries, char **ret_error) {
        _cleanup_(policy_image_done) PolicyImage img = {};
        _cleanup_(cgroup_tree_done) CgroupTree root = {};
        _cleanup_(diag_done) Diagnostics d = {};
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(freep) char *text = NULL;
        size_t size = 64 + n * n * n * 40, len;
        int r;

        text = malloc(size);
        assert_non_null(text);
        len = snprintf(text, size, "{ \"version\": 1, \"migration\": { \"protect\": [");
        for (unsigned a = 0; a < n; a++)
                for (unsigned b = 0; b < n; b++)
                        for (unsigned c = 0; c < n; c++)
                                len += snprintf(text + len, size - len, "%s\"/g%u*/h%u*/i%u*/j*\"",
                                                a + b + c == 0 ? "" : ", ", a, b, c);
        len += snprintf(text + len, size - len, "] } }");
        assert_int_equal(policy_parse_buffer(&p, "10-globs.json", text, len, &d), 0);
        assert_int_equal(cgroup_tree_add(&root, "/", 1), 0);
        r = policy_compile(&p, &root, 1, &img, ret_error);
        *ret_entries = img.n_entries;
        return r;
}

static void test_compiled_size(void **state) {
        _cleanup_(freep) char *error = NULL;
        size_t entries;

        assert_int_equal(compile_globs(5, &entries, &error), 0);
        assert_true(entries > 100000 && entries <= GUARD_POLICY_ENTRIES_MAX);
        assert_int_equal(compile_globs(6, &entries, &error), -E2BIG);
        assert_non_null(error);
        assert_non_null(strstr(error, "needs more than 262144 kernel policy map entries"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cases),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_seal_overlap),
                cmocka_unit_test(test_shipped_policies),
                cmocka_unit_test(test_units),
                cmocka_unit_test(test_named_units),
                cmocka_unit_test(test_compiled_size),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
