/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "policy-check.h"
#include "policy-parse.h"

static void warn_unresolved_executables(const Policy *p, Diagnostics *d) {
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];

                /* Not an error: the policy may be written for machines that have the program. */
                if (r->exe && !r->exe_resolved)
                        (void) diag_add(d, DIAG_WARNING, policy_rule_file(p, r)->path, r->line, r->column,
                                        "exe \"%s\" does not exist here; this rule matches nothing until it does",
                                        r->exe);
        }
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
                warn_unresolved_executables(&p, &d);
        }
        diag_print(&d, err);
        if (r < 0) {
                fprintf(err, "%s: %zu error(s); the policy was not accepted\n", dir, d.n_errors);
                return 1;
        }

        fprintf(out, "%s: OK: %zu file(s), %zu rule(s): %zu protect, %zu allow, %zu delegate, %zu lock, %zu lock_on_entry%s\n",
                dir, p.n_files, p.n_rules,
                policy_count_rules(&p, POLICY_RULE_PROTECT), policy_count_rules(&p, POLICY_RULE_ALLOW),
                policy_count_rules(&p, POLICY_RULE_DELEGATE), policy_count_rules(&p, POLICY_RULE_LOCK),
                policy_count_rules(&p, POLICY_RULE_LOCK_ON_ENTRY),
                policy_requires_enforce(&p) ? "; requires an enforcing backend" : "");
        return 0;
}
