/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* "--check": load a policy directory, print diagnostics like a compiler and a one-line summary.
 * Shared by cgroup-guardd --check and cgroup-guardctl check. Returns the process exit status:
 * 0 valid, 1 invalid, 2 the directory could not be read. */

#include <stdio.h>

int policy_check_directory(const char *dir, FILE *out, FILE *err);
