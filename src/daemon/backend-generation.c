/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy generations: a new one is made, filled and switched in with one update of the outer
 * map's slot 0; the one in force is read back, counted and updated for new cgroups; the kernel's
 * counters summed. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "backend-internal.h"
#include "bpf-backend.h"
#include "macro.h"
#include "policy-image.h"

/* A new generation must match the outer map's inner template exactly, BTF and size included
 * (6.1 compares derived fields such as the timer offset), so copy them from the map in slot 0. */
static int create_generation_map(Backend *b) {
        LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
        _cleanup_(closep) int current = -EBADF, btf_fd = -EBADF;
        struct bpf_map_info info = {};
        __u32 zero = 0, id, len = sizeof(info);
        int fd;

        if (bpf_map_lookup_elem(b->outer_fd, &zero, &id) == 0) {
                current = bpf_map_get_fd_by_id(id);
                if (current >= 0 && bpf_obj_get_info_by_fd(current, &info, &len) == 0) {
                        b->map_entries_max = info.max_entries;
                        if (info.btf_id)
                                btf_fd = bpf_btf_get_fd_by_id(info.btf_id);
                        if (btf_fd >= 0) {
                                opts.btf_fd = btf_fd;
                                opts.btf_key_type_id = info.btf_key_type_id;
                                opts.btf_value_type_id = info.btf_value_type_id;
                        }
                }
        }
        fd = bpf_map_create(BPF_MAP_TYPE_HASH, "guard_gen", sizeof(struct guard_key), sizeof(struct guard_value),
                            b->map_entries_max, &opts);
        return fd < 0 ? -errno : fd;
}

static int fill_map(int fd, const PolicyImage *image) {
        LIBBPF_OPTS(bpf_map_batch_opts, opts);
        __u32 count = image->n_entries;

        if (count == 0)
                return 0;
        if (bpf_map_update_batch(fd, image->keys, image->values, &count, &opts) == 0 && count == image->n_entries)
                return 0;
        /* Older kernels or partial batches: one by one (idempotent). */
        for (size_t i = 0; i < image->n_entries; i++)
                if (bpf_map_update_elem(fd, &image->keys[i], &image->values[i], BPF_ANY) < 0)
                        return -errno;
        return 0;
}

/* The programs skip what the hints say no rule of the generation in force needs (struct
 * guard_hints). Before a switch they must suit the old generation and the new one (programs
 * still running on the old one, or going on with it if the switch fails), after it the new one:
 * widen = keep only what both skip. The map is this program set's own; the kernel only reads it. */
static int write_hints(Backend *b, const struct guard_hints *hints, bool widen) {
        struct guard_hints now = {}, h = *hints;
        __u32 zero = 0;

        if (widen) {
                if (bpf_map_lookup_elem(b->hints_fd, &zero, &now) < 0)
                        return -errno;
                h.skip_ns_types &= now.skip_ns_types;
                h.skip_record &= now.skip_record;
        }
        return bpf_map_update_elem(b->hints_fd, &zero, &h, BPF_ANY) < 0 ? -errno : 0;
}

int backend_apply(Backend *b, const PolicyImage *image, const BackendCover *cover, unsigned *ret_entries_written) {
        _cleanup_(closep) int fd = create_generation_map(b);
        __u32 active = GUARD_SLOT_ACTIVE, next = GUARD_SLOT_NEXT;
        struct guard_hints hints;
        bool pending;
        int r;

        if (fd < 0)
                return fd;
        guard_image_hints(image, &hints);
        r = write_hints(b, &hints, true);
        if (r < 0)
                return r;
        /* Protected before it is filled, long before a slot makes it reachable from the programs
         * (the kernel also refuses it by its name to others from its creation on). */
        register_object(b, GUARD_OBJ_MAP, object_id(fd));
        /* A map that fills up (E2BIG) or an allocation that fails (ENOMEM) leaves the new map
         * half-filled: it is dropped here and no slot ever sees it. */
        r = fill_map(fd, image);
        if (r < 0)
                return r;
        /* In the next-generation slot, the kernel gives every cgroup created from now on its
         * entry in it; cover adds those created since the scan. Then nothing created before the
         * switch is missing from it (a pin of an older build has no such slot: E2BIG). */
        pending = bpf_map_update_elem(b->outer_fd, &next, &fd, BPF_ANY) == 0;
        if (cover)
                cover->cover(fd, cover->userdata);
        /* The switch: one update of slot 0. Programs running now finish on the old generation,
         * the kernel frees it once they are done. */
        r = bpf_map_update_elem(b->outer_fd, &active, &fd, BPF_ANY) < 0 ? -errno : 0;
        if (pending)
                (void) bpf_map_delete_elem(b->outer_fd, &next);
        if (r < 0)
                return r;
        /* Left widened if this fails: slower, never wrong. */
        (void) write_hints(b, &hints, false);
        if (b->inner_fd >= 0)
                close(b->inner_fd);
        b->inner_fd = TAKE_FD(fd);
        if (ret_entries_written)
                *ret_entries_written = image->n_entries;
        return 0;
}

unsigned count_entries(int generation_fd) {
        struct guard_key key, next;
        unsigned n = 0;

        for (void *k = NULL; bpf_map_get_next_key(generation_fd, k, &next) == 0; k = &key) {
                key = next;
                n++;
        }
        return n;
}

unsigned backend_count_entries(Backend *b) {
        return b->inner_fd >= 0 ? count_entries(b->inner_fd) : 0;
}

int backend_update_cgroup(Backend *b, uint64_t cgroup_id, const struct guard_cgroup_info *info) {
        struct guard_key key = { .kind = GUARD_KEY_CGROUP, .a = cgroup_id };
        struct guard_value value = { .cgroup = *info };

        if (b->inner_fd < 0)
                return -EBADF;
        if (bpf_map_update_elem(b->inner_fd, &key, &value, BPF_ANY) < 0)
                return -errno;
        return 0;
}

void backend_forget_cgroup(Backend *b, uint64_t cgroup_id) {
        struct guard_key key = { .kind = GUARD_KEY_CGROUP, .a = cgroup_id };

        if (b && b->inner_fd >= 0)
                (void) bpf_map_delete_elem(b->inner_fd, &key);
}

int backend_read_counters(int counters_fd, BackendCounters *ret) {
        int n_cpus = libbpf_num_possible_cpus();
        uint64_t sums[_GUARD_COUNTER_MAX] = {};

        if (n_cpus <= 0)
                return -EINVAL;
        uint64_t values[n_cpus];

        /* Zeroed although the kernel fills it: checkers (valgrind) cannot know a per-CPU
         * lookup writes one value per possible CPU. */
        memset(values, 0, sizeof(values));
        for (__u32 c = 0; c < _GUARD_COUNTER_MAX; c++) {
                if (bpf_map_lookup_elem(counters_fd, &c, values) < 0)
                        return -errno;
                for (int i = 0; i < n_cpus; i++)
                        sums[c] += values[i];
        }
        *ret = (BackendCounters) {
                .denied = sums[GUARD_COUNTER_DENIED],
                .audited = sums[GUARD_COUNTER_AUDITED],
                .observed = sums[GUARD_COUNTER_OBSERVED],
                .lost_events = sums[GUARD_COUNTER_LOST_EVENTS],
                .map_full = sums[GUARD_COUNTER_MAP_FULL],
                .suppressed = sums[GUARD_COUNTER_SUPPRESSED],
                .lost_cgroup_events = sums[GUARD_COUNTER_LOST_CGROUP_EVENTS],
                .records_dropped = sums[GUARD_COUNTER_RECORDS_DROPPED],
                .counts_full = sums[GUARD_COUNTER_COUNTS_FULL],
        };
        return 0;
}

int backend_read_image(Backend *b, PolicyImage *ret) {
        _cleanup_(policy_image_done) PolicyImage image = {};
        struct guard_key key, next;
        struct guard_value value;
        int r;

        for (void *k = NULL; bpf_map_get_next_key(b->inner_fd, k, &next) == 0; k = &key) {
                key = next;
                if (bpf_map_lookup_elem(b->inner_fd, &key, &value) < 0)
                        continue; /* gone meanwhile (rmdir) */
                r = policy_image_put(&image, &key, &value);
                if (r < 0)
                        return r;
        }
        *ret = image;
        image = (PolicyImage) {};
        return 0;
}
