/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What this machine must offer before any BPF program can load, checked up front so a start-up
 * failure is one line that says what is missing and how to fix it, instead of libbpf's errno
 * from deep inside a load attempt. */

#include <stdbool.h>

#include "bpf-backend.h"

/* 0 if the daemon can try to load the requested backend; else -errno and *ret_message (one line,
 * caller frees): not privileged (no CAP_BPF/CAP_SYS_ADMIN), no bpffs at bpffs_dir, no kernel BTF,
 * or (native, compat) no BPF LSM. */
int preflight_check(BackendKind requested, const char *bpffs_dir, char **ret_message);

/* Whether the active LSMs include BPF: 1 yes, 0 no (*ret_list: the list, caller frees), -errno
 * if they cannot be read (securityfs not mounted). */
int bpf_lsm_enabled(char **ret_list);

/* A comma-separated LSM list (/sys/kernel/security/lsm) names "bpf". */
bool lsm_list_has_bpf(const char *list);
