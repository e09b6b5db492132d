/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: arbitrary ring-buffer records (and names) through the event formatter, the
 * way the daemon receives them from the kernel. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event-format.h"
#include "policy-parse.h"

static const char policy_text[] =
        "{\"version\":1,\"migration\":{\"protect\":[\"/a\"],\"allow\":[{\"cgroup\":\"/b\"}],\"delegate\":[\"/c/*\"]},"
        "\"namespaces\":{\"lock\":[{\"cgroup\":\"/d\",\"types\":[\"net\"]}],"
        "\"lock_on_entry\":[{\"created_by\":{\"cgroup\":\"/e\"},\"types\":[\"uts\"]}]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static Policy policy;
        static bool loaded;
        struct guard_event e = {};
        char names[4][64] = {};
        EventText t;

        if (!loaded) {
                Diagnostics d = {};
                policy_parse_buffer(&policy, "fuzz.json", policy_text, strlen(policy_text), &d);
                diag_done(&d);
                loaded = true;
        }
        memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
        /* The rest of the input names paths and executables, unterminated on purpose. */
        for (size_t i = 0; i < 4 && size > sizeof(e) + i * 63; i++)
                memcpy(names[i], data + sizeof(e) + i * 63,
                       size - sizeof(e) - i * 63 < 63 ? size - sizeof(e) - i * 63 : 63);
        EventNames n = {
                .backend = (e.flags & 1) ? "observe" : "native",
                .actor_exe = names[0][0] ? names[0] : NULL,
                .actor_cgroup = names[1][0] ? names[1] : NULL,
                .src_cgroup = names[2],
                .dst_cgroup = names[3][0] ? names[3] : NULL,
                .policy = (e.flags & 4) ? NULL : &policy,
                .response = (e.flags & 8) ? names[1] : NULL,
        };
        event_format(&e, &n, &t);
        return 0;
}
