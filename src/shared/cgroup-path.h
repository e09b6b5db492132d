/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Cgroup paths as policies spell them: absolute, relative to the cgroup2 root, "/" is the root.
 * Patterns may use '*', which matches any run of characters within one path component. A
 * pattern names a whole subtree: it matches a path when it matches a leading run of the path's
 * components. */

#include <stdbool.h>
#include <stddef.h>

#define CGROUP_PATH_MAX 4096
#define CGROUP_NAME_MAX 255

/* Returns NULL when path is a well-formed policy path, else a short reason. */
const char *cgroup_path_invalid_reason(const char *path);

/* True if path lies in the subtree the pattern names. On a match, *ret_prefix_len (if non-NULL)
 * is the length of the leading part of path that the pattern matched, i.e. the path of the
 * subtree's top: "/user.slice/user-1000.slice" for pattern "/user.slice/user-*.slice". */
bool cgroup_pattern_covers(const char *pattern, const char *path, size_t *ret_prefix_len);

/* True if path equals prefix or lies below it (both literal paths). */
bool cgroup_path_startswith(const char *path, const char *prefix);

/* '*'-only glob match of one component against a string of the given length. */
bool cgroup_component_match(const char *pattern, size_t pattern_len, const char *s, size_t s_len);

/* True if some cgroup lies in the subtrees both patterns name (one subtree holds the other, for
 * some cgroup the patterns match). */
bool cgroup_patterns_overlap(const char *a, const char *b);
