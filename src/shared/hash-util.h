/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* FNV-1a (64 bit), written once for userspace. The kernel side's name hash is
 * guard_name_hash() (bpf/guard-decide.h): the same function over a name of at most GUARD_NAME_MAX
 * bytes. Values stored in pins (rule label hashes) must not change: this is the reference. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FNV1A_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV1A_PRIME 0x100000001b3ULL

static inline uint64_t fnv1a_add(uint64_t h, const void *data, size_t n) {
        const unsigned char *p = data;

        for (size_t i = 0; i < n; i++)
                h = (h ^ p[i]) * FNV1A_PRIME;
        return h;
}

static inline uint64_t fnv1a(const void *data, size_t n) {
        return fnv1a_add(FNV1A_OFFSET_BASIS, data, n);
}

static inline uint64_t fnv1a_string(const char *s) {
        return fnv1a(s, strlen(s));
}
