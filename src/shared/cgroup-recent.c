/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-recent.h"

int cgroup_recent_add(CgroupRecent *r, uint64_t id, const char *path) {
        char *copy;
        unsigned slot;

        if (id == 0 || !path)
                return -EINVAL;
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        slot = r->next % CGROUP_RECENT_MAX;
        free(r->slots[slot].path);
        r->slots[slot].id = id;
        r->slots[slot].path = copy;
        r->next = (slot + 1) % CGROUP_RECENT_MAX;
        return 0;
}

const char *cgroup_recent_path(const CgroupRecent *r, uint64_t id) {
        /* Newest first: a cgroup named when it appeared and again when it went has its later path. */
        for (unsigned i = 1; i <= CGROUP_RECENT_MAX; i++) {
                unsigned slot = (r->next + CGROUP_RECENT_MAX - i) % CGROUP_RECENT_MAX;

                if (r->slots[slot].path && r->slots[slot].id == id)
                        return r->slots[slot].path;
        }
        return NULL;
}

char *cgroup_path_join(const char *parent, const char *name) {
        char *s;

        if (asprintf(&s, "%s/%s", strcmp(parent, "/") == 0 ? "" : parent, name) < 0)
                return NULL;
        return s;
}

void cgroup_recent_done(CgroupRecent *r) {
        for (unsigned i = 0; i < CGROUP_RECENT_MAX; i++) {
                free(r->slots[i].path);
                r->slots[i].path = NULL;
        }
        r->next = 0;
}
