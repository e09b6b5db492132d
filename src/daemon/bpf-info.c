/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>

#include "bpf-info.h"
#include "macro.h"

uint32_t object_id(int fd) {
        struct bpf_link_info info = {};
        __u32 len = sizeof(info);

        return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

/* Asked for the count first, then again while it grows: the verifier lets a program reference 64
 * maps, but bpf_prog_bind_map() adds more to a loaded one without limit, also between two calls. */
int bpf_prog_map_ids(int prog_fd, uint32_t **ret_ids, uint32_t *ret_n) {
        _cleanup_(freep) uint32_t *ids = NULL;
        uint32_t n = 0;

        for (;;) {
                struct bpf_prog_info info = { .nr_map_ids = n, .map_ids = (uint64_t) (uintptr_t) ids };
                __u32 len = sizeof(info);

                if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
                        return -errno;
                if (info.nr_map_ids <= n) {
                        *ret_ids = TAKE_PTR(ids);
                        *ret_n = info.nr_map_ids;
                        return 0;
                }
                n = info.nr_map_ids;
                free(ids);
                ids = calloc(n, sizeof(*ids));
                if (!ids)
                        return -ENOMEM;
        }
}
