/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup-path.h"
#include "cgroup-tree.h"
#include "policy-check.h"
#include "policy-classify.h"
#include "policy-compile.h"
#include "policy-image.h"
#include "policy-parse.h"
#include "policy-units.h"

/* Can tamper protection reserve the name where path stops existing here (guard-files.c
 * add_names(): not at the top, where it would take a key of "/", nor a name longer than the kernel
 * keeps inline in a dentry)? Otherwise a confined root may make the file the rule then trusts. */
static bool missing_name_reservable(const char *path) {
        char prefix[PATH_MAX];
        size_t len = strlen(path);

        if (path[0] != '/' || len >= sizeof(prefix))
                return false;
        for (size_t i = 1, start = 1; i <= len; i++) {
                struct stat st;

                if (path[i] != '/' && path[i] != '\0')
                        continue;
                memcpy(prefix, path, i);
                prefix[i] = '\0';
                if (stat(prefix, &st) < 0)
                        return start > 1 && i - start <= GUARD_RESERVED_NAME_MAX;
                start = i + 1;
        }
        return true;
}

static void warn_unresolved_executables(const Policy *p, Diagnostics *d) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                /* Not an error: the policy may be written for machines that have the program. */
                if (!r->exe || r->exe_resolved)
                        continue;
                if (missing_name_reservable(r->exe))
                        (void) diag_add(d, DIAG_WARNING, policy_rule_file(p, r)->path, r->line, r->column,
                                        "exe \"%s\" does not exist here; this rule matches nothing until it does",
                                        r->exe);
                else
                        (void) diag_add(d, DIAG_WARNING, policy_rule_file(p, r)->path, r->line, r->column,
                                        "exe \"%s\" does not exist here, and tamper protection cannot reserve its name (a "
                                        "missing directory at the top, or a name longer than %d bytes): a confined root "
                                        "could create it and be trusted; install it or name another path",
                                        r->exe, GUARD_RESERVED_NAME_MAX);
        }
}

static bool protected_against_migration(const Policy *p, const char *cgroup) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                /* A glob lock is covered when the protect pattern matches the glob as a path: "*"
                 * matches "*", so "/jail" and "/jail/\*" cover "/jail/\*". */
                if (r->kind == POLICY_RULE_PROTECT && policy_rule_active(p, r) &&
                    cgroup_pattern_covers(r->cgroup, cgroup, NULL))
                        return true;
        }
        return false;
}

/* A namespace lock holds the tasks of a cgroup; if they can be moved to another cgroup, the lock
 * is one echo into cgroup.procs away from nothing. */
static void warn_unprotected_locks(const Policy *p, Diagnostics *d) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                if (r->kind == POLICY_RULE_LOCK && policy_rule_active(p, r) && !protected_against_migration(p, r->cgroup))
                        (void) diag_add(d, DIAG_WARNING, policy_rule_file(p, r)->path, r->line, r->column,
                                        "lock on %s: no protect rule covers %s, so its tasks can be moved out of the lock; "
                                        "add it to \"migration.protect\"", r->cgroup, r->cgroup);
        }
}

/* An allow entry only ever decides a migration that a protect rule governs: one whose source or
 * destination an active protect rule covers. The source can be any cgroup a task is in, so an
 * entry whose "to" and actor cgroup lie outside every protected subtree is still what lets its
 * actor move tasks out of a protected one; only without any active protect rule can no entry
 * ever be needed. */
static void warn_unneeded_allows(const Policy *p, Diagnostics *d) {
        for (size_t i = 0; i < p->n_rules; i++)
                if (p->rules[i].kind == POLICY_RULE_PROTECT && policy_rule_active(p, &p->rules[i]))
                        return;
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                if (r->kind == POLICY_RULE_ALLOW && policy_rule_active(p, r))
                        (void) diag_add(d, DIAG_WARNING, policy_rule_file(p, r)->path, r->line, r->column,
                                        "allow entry has no effect: no active protect rule governs any migration, "
                                        "so nothing needs allowing");
        }
}

/* Compiles the first n rules of p for a hierarchy holding only its root: what the policy itself
 * costs in the kernel map (rules, executables, the glob matcher's states). */
static int compile_rules(const Policy *p, size_t n, const CgroupTree *root) {
        _cleanup_(policy_image_done) PolicyImage img = {};
        _cleanup_(freep) char *error = NULL;
        Policy prefix = *p;

        prefix.n_rules = n;
        return policy_compile(&prefix, root, 1, &img, &error);
}

/* What the compiler refuses, where the loader cannot see it: the map entries the compiled policy
 * needs (glob patterns multiply the matcher's states). Reported at the first rule with which the
 * rules before it no longer fit, so --check refuses what the daemon would refuse. */
static int check_compiled_size(const Policy *p, Diagnostics *d) {
        _cleanup_(cgroup_tree_done) CgroupTree root = {};
        size_t ok = 0, fails;
        const PolicyRule *rule;
        int r;

        r = cgroup_tree_add(&root, "/", 1);
        if (r < 0)
                return r;
        r = compile_rules(p, p->n_rules, &root);
        if (r != -E2BIG)
                return r == -ENOMEM ? r : 0; /* other failures are the loader's to report */
        /* The smallest prefix that does not fit: compiles stop at the cap, so this stays quick. */
        fails = p->n_rules;
        while (fails - ok > 1) {
                size_t mid = ok + (fails - ok) / 2;

                r = compile_rules(p, mid, &root);
                if (r == -E2BIG)
                        fails = mid;
                else if (r == -ENOMEM)
                        return r;
                else
                        ok = mid;
        }
        rule = &p->rules[fails - 1];
        return diag_add(d, DIAG_ERROR, policy_rule_file(p, rule)->path, rule->line, rule->column,
                        "too many kernel policy map entries: with this rule the compiled policy needs more than %d "
                        "(each glob pattern multiplies the matcher's states; cgroups take entries at run time too)",
                        GUARD_POLICY_ENTRIES_MAX);
}

/* An executable is what the acting process says it is: code injected into the real binary
 * (LD_PRELOAD), or a process that makes its exe link point at it (prctl PR_SET_MM, caught by the
 * guard) passes for it. Anchored in the actor's cgroup, which no task it confines can forge,
 * it holds. */
static void warn_exe_only_allows(const Policy *p, Diagnostics *d) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                if (r->kind == POLICY_RULE_ALLOW && r->exe && !r->cgroup && policy_rule_active(p, r))
                        (void) diag_add(d, DIAG_WARNING, policy_rule_file(p, r)->path, r->line, r->column,
                                        "allow entry for exe \"%s\" has no \"cgroup\": any process running it "
                                        "(with code injected by LD_PRELOAD, say) is allowed from anywhere; name the "
                                        "cgroup it runs in", r->exe);
        }
}

/* An admin cgroup is as narrow as what may join it: the guard refuses moves into one from outside
 * (guard_admin_join_refused()), but PID 1 makes units and scopes for anyone who reaches its API,
 * and places them where their names say. A pattern takes every cgroup named to match it, a slice
 * every unit and scope below it, a scope name what logind or systemd-run gives (a login session
 * to any root that opens a PAM session), a service without a unit file whoever asks PID 1 for a
 * transient unit of that name: name the unit, as the default names the guard's. */
static void warn_broad_admins(const Policy *p, Diagnostics *d) {
        for (size_t i = 0; i < p->n_admins; i++) {
                const PolicyAdmin *a = &p->admins[i];
                const char *last = strrchr(a->cgroup, '/');
                const char *why = NULL;

                if (p->files[a->file].mode == POLICY_MODE_OFF)
                        continue;
                last = last ? last + 1 : a->cgroup;
                if (strpbrk(a->cgroup, "*?["))
                        why = "a pattern: every cgroup named to match it, now or later (a transient unit or scope "
                              "anyone who reaches PID 1 may name so), is an admin cgroup";
                else if (strlen(last) > 6 && streq(last + strlen(last) - 6, ".slice"))
                        why = "a slice: every unit and scope PID 1 places below it (systemd-run -p Slice=, by anyone who "
                              "reaches PID 1) is an admin cgroup";
                else if (strlen(last) > 6 && streq(last + strlen(last) - 6, ".scope") && !streq(a->cgroup, "/init.scope"))
                        why = "a scope: scopes are made on request (logind gives a login session to any root that opens a "
                              "PAM session, systemd-run --scope to anyone who reaches PID 1)";
                else {
                        _cleanup_(freep) char *unit = NULL;

                        if (policy_pattern_unit_file(a->cgroup, &unit) > 0 && !policy_unit_file_exists(unit))
                                why = "a service with no unit file here: PID 1 gives its name to any transient unit it "
                                      "is asked for (systemd-run --unit=), whose processes would be admin";
                }
                if (why)
                        (void) diag_add(d, DIAG_WARNING, p->files[a->file].path, a->line, a->column,
                                        "admin \"%s\" is %s; name the unit (a .service) whose processes may switch "
                                        "the guard off", a->cgroup, why);
        }
}

/* policy_resolve_units() left these out: said where, once per rule and side. */
static void warn_units_dropped(const Policy *p, Diagnostics *d) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                for (unsigned side = 0; side < 2; side++) {
                        char **dropped = side == 0 ? r->from_dropped : r->to_dropped;
                        char list[1024];

                        if (!dropped)
                                continue;
                        (void) diag_add(d, DIAG_WARNING, policy_rule_file(p, r)->path, r->line, r->column,
                                        "\"%s\" entries name services with no unit file here, which match nothing "
                                        "until the service is installed (PID 1 gives such a name to any transient unit "
                                        "it is asked for: systemd-run --unit=): %s",
                                        side == 0 ? "from" : "to", policy_units_join(dropped, list, sizeof(list)));
                }
        }
}

/* PID 1 starts a transient unit in any slice and under any name that has no unit file, for
 * whoever reaches its API: a "from" of PID 1's that names a slice, or a service by a pattern,
 * lets such a unit's processes be moved where the entry's "to" says (a login service's session
 * scope: out of every confined cgroup). */
static void warn_transient_sources(const Policy *p, Diagnostics *d) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                if (r->kind != POLICY_RULE_ALLOW || !policy_rule_active(p, r) || !r->cgroup ||
                    !streq(r->cgroup, "/init.scope"))
                        continue;
                for (char **t = r->from; t && *t; t++) {
                        const char *last = strrchr(*t, '/');
                        size_t n;

                        last = last ? last + 1 : *t;
                        n = strlen(last);
                        if (n > 6 && streq(last + n - 6, ".slice"))
                                (void) diag_add(d, DIAG_WARNING, policy_rule_file(p, r)->path, r->line, r->column,
                                                "\"from\" entry %s of PID 1's is a slice: PID 1 starts a transient unit "
                                                "there for anyone who reaches it (systemd-run --slice=); name the service",
                                                *t);
                        else if (n > 8 && streq(last + n - 8, ".service") && strpbrk(last, "*?[")) {
                                _cleanup_(freep) char *unit = NULL;

                                if (policy_pattern_unit_file(*t, &unit) == 0)
                                        (void) diag_add(d, DIAG_WARNING, policy_rule_file(p, r)->path, r->line, r->column,
                                                        "\"from\" entry %s of PID 1's names services by a pattern: a "
                                                        "transient unit can take such a name (systemd-run --unit=); name "
                                                        "the service, or a template's instances (NAME@*.service)", *t);
                        }
                }
        }
}

/* The kernel classifies a cgroup at its mkdir, by name, testing at most GUARD_STATE_GLOBS_MAX
 * glob components at one level and components shorter than GUARD_COMPONENT_MAX bytes. Where a
 * level has more, a new cgroup there that no literal pattern names starts with its parent's
 * entry until the daemon gives it its own: while the daemon is stopped or frozen, it goes without
 * the rules that name it. */
static int warn_kernel_unclassified(const Policy *p, Diagnostics *d) {
        _cleanup_(freep) char *pattern = NULL;
        const PolicyRule *rule;
        size_t index;
        int r = classifier_policy_opaque(p, &index, &pattern);

        if (r <= 0)
                return r == -ENOMEM ? r : 0;
        if (index >= p->n_rules)
                return 0; /* only the admin list's patterns there: no rule to point at */
        rule = &p->rules[index];
        (void) diag_add(d, DIAG_WARNING, policy_rule_file(p, rule)->path, rule->line, rule->column,
                        "%s: the kernel classifies new cgroups at one level by at most %d glob patterns and by names "
                        "shorter than %d bytes, and this level has more: a cgroup created there that no plain name of "
                        "the policy names takes its parent's entry until cgroup-guardd gives it its own (not while "
                        "the daemon is stopped or frozen); use fewer patterns per level",
                        pattern, GUARD_STATE_GLOBS_MAX, GUARD_COMPONENT_MAX);
        return 0;
}

int policy_check_directory(const char *dir, FILE *out, FILE *err) {
        _cleanup_(diag_done) Diagnostics d = {};
        _cleanup_(policy_done) Policy p = {};
        int r;

        r = policy_load_directory(dir, &p, &d);
        if (r < 0 && r != -EINVAL) {
                fprintf(err, "%s: error: cannot read policy directory: %s\n", dir, strerror(-r));
                return 2;
        }
        if (r == 0) {
                policy_resolve_executables(&p, NULL);
                r = policy_resolve_units(&p, NULL);
                if (r >= 0)
                        r = check_compiled_size(&p, &d);
                if (r == -ENOMEM) {
                        fprintf(err, "%s: error: out of memory\n", dir);
                        return 2;
                }
                warn_unresolved_executables(&p, &d);
                warn_unprotected_locks(&p, &d);
                warn_unneeded_allows(&p, &d);
                warn_exe_only_allows(&p, &d);
                warn_broad_admins(&p, &d);
                warn_units_dropped(&p, &d);
                warn_transient_sources(&p, &d);
                if (r >= 0 && warn_kernel_unclassified(&p, &d) == -ENOMEM) {
                        fprintf(err, "%s: error: out of memory\n", dir);
                        return 2;
                }
        }
        diag_print(&d, err);
        if (r < 0) {
                fprintf(err, "%s: %zu error(s); the policy was not accepted\n", dir, d.n_errors);
                return 1;
        }

        char ignored[64] = "";
        if (p.n_ignored > 0)
                snprintf(ignored, sizeof(ignored), " (%zu other file(s) ignored)", p.n_ignored);

        /* Warnings were printed above; the summary counts them, and the files that were not read. */
        fprintf(out, "%s: OK%s: %zu file(s)%s, %zu rule(s): %zu protect, %zu allow, %zu delegate, %zu lock, %zu lock_on_entry%s\n",
                dir, d.n_items > 0 ? " with warnings" : "", p.n_files, ignored, p.n_rules,
                policy_count_rules(&p, POLICY_RULE_PROTECT), policy_count_rules(&p, POLICY_RULE_ALLOW),
                policy_count_rules(&p, POLICY_RULE_DELEGATE), policy_count_rules(&p, POLICY_RULE_LOCK),
                policy_count_rules(&p, POLICY_RULE_LOCK_ON_ENTRY),
                policy_requires_enforce(&p) ? "; requires an enforcing backend" : "");
        if (policy_admin_is_default(&p))
                fprintf(out, "%s: admin cgroups (the off-switches): PID 1's cgroup (%s; the root cgroup where PID 1 "
                        "runs in it, without systemd) and the guard's own unit (the default: no file names \"admin\")\n",
                        dir, POLICY_ADMIN_DEFAULT);
        else {
                fprintf(out, "%s: admin cgroups (the off-switches):", dir);
                for (size_t i = 0; policy_admin_pattern(&p, i); i++)
                        fprintf(out, "%s %s", i ? "," : "", policy_admin_pattern(&p, i));
                fputc('\n', out);
        }
        return 0;
}
