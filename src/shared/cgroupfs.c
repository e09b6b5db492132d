/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-path.h"
#include "cgroupfs.h"
#include "macro.h"
#include "process-util.h"

/* mountinfo writes space, tab, newline and backslash in a path as \ooo (octal). */
static void mountinfo_unescape(char *s) {
        char *out = s;

        for (; *s; s++, out++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
                    s[3] <= '7') {
                        *out = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
                        s += 3;
                } else
                        *out = *s;
        }
        *out = '\0';
}

/* The cgroup2 root's mount point: the usual places, opened and verified as the cgroup2 root
 * (cgroup2_open_root()), then each mount of the hierarchy's root in /proc/self/mountinfo in turn
 * until one verifies. The first line alone, taken as written, was a root elsewhere's to choose:
 * its bind of cgroup2 at "/proc/driver/a b" (PID 1's namespace) came first in the copy systemd
 * makes for a sandboxed unit, undecoded, and every start of the guard failed (a review found
 * it); so would any number of binds listed before the real one. */
int cgroup2_find_mount(char **ret) {
        static const char *const usual[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) char *line = NULL;
        size_t size = 0;
        int r = -ENOENT;

        for (size_t u = 0; u < ELEMENTSOF(usual); u++) {
                _cleanup_(closep) int fd = cgroup2_open_root(usual[u]);

                if (fd >= 0) {
                        *ret = strdup(usual[u]);
                        return *ret ? 0 : -ENOMEM;
                }
        }
        f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return -errno;
        /* "36 25 0:31 / /sys/fs/cgroup rw,... shared:9 - cgroup2 cgroup2 rw,..." */
        while (getline(&line, &size, f) > 0) {
                char root[4096], mount_point[4096], fstype[64];
                const char *dash = strstr(line, " - ");
                _cleanup_(closep) int fd = -EBADF;

                if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mount_point) != 2 ||
                    sscanf(dash + 3, "%63s", fstype) != 1)
                        continue;
                if (!streq(fstype, "cgroup2") || !streq(root, "/"))
                        continue;
                mountinfo_unescape(mount_point);
                fd = cgroup2_open_root(mount_point);
                if (fd < 0) {
                        r = fd;
                        continue;
                }
                *ret = strdup(mount_point);
                return *ret ? 0 : -ENOMEM;
        }
        return r;
}

/* Resolution that stays on the cgroup2 file system and below root_fd: a mount over a cgroup
 * directory (a bind mount of another cgroup, anything) is a crossing and refused (-EXDEV), so a
 * path names the cgroup it names in the kernel's tree, whatever the mount namespace shows. */
static int mount_id(int fd, uint64_t *ret) {
        struct statx stx;

        if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
                return -errno;
        if (!(stx.stx_mask & STATX_MNT_ID))
                return -EOPNOTSUPP;
        *ret = stx.stx_mnt_id;
        return 0;
}

/* The same walk without openat2() (valgrind 3.19 does not know it): component by component, no
 * "." or "..", no symlink, each on the mount it started from. */
static int open_beneath_walk(int dir_fd, const char *path, int flags) {
        _cleanup_(freep) char *copy = strdup(path);
        _cleanup_(closep) int cur = -EBADF;
        uint64_t start, here;
        char *name, *rest;
        int r;

        if (!copy)
                return -ENOMEM;
        r = mount_id(dir_fd, &start);
        if (r < 0)
                return r;
        if (streq(copy, ".")) {
                int fd = openat(dir_fd, ".", flags | O_CLOEXEC);

                return fd < 0 ? -errno : fd;
        }
        for (name = copy; name; name = rest) {
                int fd;

                rest = strchr(name, '/');
                if (rest)
                        *rest++ = '\0';
                if (!*name || streq(name, ".") || streq(name, ".."))
                        return -EXDEV;
                fd = openat(cur >= 0 ? cur : dir_fd, name,
                            (rest ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                closep(&cur);
                cur = fd;
                r = mount_id(cur, &here);
                if (r < 0)
                        return r;
                if (here != start)
                        return -EXDEV;
        }
        return TAKE_FD(cur);
}

static int open_beneath(int dir_fd, const char *path, uint64_t flags) {
        struct open_how how = {
                .flags = flags | O_CLOEXEC | O_NOFOLLOW,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
        };
        int fd;

        /* glibc 2.36 has no openat2() wrapper. */
        fd = (int) syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
        if (fd < 0 && errno == ENOSYS)
                return open_beneath_walk(dir_fd, path, (int) flags);
        return fd < 0 ? -errno : fd;
}

int open_beneath_same_mount(int dir_fd, const char *path, int flags) {
        return open_beneath(dir_fd, path, (uint64_t) flags);
}

int cgroup2_open_root(const char *mount) {
        _cleanup_(closep) int fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct statfs sfs;
        struct stat st;

        if (fd < 0)
                return -errno;
        if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
                return -errno;
        if ((unsigned long) sfs.f_type != CGROUP2_SUPER_MAGIC)
                return -ENOTCONN; /* something else mounted there */
        /* The root cgroup is id 1; a cgroup2 mount made in a cgroup namespace, or a bind mount of
         * a cgroup below, shows some other cgroup as its root. */
        if (st.st_ino != CGROUP2_ROOT_ID)
                return -EXDEV;
        return TAKE_FD(fd);
}

int cgroup2_open_at(int root_fd, const char *path, int flags) {
        while (*path == '/')
                path++;
        return open_beneath(root_fd, *path ? path : ".", (uint64_t) flags);
}

static int scan_dir(int dir_fd, char *path, size_t len, CgroupTree *t, unsigned depth) {
        _cleanup_(closep) int fd = -EBADF;
        DIR *d;
        struct dirent *de;
        struct stat st;
        int r;

        if (depth > 64)
                return 0;
        if (fstat(dir_fd, &st) < 0)
                return -errno;
        r = cgroup_tree_add(t, len == 0 ? "/" : path, st.st_ino);
        if (r < 0)
                return r;

        fd = dup(dir_fd);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -EBADF; /* owned by d now */
        while ((de = readdir(d))) {
                int child;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                if (len + 1 + strlen(de->d_name) >= CGROUP_PATH_MAX)
                        continue;
                /* Removed meanwhile, or something mounted over it: what is there is not this
                 * cgroup (the kernel classifies it at mkdir; it stays out of the tree). */
                child = open_beneath(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY);
                if (child < 0)
                        continue;
                path[len] = '/';
                strcpy(path + len + 1, de->d_name);
                r = scan_dir(child, path, len + 1 + strlen(de->d_name), t, depth + 1);
                close(child);
                path[len] = '\0';
                if (r < 0) {
                        closedir(d);
                        return r;
                }
        }
        closedir(d);
        return 0;
}

int cgroup2_scan(int root_fd, CgroupTree *ret) {
        /* Opened anew: a dup of root_fd would share its directory position with every scan. */
        _cleanup_(closep) int fd = open_beneath(root_fd, ".", O_RDONLY | O_DIRECTORY);
        char path[CGROUP_PATH_MAX + 1] = "";
        CgroupTree t = {};
        int r;

        if (fd < 0)
                return fd;
        r = scan_dir(fd, path, 0, &t, 0);
        if (r < 0) {
                cgroup_tree_done(&t);
                return r;
        }
        cgroup_tree_sort(&t);
        *ret = t;
        return 0;
}

/* The cgroup line of /proc/PID/NAME ("cgroup", or "task/TID/cgroup"). */
static int cgroup2_path_of_proc_file(pid_t pid, const char *name, char **ret) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) char *line = NULL;
        size_t size = 0;
        ssize_t n;

        f = proc_pid_fopen((uint32_t) pid, name);
        if (!f)
                return -errno;
        while ((n = getline(&line, &size, f)) > 0) {
                if (!strneq(line, "0::", 3))
                        continue;
                if (line[n - 1] == '\n')
                        line[n - 1] = '\0';
                *ret = strdup(line + 3);
                return *ret ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

int cgroup2_path_of_pid(pid_t pid, char **ret) {
        return cgroup2_path_of_proc_file(pid, "cgroup", ret);
}

/* Whether /proc/PID/NAME ("status" or "task/TID/status") says the task has exited (a zombie). */
static bool proc_status_exited(pid_t pid, const char *name) {
        _cleanup_(fclosep) FILE *f = proc_pid_fopen((uint32_t) pid, name);
        char line[256];

        while (f && fgets(line, sizeof(line), f))
                if (strneq(line, "State:", 6))
                        return strchr(line + 6, 'Z') || strchr(line + 6, 'X');
        return false;
}

int cgroup2_path_of_process(pid_t pid, char **ret) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (!proc_status_exited(pid, "status"))
                return cgroup2_path_of_pid(pid, ret);
        /* The leader exited: it stays where it died, its live threads are what a write moves. */
        fd = proc_pid_open((uint32_t) pid, "task", O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                closep(&fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                char status[64], cgroup[64], *end;
                long tid = strtol(de->d_name, &end, 10);

                if (tid <= 0 || *end || tid == pid)
                        continue;
                snprintf(status, sizeof(status), "task/%ld/status", tid);
                snprintf(cgroup, sizeof(cgroup), "task/%ld/cgroup", tid);
                if (!proc_status_exited(pid, status) && cgroup2_path_of_proc_file(pid, cgroup, ret) >= 0)
                        return 0;
        }
        return cgroup2_path_of_pid(pid, ret); /* no live thread: nothing moves, as the leader's */
}

/* cgroup2 file handles are the cgroup id (FILEID_KERNFS; systemd's cg_file_handle does the same). */
#define FILEID_KERNFS 0xfe

int cgroup2_open_by_id(int root_fd, uint64_t id) {
        union {
                struct file_handle handle;
                uint8_t space[sizeof(struct file_handle) + sizeof(uint64_t)];
        } h = { .handle.handle_bytes = sizeof(uint64_t), .handle.handle_type = FILEID_KERNFS };
        int fd;

        memcpy(h.handle.f_handle, &id, sizeof(id));
        fd = open_by_handle_at(root_fd, &h.handle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int fd_link(int fd, char *buf, size_t size) {
        char proc[64];
        ssize_t n;

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        n = readlink(proc, buf, size);
        if (n < 0)
                return -errno;
        if ((size_t) n >= size)
                return -ENAMETOOLONG;
        buf[n] = '\0';
        return (int) n;
}

int cgroup2_path_of_fd(int root_fd, int fd, char **ret) {
        char root[PATH_MAX], buf[PATH_MAX];
        _cleanup_(closep) int named = -EBADF;
        struct stat st, named_st;
        size_t len;
        int r;

        r = fd_link(root_fd, root, sizeof(root));
        if (r < 0)
                return r;
        len = streq(root, "/") ? 0 : (size_t) r;
        r = fd_link(fd, buf, sizeof(buf));
        if (r < 0)
                return r;
        if (!strneq(buf, root, len) || (buf[len] != '/' && buf[len] != '\0'))
                return -EXDEV;
        /* Removed since it was opened, the name reads "... (deleted)"; mounted over, the name
         * leads elsewhere: the name must still lead to it, beneath the root. */
        if (fstat(fd, &st) < 0)
                return -errno;
        named = cgroup2_open_at(root_fd, buf + len, O_PATH | O_DIRECTORY);
        if (named < 0 || fstat(named, &named_st) < 0 || named_st.st_ino != st.st_ino || named_st.st_dev != st.st_dev)
                return -ENOENT;
        *ret = strdup(buf[len] ? buf + len : "/");
        return *ret ? 0 : -ENOMEM;
}

int cgroup2_path_of_id(int root_fd, uint64_t id, char **ret) {
        _cleanup_(closep) int fd = cgroup2_open_by_id(root_fd, id);

        if (fd < 0)
                return fd;
        return cgroup2_path_of_fd(root_fd, fd, ret);
}

int cgroup2_id_of_path(int root_fd, const char *path, uint64_t *ret) {
        _cleanup_(closep) int fd = cgroup2_open_at(root_fd, path, O_PATH | O_DIRECTORY);
        struct stat st;

        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        *ret = st.st_ino;
        return 0;
}

int cgroup2_is_threaded(int root_fd, const char *path) {
        _cleanup_(closep) int dir = -EBADF, fd = -EBADF;
        char type[32];
        ssize_t n;

        if (streq(path, "/"))
                return 0;
        dir = cgroup2_open_at(root_fd, path, O_PATH | O_DIRECTORY);
        if (dir < 0)
                return dir;
        fd = open_beneath(dir, "cgroup.type", O_RDONLY);
        if (fd < 0)
                return fd;
        n = read(fd, type, sizeof(type) - 1);
        if (n < 0)
                return -errno;
        type[n] = 0;
        return !streq(type, "domain\n");
}

int cgroup2_write_file_at(int dir_fd, const char *file, const char *value) {
        _cleanup_(closep) int fd = open_beneath(dir_fd, file, O_WRONLY);

        if (fd < 0)
                return fd;
        if (write(fd, value, strlen(value)) < 0)
                return -errno;
        return 0;
}

int cgroup2_write_file(int root_fd, const char *path, const char *file, const char *value) {
        _cleanup_(closep) int dir = cgroup2_open_at(root_fd, path, O_PATH | O_DIRECTORY);

        if (dir < 0)
                return dir;
        return cgroup2_write_file_at(dir, file, value);
}

int cgroup_v1_controllers(char **ret) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/cgroups", "re");
        _cleanup_(freep) char *list = NULL;
        char line[256], name[64];
        unsigned hierarchy, n_cgroups, enabled;

        if (!f)
                return -errno;
        /* "#subsys_name hierarchy num_cgroups enabled": hierarchy 0 is cgroup2 (or none). */
        while (fgets(line, sizeof(line), f)) {
                char *joined;

                if (sscanf(line, "%63s %u %u %u", name, &hierarchy, &n_cgroups, &enabled) != 4 || name[0] == '#' ||
                    hierarchy == 0 || !enabled)
                        continue;
                if (asprintf(&joined, "%s%s%s", list ?: "", list ? "," : "", name) < 0)
                        return -ENOMEM;
                free(list);
                list = joined;
        }
        *ret = TAKE_PTR(list);
        return *ret ? 1 : 0;
}
