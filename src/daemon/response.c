/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-path.h"
#include "cgroupfs.h"
#include "macro.h"
#include "response.h"

const char *response_refusal(const char *cgroup, const char *own_cgroup) {
        if (!cgroup)
                return "the actor's cgroup is unknown";
        if (streq(cgroup, "/"))
                return "it is the root cgroup";
        if (cgroup_path_startswith(cgroup, "/init.scope"))
                return "it is PID 1's cgroup";
        if (own_cgroup && cgroup_path_startswith(own_cgroup, cgroup))
                return "it holds cgroup-guardd itself";
        return NULL;
}

char *response_apply(const char *mount, const char *cgroup, const char *own_cgroup, PolicyAction action) {
        const char *verb = action == POLICY_ACTION_DENY_KILL ? "kill" : "freeze";
        const char *refusal;
        char *s = NULL;
        int r;

        if (action == POLICY_ACTION_DENY)
                return NULL;
        refusal = response_refusal(cgroup, own_cgroup);
        if (refusal) {
                if (asprintf(&s, "refused to %s %s: %s", verb, cgroup ?: "(unknown)", refusal) < 0)
                        return NULL;
                return s;
        }
        r = cgroup2_write_file(mount, cgroup, action == POLICY_ACTION_DENY_KILL ? "cgroup.kill" : "cgroup.freeze", "1");
        if (r < 0) {
                if (asprintf(&s, "failed to %s %s: %s", verb, cgroup, strerror(-r)) < 0)
                        return NULL;
                return s;
        }
        if (asprintf(&s, "%s %s", action == POLICY_ACTION_DENY_KILL ? "killed" : "froze", cgroup) < 0)
                return NULL;
        return s;
}
