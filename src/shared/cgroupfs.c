/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-path.h"
#include "cgroupfs.h"
#include "macro.h"

int cgroup2_find_mount(char **ret) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_(freep) char *line = NULL;
        size_t size = 0;

        if (!f)
                return -errno;
        /* "36 25 0:31 / /sys/fs/cgroup rw,... shared:9 - cgroup2 cgroup2 rw,..." */
        while (getline(&line, &size, f) > 0) {
                char root[4096], mount_point[4096], fstype[64];
                const char *dash = strstr(line, " - ");

                if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mount_point) != 2 ||
                    sscanf(dash + 3, "%63s", fstype) != 1)
                        continue;
                if (!streq(fstype, "cgroup2") || !streq(root, "/"))
                        continue;
                *ret = strdup(mount_point);
                return *ret ? 0 : -ENOMEM;
        }
        return -ENOENT;
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
                child = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (child < 0)
                        continue; /* removed meanwhile */
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

int cgroup2_scan(const char *mount, CgroupTree *ret) {
        _cleanup_(closep) int fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char path[CGROUP_PATH_MAX + 1] = "";
        CgroupTree t = {};
        int r;

        if (fd < 0)
                return -errno;
        r = scan_dir(fd, path, 0, &t, 0);
        if (r < 0) {
                cgroup_tree_done(&t);
                return r;
        }
        cgroup_tree_sort(&t);
        *ret = t;
        return 0;
}

int cgroup2_path_of_pid(pid_t pid, char **ret) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) char *line = NULL;
        char fn[64];
        size_t size = 0;
        ssize_t n;

        snprintf(fn, sizeof(fn), "/proc/%d/cgroup", (int) pid);
        f = fopen(fn, "re");
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

/* cgroup2 file handles are the cgroup id (FILEID_KERNFS; systemd's cg_file_handle does the same). */
#define FILEID_KERNFS 0xfe

int cgroup2_open_by_id(const char *mount, uint64_t id) {
        _cleanup_(closep) int mount_fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        union {
                struct file_handle handle;
                uint8_t space[sizeof(struct file_handle) + sizeof(uint64_t)];
        } h = { .handle.handle_bytes = sizeof(uint64_t), .handle.handle_type = FILEID_KERNFS };
        int fd;

        if (mount_fd < 0)
                return -errno;
        memcpy(h.handle.f_handle, &id, sizeof(id));
        fd = open_by_handle_at(mount_fd, &h.handle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int cgroup2_path_of_fd(const char *mount, int fd, char **ret) {
        char proc[64], buf[PATH_MAX];
        size_t len = streq(mount, "/") ? 0 : strlen(mount);
        struct stat st, named;
        ssize_t n;

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        n = readlink(proc, buf, sizeof(buf));
        if (n < 0)
                return -errno;
        if ((size_t) n >= sizeof(buf))
                return -ENAMETOOLONG;
        buf[n] = '\0';
        if (!strneq(buf, mount, len) || (buf[len] != '/' && buf[len] != '\0'))
                return -EXDEV;
        /* Removed since it was opened, the name reads "... (deleted)": the name must still lead to it. */
        if (fstat(fd, &st) < 0)
                return -errno;
        if (stat(buf, &named) < 0 || named.st_ino != st.st_ino || named.st_dev != st.st_dev)
                return -ENOENT;
        *ret = strdup(buf[len] ? buf + len : "/");
        return *ret ? 0 : -ENOMEM;
}

int cgroup2_path_of_id(const char *mount, uint64_t id, char **ret) {
        _cleanup_(closep) int fd = cgroup2_open_by_id(mount, id);

        if (fd < 0)
                return fd;
        return cgroup2_path_of_fd(mount, fd, ret);
}

int cgroup2_id_of_path(const char *mount, const char *path, uint64_t *ret) {
        _cleanup_(freep) char *full = NULL;
        struct stat st;

        if (asprintf(&full, "%s%s", mount, streq(path, "/") ? "" : path) < 0)
                return -ENOMEM;
        if (stat(full, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        *ret = st.st_ino;
        return 0;
}

int cgroup2_is_threaded(const char *mount, const char *path) {
        _cleanup_(freep) char *full = NULL;
        _cleanup_(closep) int fd = -EBADF;
        char type[32];
        ssize_t n;

        if (streq(path, "/"))
                return 0;
        if (asprintf(&full, "%s%s/cgroup.type", mount, path) < 0)
                return -ENOMEM;
        fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        n = read(fd, type, sizeof(type) - 1);
        if (n < 0)
                return -errno;
        type[n] = 0;
        return !streq(type, "domain\n");
}

int cgroup2_write_file(const char *mount, const char *path, const char *file, const char *value) {
        _cleanup_(freep) char *full = NULL;
        _cleanup_(closep) int fd = -EBADF;

        if (asprintf(&full, "%s%s/%s", mount, streq(path, "/") ? "" : path, file) < 0)
                return -ENOMEM;
        fd = open(full, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (write(fd, value, strlen(value)) < 0)
                return -errno;
        return 0;
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
