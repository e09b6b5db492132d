/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Policy files (format versions 1 and 2, see man/cgroup-guard.policy.5) into the merged model. */

#include "policy-diag.h"
#include "policy.h"

#define POLICY_FILE_SIZE_MAX (1024 * 1024)
/* A file's name labels its rules' counts in the kernel (struct guard_rule_name, 128 bytes with the
 * NUL): longer names are refused rather than cut, so no two files share a label. */
#define POLICY_FILE_NAME_MAX 127
#define POLICY_FILES_MAX 1024
#define POLICY_FORMAT_VERSION 2        /* the newest this build reads; 1 keeps its meaning */

/* Parses one document and appends its file and rules to p. On errors, diagnostics are added,
 * p is left unchanged and -EINVAL is returned. */
int policy_parse_buffer(Policy *p, const char *path, const char *text, size_t len, Diagnostics *d);

/* Loads every *.json file of dir in lexical order (hidden files and editor leftovers are
 * ignored). Returns 0 and the merged policy, -EINVAL if any file is invalid (every problem is
 * in d), -EAGAIN if files kept vanishing while it was read (the directory is being changed: try
 * again once it settles), or another -errno if the directory itself cannot be read. */
int policy_load_directory(const char *dir, Policy *ret, Diagnostics *d);

/* True for names the loader reads: "*.json", not hidden. */
bool policy_file_name_wanted(const char *name);
