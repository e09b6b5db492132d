/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/* Rig smoke test for the stock kernel: BPF LSM works at all. Denies opening one file, chosen by
 * inode number, with EPERM. */

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 target_ino = 0;

SEC("lsm/file_open")
int BPF_PROG(smoke_file_open, struct file *file) {
        if (file->f_inode->i_ino == target_ino)
                return -1; /* -EPERM */
        return 0;
}
