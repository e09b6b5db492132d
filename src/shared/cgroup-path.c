/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "cgroup-path.h"

const char *cgroup_path_invalid_reason(const char *path) {
        size_t len = strlen(path);

        if (len == 0)
                return "cgroup path is empty";
        if (path[0] != '/')
                return "cgroup path must be absolute (start with '/')";
        if (len > CGROUP_PATH_MAX)
                return "cgroup path is too long";
        if (len == 1)
                return NULL;
        if (path[len - 1] == '/')
                return "cgroup path must not end with '/'";

        for (const char *p = path + 1;;) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t) (slash - p) : strlen(p);

                if (n == 0)
                        return "cgroup path must not contain empty components ('//')";
                if (n > CGROUP_NAME_MAX)
                        return "cgroup path component is longer than 255 bytes";
                if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return "cgroup path must not contain '.' or '..' components";
                for (size_t i = 0; i < n; i++)
                        if ((unsigned char) p[i] < 0x20 || p[i] == 0x7f)
                                return "cgroup path must not contain control characters";
                if (!slash)
                        return NULL;
                p = slash + 1;
        }
}

bool cgroup_component_match(const char *pattern, size_t pattern_len, const char *s, size_t s_len) {
        size_t p = 0, i = 0, star = (size_t) -1, star_i = 0;

        /* Classic greedy matcher with single-star backtracking: linear in practice, no recursion. */
        while (i < s_len) {
                if (p < pattern_len && pattern[p] == '*') {
                        star = p++;
                        star_i = i;
                } else if (p < pattern_len && pattern[p] == s[i]) {
                        p++;
                        i++;
                } else if (star != (size_t) -1) {
                        p = star + 1;
                        i = ++star_i;
                } else
                        return false;
        }
        while (p < pattern_len && pattern[p] == '*')
                p++;
        return p == pattern_len;
}

bool cgroup_pattern_covers(const char *pattern, const char *path, size_t *ret_prefix_len) {
        const char *p = pattern, *s = path;

        /* The root pattern covers everything. */
        if (pattern[0] == '/' && pattern[1] == '\0') {
                if (ret_prefix_len)
                        *ret_prefix_len = 1;
                return true;
        }

        while (*p == '/') {
                const char *pe, *se;

                if (*s != '/')
                        return false;
                p++, s++;
                pe = strchrnul(p, '/');
                se = strchrnul(s, '/');
                /* "/" has no components: a glob names cgroups below the root, never the root. */
                if (se == s || !cgroup_component_match(p, pe - p, s, se - s))
                        return false;
                p = pe;
                s = se;
        }
        if (*p != '\0')
                return false;
        if (ret_prefix_len)
                *ret_prefix_len = s - path;
        return true;
}

bool cgroup_path_startswith(const char *path, const char *prefix) {
        size_t n = strlen(prefix);

        if (n == 1 && prefix[0] == '/')
                return path[0] == '/';
        return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Is there a string both '*'-globs match? Reachability over pairs of positions: a star may stay
 * on a character (its run goes on) or be skipped; a character both sides can take moves both. */
static bool components_intersect(const char *a, size_t na, const char *b, size_t nb) {
        bool glob_a = memchr(a, '*', na), glob_b = memchr(b, '*', nb);

        /* Literals (the common case) need no search. */
        if (!glob_a && !glob_b)
                return na == nb && memcmp(a, b, na) == 0;
        if (!glob_a)
                return cgroup_component_match(b, nb, a, na);
        if (!glob_b)
                return cgroup_component_match(a, na, b, nb);
        if (na > CGROUP_NAME_MAX || nb > CGROUP_NAME_MAX)
                return true; /* cannot be a cgroup name anyway; err on the side of "overlaps" */

        bool reach[na + 1][nb + 1];
        memset(reach, 0, sizeof(reach));
        reach[0][0] = true;
        for (size_t i = 0; i <= na; i++)
                for (size_t j = 0; j <= nb; j++) {
                        if (!reach[i][j])
                                continue;
                        /* Epsilon: a star matching nothing more. */
                        if (i < na && a[i] == '*')
                                reach[i + 1][j] = true;
                        if (j < nb && b[j] == '*')
                                reach[i][j + 1] = true;
                        /* One common character. */
                        if (i < na && j < nb) {
                                bool sa = a[i] == '*', sb = b[j] == '*';

                                if (sa && !sb)
                                        reach[i][j + 1] = true;
                                else if (!sa && sb)
                                        reach[i + 1][j] = true;
                                else if (!sa && !sb && a[i] == b[j])
                                        reach[i + 1][j + 1] = true;
                        }
                }
        /* Both at their ends, and the common string is not empty (no cgroup name is). */
        if (!reach[na][nb])
                return false;
        if (na == 0 || nb == 0)
                return false;
        return true;
}

bool cgroup_patterns_overlap(const char *a, const char *b) {
        /* Component by component over the shorter pattern: the longer one's subtree lies below. */
        for (;;) {
                const char *ae, *be;

                if (*a == '/')
                        a++;
                if (*b == '/')
                        b++;
                if (*a == '\0' || *b == '\0')
                        return true;
                ae = strchrnul(a, '/');
                be = strchrnul(b, '/');
                if (!components_intersect(a, ae - a, b, be - b))
                        return false;
                a = ae;
                b = be;
        }
}
