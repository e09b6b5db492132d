/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "log.h"
#include "macro.h"
#include "process-util.h"

#define PROC_ROOT_INO 1

static int proc_root_fd = -EBADF;
static uint64_t proc_root_own_dev;
static bool proc_root_sealed;           /* proc_seal_root() did */

/* A proc file system of our own (fsopen(), fsmount()), detached at first (proc_attach_root()
 * attaches the daemon's): nothing can be mounted over a file in it, so no root, confined or not,
 * can choose what we read there by binding a file over /proc/cmdline, a sysctl or /proc/PID/...
 * (where the mounted /proc, read without crossing a mount, could only say "unreadable"). Its pid
 * namespace is ours, as /proc's. -errno where the kernel or a seccomp filter has no fsopen(),
 * or we may not mount: then /proc. */
static int proc_mount_private(void) {
        _cleanup_(closep) int fs = (int) syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
        int fd;

        if (fs < 0)
                return -errno;
        if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        fd = (int) syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        return fd < 0 ? -errno : fd;
}

int proc_open_root(void) {
        _cleanup_(closep) int fd = proc_mount_private();
        bool own = fd >= 0;
        char self[32], want[32];
        struct statfs sfs;
        struct stat st;
        ssize_t n;

        if (!own) {
                /* Said, not silent: files there can be mounted over, then read as missing (a
                 * confined root's user.max_mnt_namespaces=0 makes fsmount() fail: ENOSPC). Not
                 * EPERM: without CAP_SYS_ADMIN the daemon is about to say what it lacks. */
                if (fd != -EPERM)
                        log_warning_errno(fd, "Cannot make a proc file system of our own (%m); reading /proc, where files "
                                          "can be mounted over.");
                fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
        if (fd < 0)
                return -errno;
        if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
                return -errno;
        if ((unsigned long) sfs.f_type != PROC_SUPER_MAGIC)
                return -ENOTCONN; /* something else mounted there */
        if (st.st_ino != PROC_ROOT_INO)
                return -EXDEV;    /* a directory of it bind-mounted there */
        /* Another pid namespace's proc shows other processes under the same numbers. */
        n = readlinkat(fd, "self", self, sizeof(self) - 1);
        if (n < 0)
                return -errno;
        self[n] = '\0';
        snprintf(want, sizeof(want), "%d", (int) getpid());
        if (!streq(self, want))
                return -EXDEV;
        closep(&proc_root_fd);
        proc_root_fd = TAKE_FD(fd);
        proc_root_own_dev = own ? ((uint64_t) major(st.st_dev) << 20) | minor(st.st_dev) : 0;
        return 0;
}

uint64_t proc_own_dev(void) {
        return proc_root_own_dev;
}

/* Detached, our proc's mount can be named by anyone who may read our /proc/PID/fd/N and moved
 * (move_mount(), or mount(2)'s MS_MOVE, which no LSM hook sees outside PID 1's namespace) into a
 * namespace where files in it can be mounted over, or have its attributes changed (a review
 * found it). So it is attached once, at a directory of our own, and unmounted again at once
 * (MNT_DETACH): an unmounted mount is in no namespace and no longer in an anonymous one, so the
 * kernel refuses to move it, copy it, change its attributes or mount anything onto it, for
 * everyone; our fd still reads through it, and nothing is left mounted, even if we are killed.
 * Its superblock can still be reconfigured (fspick()), which tamper protection refuses
 * (GUARD_OBJ_OWN_PROC). For the daemon only (a short-lived command keeps it detached). */
int proc_seal_root(void) {
        int r = 0;

        if (proc_root_fd < 0 || !proc_root_own_dev || proc_root_sealed)
                return 0;
        /* The directory is in the unit's /tmp, which roots in PID 1's namespace reach through
         * /tmp/systemd-private-*: named by an fd of our own from its creation on, and the mount
         * unmounted by our proc fd, never by the path (a symlink planted there had us unmount
         * "/" or the pins' bpffs lazily in our namespace; a review found it). A directory taken
         * away before we could move onto it: once more. */
        for (int attempt = 0; attempt < 3; attempt++) {
                char dir[] = "/tmp/cgroup-guard-proc.XXXXXX", self[64];
                _cleanup_(closep) int dir_fd = -EBADF;

                if (!mkdtemp(dir))
                        return -errno;
                dir_fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dir_fd < 0 || syscall(SYS_move_mount, proc_root_fd, "", dir_fd, "",
                                          MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
                        r = -errno;
                        (void) rmdir(dir);
                        continue;
                }
                snprintf(self, sizeof(self), "/proc/self/fd/%d", proc_root_fd);
                r = umount2(self, MNT_DETACH) < 0 ? -errno : 0;
                (void) rmdir(dir);
                if (r == 0)
                        break;
        }
        proc_root_sealed = r == 0;
        return r;
}

void proc_close_root(void) {
        closep(&proc_root_fd);
        proc_root_fd = -EBADF;
        proc_root_own_dev = 0;
        proc_root_sealed = false;
}

int proc_pid_open(uint32_t pid, const char *name, int flags) {
        char path[80];
        int fd;

        snprintf(path, sizeof(path), "/proc/%u%s%s", pid, name ? "/" : "", name ?: "");
        if (proc_root_fd >= 0)
                return open_beneath_same_mount(proc_root_fd, path + strlen("/proc/"), flags);
        fd = open(path, flags | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int proc_open(const char *name, int flags) {
        int r;

        if (proc_root_fd < 0) {
                r = proc_open_root();
                if (r < 0)
                        return r;
        }
        return open_beneath_same_mount(proc_root_fd, name, flags);
}

/* An fd or -errno as a stream ("re"); NULL with errno set. */
static FILE *fd_to_stream(int fd) {
        FILE *f;

        if (fd < 0) {
                errno = -fd;
                return NULL;
        }
        f = fdopen(fd, "re");
        if (!f)
                closep(&fd);
        return f;
}

FILE *proc_fopen(const char *name) {
        return fd_to_stream(proc_open(name, O_RDONLY));
}

FILE *proc_fopen_path(const char *path) {
        char name[4096];

        if (!strneq(path, "/proc/", strlen("/proc/"))) {
                errno = EINVAL;
                return NULL;
        }
        path += strlen("/proc/");
        if (strneq(path, "self/", strlen("self/")))
                snprintf(name, sizeof(name), "%d/%s", (int) getpid(), path + strlen("self/"));
        else
                snprintf(name, sizeof(name), "%s", path);
        return proc_fopen(name);
}

uint32_t proc_ns_inode(const char *pid, const char *ns) {
        _cleanup_(closep) int fd = -EBADF;
        unsigned long long inum;
        char name[64], link[64];
        ssize_t n;

        snprintf(name, sizeof(name), "%s/ns", pid);
        fd = proc_open(name, O_PATH | O_DIRECTORY);
        if (fd < 0)
                return 0;
        n = readlinkat(fd, ns, link, sizeof(link) - 1);
        if (n < 0)
                return 0;
        link[n] = '\0';
        /* "mnt:[4026531841]" */
        snprintf(name, sizeof(name), "%s:[%%llu]", ns);
        return sscanf(link, name, &inum) == 1 ? (uint32_t) inum : 0;
}

FILE *proc_pid_fopen(uint32_t pid, const char *name) {
        return fd_to_stream(proc_pid_open(pid, name, O_RDONLY));
}

char *pid_exe_path(uint32_t pid) {
        char fn[64], buf[4096];
        ssize_t n;

        snprintf(fn, sizeof(fn), "/proc/%u/exe", pid);
        n = readlink(fn, buf, sizeof(buf) - 1);
        if (n < 0)
                return NULL;
        buf[n] = '\0';
        return strdup(buf);
}

int pid_exe_path_if_same(uint32_t pid, dev_t dev, ino_t ino, char **ret_path) {
        _cleanup_(closep) int fd = -EBADF;
        char fn[64], buf[4096];
        struct statx stx;
        ssize_t n;

        _cleanup_(closep) int dir = proc_pid_open(pid, NULL, O_PATH | O_DIRECTORY | O_CLOEXEC);

        /* One open file: the path read back is the one whose identity was checked, even if pid
         * exec's in between. The link is followed from /proc/PID of our own proc. */
        if (dir < 0)
                return dir;
        fd = openat(dir, "exe", O_PATH | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* The attributes the kernel holds, without asking the file system: a FUSE server that
         * never answers (an offender's executable there) held the daemon at its event, which
         * came back after every restart (a review found it). Device and inode are the inode's. */
        if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_INO, &stx) < 0)
                return -errno;
        if (makedev(stx.stx_dev_major, stx.stx_dev_minor) != dev || stx.stx_ino != ino)
                return 0;
        snprintf(fn, sizeof(fn), "/proc/self/fd/%d", fd);
        n = readlink(fn, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        *ret_path = strdup(buf);
        return *ret_path ? 1 : -ENOMEM;
}

char *pid_comm(uint32_t pid) {
        _cleanup_(fclosep) FILE *f = NULL;
        char buf[64];

        f = proc_pid_fopen(pid, "comm");
        if (!f || !fgets(buf, sizeof(buf), f))
                return NULL;
        buf[strcspn(buf, "\n")] = '\0';
        return strdup(buf);
}

int pid_ns_inum(uint32_t pid, const char *ns, uint32_t *ret) {
        struct stat st;
        char fn[64];

        if (!ns)
                return -EINVAL;
        snprintf(fn, sizeof(fn), "/proc/%u/ns/%s", pid, ns);
        if (stat(fn, &st) < 0)
                return -errno;
        *ret = (uint32_t) st.st_ino;
        return 0;
}

int pid_start_boottime_usec(uint32_t pid, uint64_t *ret) {
        _cleanup_(fclosep) FILE *f = NULL;
        unsigned long long ticks;
        char buf[1024], *p;
        long hz = sysconf(_SC_CLK_TCK);

        f = proc_pid_fopen(pid, "stat");
        if (!f)
                return -errno;
        if (!fgets(buf, sizeof(buf), f))
                return -EIO;
        /* The name (field 2) may hold spaces and parentheses: fields 3... start after the last ')'. */
        p = strrchr(buf, ')');
        if (!p || hz <= 0 ||
            sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &ticks) != 1)
                return -EIO;
        *ret = ticks * (USEC_PER_SEC / hz);
        return 0;
}

int pid_uids(uint32_t pid, uint32_t *ret_ruid, uint32_t *ret_euid) {
        _cleanup_(fclosep) FILE *f = NULL;
        char line[256];
        unsigned ruid, euid;

        f = proc_pid_fopen(pid, "status");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "Uid: %u %u", &ruid, &euid) == 2) {
                        *ret_ruid = ruid;
                        *ret_euid = euid;
                        return 0;
                }
        return -EIO;
}

int pid_threads(uint32_t pid, uint32_t *ret) {
        _cleanup_(fclosep) FILE *f = NULL;
        char line[256];
        unsigned n;

        f = proc_pid_fopen(pid, "status");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "Threads: %u", &n) == 1) {
                        *ret = n;
                        return 0;
                }
        return -EIO;
}

int pid_uid(uint32_t pid, uid_t *ret) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) char *line = NULL;
        size_t size = 0;

        f = proc_pid_fopen(pid, "status");
        if (!f)
                return -errno;
        while (getline(&line, &size, f) > 0) {
                unsigned long real, effective, saved;

                if (sscanf(line, "Uid: %lu %lu %lu", &real, &effective, &saved) != 3)
                        continue;
                if (real != effective || real != saved)
                        return -EPERM;
                *ret = (uid_t) real;
                return 0;
        }
        return -ENOENT;
}

bool pid_inspectable_by(uint32_t pid, uid_t uid) {
        _cleanup_(closep) int fd = -EBADF;
        struct stat st;
        uid_t owner;

        if (uid == 0)
                return true;
        if (pid_uid(pid, &owner) < 0 || owner != uid)
                return false;
        fd = proc_pid_open(pid, NULL, O_PATH | O_DIRECTORY);
        return fd >= 0 && fstat(fd, &st) >= 0 && st.st_uid == uid;
}

bool mountinfo_has_mount_id(FILE *mountinfo, uint64_t mnt_id) {
        _cleanup_(freep) char *line = NULL;
        size_t size = 0;

        /* Whole lines: a mount point makes a line as long as its path, and the rest of a line cut
         * by a buffer would be read as a line of its own. */
        while (getline(&line, &size, mountinfo) > 0) {
                unsigned long long id;

                if (sscanf(line, "%llu ", &id) == 1 && id == mnt_id)
                        return true;
        }
        return false;
}
