/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the kernel says about a BPF object of the guard's, by fd. */

#include <stdint.h>

/* The kernel's id of a BPF object fd (0: none). */
uint32_t object_id(int fd);
/* The ids of every map the program uses (*ret_ids freed by the caller; NULL when none). */
int bpf_prog_map_ids(int prog_fd, uint32_t **ret_ids, uint32_t *ret_n);
