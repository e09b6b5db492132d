/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The small set of systemd-style helpers the whole tree relies on. */

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))

#define SEC_PER_MINUTE 60u
#define SEC_PER_HOUR (60u * SEC_PER_MINUTE)
#define SEC_PER_DAY (24u * SEC_PER_HOUR)
#define USEC_PER_SEC ((uint64_t) 1000000)
#define USEC_PER_MSEC ((uint64_t) 1000)
#define NSEC_PER_SEC ((uint64_t) 1000000000)
#define NSEC_PER_USEC ((uint64_t) 1000)

/* A timespec (CLOCK_REALTIME, CLOCK_MONOTONIC) in microseconds, the journal's and sd-event's unit. */
#define TIMESPEC_USEC(ts) ((uint64_t) (ts).tv_sec * USEC_PER_SEC + (uint64_t) (ts).tv_nsec / NSEC_PER_USEC)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand ownership of a _cleanup_ pointer on. */
#define TAKE_PTR(p)                         \
        ({                                  \
                __typeof__(p) _p_ = (p);    \
                (p) = NULL;                 \
                _p_;                        \
        })

#define TAKE_FD(fd)                         \
        ({                                  \
                int _fd_ = (fd);            \
                (fd) = -EBADF;              \
                _fd_;                       \
        })

/* Makes room for at least need elements of size in *p, growing geometrically: appending n
 * elements one at a time stays O(n) even where realloc() copies (ASan, small heaps). *allocated
 * is the capacity. Returns NULL (leaving *p alone) when out of memory. */
static inline void *greedy_realloc(void **p, size_t *allocated, size_t need, size_t size) {
        size_t n;
        void *q;

        if (need <= *allocated)
                return *p;
        n = need < 16 ? 16 : need * 2;
        if (size == 0 || n > SIZE_MAX / size)
                return NULL;
        q = realloc(*p, n * size);
        if (!q)
                return NULL;
        *p = q;
        *allocated = n;
        return q;
}
#define GREEDY_REALLOC(array, allocated, need) \
        greedy_realloc((void **) &(array), &(allocated), (need), sizeof((array)[0]))

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

#include <dirent.h>
static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
        static inline void func##p(type *p) {   \
                if (*p)                         \
                        func(*p);               \
        }

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
