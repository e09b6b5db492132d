/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: any bytes through the policy parser, then the oracle over what it accepted. */

#include <stddef.h>
#include <stdint.h>

#include "policy-decide.h"
#include "policy-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Policy p = {};
        Diagnostics d = {};
        PolicyActor actor = { .exe = "/usr/bin/x", .cgroup = "/user.slice/a" };
        PolicyNsTask task = { .cgroup = "/system.slice/s.service" };
        PolicyDecision dec;

        if (policy_parse_buffer(&p, "fuzz.json", (const char *) data, size, &d) == 0) {
                policy_decide_migration(&p, &actor, "/system.slice/a.service", "/user.slice/b", &dec);
                policy_decide_setns(&p, &task, 0x40000000, "/system.slice/x", &dec, NULL);
                policy_decide_new_namespace(&p, &task, 0x04000000, &dec);
        }
        for (size_t i = 0; i < d.n_items; i++)
                free(diag_format(&d.items[i]));
        diag_done(&d);
        policy_done(&p);
        return 0;
}
