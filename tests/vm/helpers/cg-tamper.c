/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-tamper: the probes of issue 12 against the daemon, one system call each.
 *   cg-tamper sigio PID SIGNUM      F_SETOWN PID + F_SETSIG SIGNUM on a pipe, then make it readable
 *   cg-tamper signal PID SIGNUM     kill(PID, SIGNUM)
 *   cg-tamper prlimit PID           prlimit(PID, RLIMIT_NOFILE, 1)
 *   cg-tamper remount-nosymfollow PATH
 *                                   mount(2) MS_REMOUNT|MS_NOSYMFOLLOW of the mount at PATH (no bind)
 *   cg-tamper setattr PATH          mount_setattr(2) of the mount at PATH: MOUNT_ATTR_NOEXEC set
 *   cg-tamper setattr-detached SRC  the same on a detached clone of SRC (open_tree(OPEN_TREE_CLONE),
 *                                   named with AT_EMPTY_PATH), MOUNT_ATTR_RDONLY
 *   cg-tamper openr FILE            open(FILE, O_RDONLY), closed at once
 *   cg-tamper prlimit-same PID      prlimit(PID, RLIMIT_NOFILE) to the limit it has (harmless)
 *   cg-tamper affinity-same PID     sched_setaffinity(PID) to the mask it has (harmless)
 *   cg-tamper attach PID            ptrace(PTRACE_SEIZE, PID), detached again at once
 *   cg-tamper mem PID               open /proc/PID/mem for reading and writing, read one byte of
 *                                   PID's first writable mapping and write it back unchanged
 *   cg-tamper vmwrite PID           the same byte by process_vm_readv and process_vm_writev
 *   cg-tamper getfd PID             pidfd_getfd(): a copy of PID's fd 0, closed at once
 *   cg-tamper write FILE VALUE      open FILE for writing and write VALUE
 *   cg-tamper openw FILE            open FILE for writing (O_WRONLY, nothing written), close it
 *   cg-tamper perf-sigtrap PID SECONDS
 *                                   perf_event_open() of PID's context switches with sigtrap set
 *                                   (the kernel sends PID SIGTRAP at the first), held SECONDS
 *   cg-tamper handle-openw FILE     name_to_handle_at(FILE), drop the dentry cache, then
 *                                   open_by_handle_at(O_WRONLY) (its dentry disconnected, if the
 *                                   cache let it go: the path it opened as goes to stderr)
 *   cg-tamper sysctl-override DIR attach|link
 *                                   load a cgroup/sysctl program that lets every access through
 *                                   (bpf_set_retval(0)) and attach it to the cgroup DIR
 *                                   (BPF_PROG_ATTACH, multi: it stays) or link it (BPF_LINK_CREATE)
 *   cg-tamper mkdirs DIR N          mkdir(DIR) and rmdir(DIR), N times (a cgroup made and removed
 *                                   over and over)
 *   cg-tamper truncate FILE         truncate(2) FILE to the size it has (nothing changes but mtime)
 *   cg-tamper umount PATH [detach]  umount2(PATH, 0 or MNT_DETACH)
 *   cg-tamper set-group FROM TO     move_mount(FROM, TO, MOVE_MOUNT_SET_GROUP): TO joins FROM's
 *                                   peer group
 *   cg-tamper move FROM TO          mount(FROM, TO, MS_MOVE)
 *   cg-tamper propagation PATH rshared|private [umount]
 *                                   mount(NULL, PATH, NULL, MS_REC|MS_SHARED or MS_PRIVATE); with
 *                                   "umount", then umount2(PATH, MNT_DETACH)
 *   cg-tamper beneath-detach TARGET DIR
 *                                   a new tmpfs beneath TARGET's mount (move_mount(2),
 *                                   MOVE_MOUNT_BENEATH), moved to DIR with TARGET's mount on it,
 *                                   then DIR unmounted lazily
 *   cg-tamper beneath TARGET        a new tmpfs beneath TARGET's mount (MOVE_MOUNT_BENEATH), left there
 *   cg-tamper set-group FROM TO     move_mount(FROM, TO, MOVE_MOUNT_SET_GROUP): TO joins FROM's peer group
 *   cg-tamper sched PID             sched_setscheduler(PID, SCHED_IDLE)
 *   (run as PID 1)                  an attacker's init (a root PID 1 switched into): writes
 *                                   /run/cg-evil-pid1 and a line to ttyS0, powers off after 30 s
 *   cg-tamper affinity PID          sched_setaffinity(PID, CPU 0 only)
 *   cg-tamper journal-fill          datagrams to journald's native socket, never blocking, until
 *                                   its queue is full (EAGAIN; our send buffer made large enough
 *                                   not to be the limit): prints how many went in
 *   cg-tamper nice PID              setpriority(PRIO_PROCESS, PID, 19)
 *   cg-tamper ioprio PID            ioprio_set(IOPRIO_WHO_PROCESS, PID, the idle class)
 *   cg-tamper hold SECONDS PINDIR   open every link pin in PINDIR (BPF_OBJ_GET), print "held N" (how
 *                                   many opened), keep them SECONDS
 *   cg-tamper seq CMD [ARG...] -- CMD [ARG...] ...
 *                                   the commands below one after another, in one process
 *   cg-tamper cgroup1 DIR OPTIONS [fsopen]
 *                                   mount a cgroup v1 hierarchy (mount(2), or fsopen("cgroup"),
 *                                   fsconfig and fsmount, then move_mount onto DIR)
 *   cg-tamper cgroup1 DIR OPTIONS remount|fspick
 *                                   change the hierarchy mounted at DIR: mount(2) with MS_REMOUNT,
 *                                   or fspick(), fsconfig and FSCONFIG_CMD_RECONFIGURE
 *   cg-tamper grab SECONDS PINDIR   the racing prober of items 4 and 5: for SECONDS, over and over,
 *                                   open every map, program and link by id (BPF_*_GET_FD_BY_ID),
 *                                   keep every map fd from the first open on and write through it
 *                                   (delete every entry; write an array's element 0 back as it is;
 *                                   an array's first byte back as it is through a writable mapping
 *                                   made at the first open, for arrays that may be mapped),
 *                                   unlink every file under PINDIR. Counts what got through once a
 *                                   guard program is attached (a second link appeared; at once if
 *                                   there were links at its start): "maps M progs P links L pins U
 *                                   writes W", M/P/L distinct ids, then what got through.
 *   cg-tamper steal-mount FROM TO   move_mount() of the mount FROM names (a magic link followed,
 *                                   opened O_PATH) onto TO
 *   cg-tamper fanotify inode|mount|filesystem perm|notify PATH
 *                                   a fanotify mark on PATH (its inode, mount or file system)
 *                                   asking for FAN_OPEN_PERM and FAN_OPEN_EXEC_PERM (perm) or
 *                                   FAN_OPEN (notify); removed again at once
 *   cg-tamper lease read|write PATH [SECONDS]
 *                                   a file lease (fcntl F_SETLEASE) on PATH, opened read-only,
 *                                   held SECONDS (default 0: given up at once)
 *   cg-tamper link-detach-own DIR   a cgroup_skb program of its own (lets every packet out) linked
 *                                   to the cgroup DIR (BPF_LINK_CREATE), then BPF_LINK_DETACH of
 *                                   that link: "ok" or the detach's errno name (the link's
 *                                   creation's, prefixed "create ")
 *   cg-tamper detach-race PIN SECONDS
 *                                   BPF_LINK_DETACH through an fd number a child sharing our fd
 *                                   table swaps between /dev/null and the link pinned at PIN
 *                                   (dup2), over and over for SECONDS: the check reads the number,
 *                                   the command looks it up again. "detached N" (won at try N) or
 *                                   "held N"
 *   cg-tamper covered mount|move COVER SRC DIR
 *                                   opens DIR (O_PATH), binds COVER over it, then binds SRC onto
 *                                   the opened DIR, now covered, through /proc/self/fd/N (mount)
 *                                   or by fd (open_tree() and move_mount(MOVE_MOUNT_T_EMPTY_PATH)):
 *                                   the kernel mounts onto the top of the stack (lock_mount());
 *                                   "cover failed" if the first bind fails
 *   cg-tamper mount-race mount|move DIR COVER SRC
 *                                   holds DIR's lock (a getdents into a userfaultfd page), then
 *                                   binds COVER onto DIR (it waits for the lock, its checks
 *                                   done), then SRC (mount(2), or open_tree() and move_mount()):
 *                                   released, the second lands on the first. Prints the second
 *                                   mount's result, "cover failed (E)" if the first failed, "no
 *                                   userfaultfd" where the kernel has none
 *   cg-tamper autofs-race AUTO DIR COVER NAME [PRIVATE]
 *                                   an autofs direct mount on AUTO, this process its daemon; a
 *                                   child in a process group of its own binds AUTO/NAME onto DIR
 *                                   (with PRIVATE: onto DIR named by an fd, covered by a bind of
 *                                   PRIVATE): its checks done, the source lookup waits for the
 *                                   daemon, which (unmounts that cover, "uncover=R", and) binds
 *                                   COVER onto DIR (and onto AUTO, if another), then answers.
 *                                   Prints "cover=R mount=R" (R: "ok" or an errno name); with
 *                                   CG_AUTOFS_UMOUNT set, the daemon first unmounts DIR's top
 *                                   mount, "umount=R" before
 *   cg-tamper move-hold SRC GO DIR [AUTO COVER]
 *                                   move_mount(2) of a clone of SRC onto DIR, held before its
 *                                   checks until the file GO exists: DIR's name read from a
 *                                   userfaultfd page; with AUTO (no userfaultfd: the hooks
 *                                   kernels) DIR (AUTO/NAME) looked up through an autofs direct
 *                                   mount on AUTO this process serves, answered by binding COVER
 *                                   onto AUTO. Prints "held" once the call waits, then its result
 *   cg-tamper dgram-sink PATH SECONDS
 *                                   a datagram socket bound at PATH that reads nothing: prints
 *                                   "bound", holds it SECONDS (its queue fills, then senders wait)
 *   cg-tamper kexec-load            kexec_load() of no segments (unloads the crash kernel, if any)
 *   cg-tamper kexec-file FILE       kexec_file_load() of FILE as a kernel, no initramfs
 * Prints "ok" or the errno name of the failing call; exit 0 / 1 / 2 (usage). */

#ifndef _GNU_SOURCE /* meson passes -D_GNU_SOURCE */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <linux/auto_fs.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <dirent.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int result(int r) {
        printf("%s\n", r < 0 ? strerrorname_np(errno) : "ok");
        return r < 0;
}

/* setfacl -m u:65534:rw FILE, as the kernel takes it (posix_acl_xattr: version 2, then entries
 * sorted by tag): no setfacl in the guests. */
static int set_acl(const char *path) {
        struct {
                uint32_t version;
                struct { uint16_t tag, perm; uint32_t id; } e[5];
        } __attribute__((packed)) acl = {
                .version = 2,
                .e = { { 0x01, 7, UINT32_MAX }, { 0x02, 6, 65534 }, { 0x04, 5, UINT32_MAX }, { 0x10, 7, UINT32_MAX },
                       { 0x20, 5, UINT32_MAX } },
        };

        return result(setxattr(path, "system.posix_acl_access", &acl, sizeof(acl), 0));
}

static int sigio(pid_t pid, int sig) {
        int p[2];

        if (pipe(p) < 0 || fcntl(p[0], F_SETOWN, pid) < 0 || fcntl(p[0], F_SETSIG, sig) < 0 ||
            fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK) < 0)
                return result(-1);
        return result(write(p[1], "x", 1) == 1 ? 0 : -1);
}

static int write_file(const char *path, const char *value) {
        int fd = open(path, O_WRONLY);

        if (fd < 0)
                return result(-1);
        return result(write(fd, value, strlen(value)) == (ssize_t) strlen(value) ? 0 : -1);
}

/* The new mount API, by number: glibc 2.36 has wrappers, older ones none. Sets each of the
 * comma-separated options ("name" a flag, "name=value" a string) on the fs context fs. */
static int fs_set_options(int fs, const char *options) {
        char buf[256], *saveptr = NULL;

        snprintf(buf, sizeof(buf), "%s", options);
        for (char *o = strtok_r(buf, ",", &saveptr); o; o = strtok_r(NULL, ",", &saveptr)) {
                char *eq = strchr(o, '=');

                if (eq)
                        *eq++ = '\0';
                if (syscall(__NR_fsconfig, fs, eq ? 1 /* FSCONFIG_SET_STRING */ : 0 /* FSCONFIG_SET_FLAG */, o, eq, 0) < 0)
                        return -1;
        }
        return 0;
}

static int cgroup1_fsopen(const char *dir, const char *options) {
        int fs, mnt;

        fs = syscall(__NR_fsopen, "cgroup", 0);
        if (fs < 0 || fs_set_options(fs, options) < 0 ||
            syscall(__NR_fsconfig, fs, 6 /* FSCONFIG_CMD_CREATE */, NULL, NULL, 0) < 0)
                return result(-1);
        mnt = syscall(__NR_fsmount, fs, 0, 0);
        if (mnt < 0)
                return result(-1);
        return result(syscall(__NR_move_mount, mnt, "", AT_FDCWD, dir, 0x4 /* MOVE_MOUNT_F_EMPTY_PATH */));
}

/* fspick() the superblock mounted at dir, set options, FSCONFIG_CMD_RECONFIGURE. */
static int cgroup1_fspick(const char *dir, const char *options) {
        int fs = syscall(__NR_fspick, AT_FDCWD, dir, 0);

        if (fs < 0 || fs_set_options(fs, options) < 0)
                return result(-1);
        return result(syscall(__NR_fsconfig, fs, 7 /* FSCONFIG_CMD_RECONFIGURE */, NULL, NULL, 0));
}

/* A new tmpfs mounted beneath TARGET's mount (MOVE_MOUNT_BENEATH, Linux 6.5), which then sits on
 * it; the tmpfs moved to DIR with what sits on it, and DIR unmounted lazily: TARGET's mount goes
 * along (the pins' bpffs, and every pin with it). */
/* A new tmpfs mounted beneath target's mount: its fd, or -1 (errno). */
static int mount_beneath(const char *target) {
        int fs, mnt;

        fs = syscall(__NR_fsopen, "tmpfs", 0);
        if (fs < 0 || syscall(__NR_fsconfig, fs, 6 /* FSCONFIG_CMD_CREATE */, NULL, NULL, 0) < 0)
                return -1;
        mnt = syscall(__NR_fsmount, fs, 0, 0);
        if (mnt < 0) {
                fprintf(stderr, "cg-tamper: fsmount failed\n");
                return -1;
        }
        if (syscall(__NR_move_mount, mnt, "", AT_FDCWD, target, 0x4 /* F_EMPTY_PATH */ | 0x200 /* BENEATH */) < 0)
                return -1;
        return mnt;
}

static int beneath_detach(const char *target, const char *dir) {
        int mnt = mount_beneath(target);

        if (mnt < 0)
                return result(-1);
        if (syscall(__NR_move_mount, mnt, "", AT_FDCWD, dir, 0x4) < 0) {
                fprintf(stderr, "cg-tamper: mounted beneath %s, but the move to %s failed\n", target, dir);
                return result(-1);
        }
        if (umount2(dir, MNT_DETACH) < 0) {
                fprintf(stderr, "cg-tamper: mounted beneath %s and moved to %s, but the unmount failed\n", target, dir);
                return result(-1);
        }
        return result(0);
}

/* A mount onto a directory covered after it was opened: it lands on the top mount there. */
static int covered_mount(bool by_move, const char *cover, const char *src, const char *dir) {
        char target[64];
        int fd, tree, r;

        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return result(-1);
        if (mount(cover, dir, NULL, MS_BIND, NULL) < 0) {
                printf("cover failed (%s)\n", strerrorname_np(errno));
                close(fd);
                return 1;
        }
        if (!by_move) {
                snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
                r = mount(src, target, NULL, MS_BIND, NULL);
        } else {
                tree = (int) syscall(__NR_open_tree, AT_FDCWD, src, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
                if (tree < 0) {
                        close(fd);
                        return result(-1);
                }
                r = (int) syscall(__NR_move_mount, tree, "", fd, "",
                                  0x4 /* MOVE_MOUNT_F_EMPTY_PATH */ | 0x40 /* MOVE_MOUNT_T_EMPTY_PATH */);
                close(tree);
        }
        close(fd);
        return result(r);
}

/* mount-race: one thread per call that waits in the kernel. */
struct race_call {
        const char *src, *dir;
        bool by_move;
        int r, err;
        pid_t tid;
        volatile bool started, done;
        void *buf;
};

static void *race_getdents(void *arg) {
        struct race_call *c = arg;
        int fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        c->tid = (pid_t) syscall(SYS_gettid);
        c->started = true;
        c->r = fd < 0 ? -1 : (int) syscall(SYS_getdents64, fd, c->buf, 4096);
        c->err = errno;
        if (fd >= 0)
                close(fd);
        c->done = true;
        return NULL;
}

static void *race_mount(void *arg) {
        struct race_call *c = arg;

        c->tid = (pid_t) syscall(SYS_gettid);
        c->started = true;
        if (!c->by_move)
                c->r = mount(c->src, c->dir, NULL, MS_BIND, NULL);
        else {
                int tree = (int) syscall(__NR_open_tree, AT_FDCWD, c->src, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);

                c->r = tree < 0 ? -1 : (int) syscall(__NR_move_mount, tree, "", AT_FDCWD, c->dir, 0x4 /* F_EMPTY_PATH */);
                if (tree >= 0)
                        close(tree);
        }
        c->err = errno;
        c->done = true;
        return NULL;
}

/* Is thread tid asleep in the kernel ('D', or 'S' for a killable wait), or done? 10 s at most. */
static void race_wait_asleep(struct race_call *c) {
        char path[64], stat[256], *p;

        for (int i = 0; i < 1000 && !c->done; i++) {
                FILE *f;

                snprintf(path, sizeof(path), "/proc/self/task/%d/stat", c->tid);
                f = c->started ? fopen(path, "re") : NULL;
                if (f && fgets(stat, sizeof(stat), f) && (p = strrchr(stat, ')')) && (p[2] == 'D' || p[2] == 'S')) {
                        fclose(f);
                        usleep(100 * 1000); /* settled in its wait */
                        return;
                }
                if (f)
                        fclose(f);
                usleep(10 * 1000);
        }
}

/* A userfaultfd and one anonymous page registered with it (missing pages): a copy to or from the
 * page waits until the page is given. 0, 1 where the kernel has no userfaultfd ("no userfaultfd"
 * printed), or -1 (errno). */
static int uffd_page(int *ret_uffd, char **ret_page) {
        struct uffdio_api api = { .api = UFFD_API };
        int uffd = (int) syscall(__NR_userfaultfd, O_CLOEXEC);
        char *page;

        if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0) {
                printf("no userfaultfd\n");
                return 1;
        }
        page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        struct uffdio_register reg = { .range = { .start = (unsigned long) page, .len = 4096 },
                                       .mode = UFFDIO_REGISTER_MODE_MISSING };
        if (page == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
                return -1;
        *ret_uffd = uffd;
        *ret_page = page;
        return 0;
}

/* Did a copy to or from the page start waiting (its fault reported) within 10 s? */
static bool uffd_waited(int uffd) {
        struct pollfd pfd = { .fd = uffd, .events = POLLIN };
        struct uffd_msg msg;

        return poll(&pfd, 1, 10000) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg);
}

static int mount_race(bool by_move, const char *dir, const char *cover, const char *src) {
        struct race_call reader = { .dir = dir }, first = { .src = cover, .dir = dir },
                         second = { .src = src, .dir = dir, .by_move = by_move };
        pthread_t tr, t1, t2;
        char *pages;
        int uffd, r;

        r = uffd_page(&uffd, &pages);
        if (r != 0)
                return r > 0 ? 1 : result(-1);
        /* The reader holds DIR's lock (shared) while its copy to the page waits. */
        reader.buf = pages;
        pthread_create(&tr, NULL, race_getdents, &reader);
        if (!uffd_waited(uffd)) {
                printf("the reader did not wait\n");
                return 1;
        }
        pthread_create(&t1, NULL, race_mount, &first);
        race_wait_asleep(&first);
        pthread_create(&t2, NULL, race_mount, &second);
        race_wait_asleep(&second);
        struct uffdio_zeropage zero = { .range = { .start = (unsigned long) pages, .len = 4096 } };
        if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero) < 0)
                fprintf(stderr, "cg-tamper: UFFDIO_ZEROPAGE: %m\n");
        pthread_join(tr, NULL);
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        if (first.r < 0) {
                printf("cover failed (%s)\n", strerrorname_np(first.err));
                return 1;
        }
        errno = second.err;
        return result(second.r);
}

/* Once the automount is answered: waits for the child (20 s at most; later requests fail), then
 * reads what it wrote to results into answer ("none" if nothing). */
static void autofs_wait_child(pid_t child, int requests_fd, int ioctl_fd, int results[2], char *answer, size_t size) {
        struct pollfd pfd = { .fd = requests_fd, .events = POLLIN };
        struct autofs_v5_packet packet;
        int status;
        ssize_t n;

        for (int i = 0; waitpid(child, &status, WNOHANG) == 0; i++) {
                if (i == 200) {
                        kill(child, SIGKILL);
                        waitpid(child, &status, 0);
                        break;
                }
                if (poll(&pfd, 1, 100) == 1 && read(requests_fd, &packet, sizeof(packet)) > 0)
                        (void) ioctl(ioctl_fd, AUTOFS_IOC_FAIL, packet.wait_queue_token);
        }
        close(results[1]);
        n = read(results[0], answer, size - 1);
        if (n > 0)
                answer[n] = 0;
        else
                snprintf(answer, size, "none");
}

/* autofs-race: the mount's source lookup waits in an automount, and meanwhile the daemon (us)
 * mounts onto the place the mount was checked for. private: that place is covered by a bind of
 * it when the mount is checked, named through an fd opened before, and unmounted meanwhile. */
static int autofs_race(const char *auto_dir, const char *dir, const char *cover, const char *name, const char *private) {
        char options[128], src[PATH_MAX], target[64], answer[64] = "none";
        struct autofs_v5_packet packet;
        int requests[2], results[2], ioctl_fd, cover_r, cover_errno = 0;
        struct pollfd pfd;
        pid_t child;

        /* A process group of its own (under the guests' PID 1 there is none: group 0). */
        if (setpgid(0, 0) < 0 || pipe2(requests, O_CLOEXEC) < 0 || pipe2(results, O_CLOEXEC) < 0)
                return result(-1);
        snprintf(options, sizeof(options), "fd=%d,pgrp=%d,minproto=5,maxproto=5,direct", requests[1], (int) getpgrp());
        if (mount("cg-autofs", auto_dir, "autofs", 0, options) < 0) {
                printf("no autofs (%s)\n", strerrorname_np(errno));
                return 1;
        }
        ioctl_fd = open(auto_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* the daemon's process group: no trigger */
        snprintf(src, sizeof(src), "%s/%s", auto_dir, name);
        snprintf(target, sizeof(target), "%s", dir);
        if (private) {
                int fd = open(dir, O_PATH | O_DIRECTORY); /* inherited by the child */

                if (fd < 0 || mount(private, dir, NULL, MS_BIND, NULL) < 0) {
                        printf("cover failed (%s)\n", strerrorname_np(errno));
                        return 1;
                }
                snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
        }
        child = fork();
        if (child == 0) {
                const char *r;

                setpgid(0, 0); /* not the daemon's: its lookup through auto_dir waits for it */
                r = mount(src, target, NULL, MS_BIND, NULL) < 0 ? strerrorname_np(errno) : "ok";
                if (write(results[1], r, strlen(r)) < 0)
                        _exit(1);
                _exit(0);
        }
        pfd = (struct pollfd) { .fd = requests[0], .events = POLLIN };
        if (poll(&pfd, 1, 10000) != 1 || read(requests[0], &packet, sizeof(packet)) <= 0) {
                printf("no automount request\n");
                kill(child, SIGKILL);
                return 1;
        }
        if (private)
                printf("uncover=%s ", umount2(dir, MNT_DETACH) < 0 ? strerrorname_np(errno) : "ok");
        /* CG_AUTOFS_UMOUNT: first try to take away the mount the waiting one was checked for. */
        if (getenv("CG_AUTOFS_UMOUNT"))
                printf("umount=%s ", umount2(dir, MNT_DETACH) < 0 ? strerrorname_np(errno) : "ok");
        cover_r = mount(cover, dir, NULL, MS_BIND, NULL);
        cover_errno = errno;
        /* The answer: something at auto_dir for the source lookup to go on in. */
        if (strcmp(dir, auto_dir) != 0 && mount(cover, auto_dir, NULL, MS_BIND, NULL) < 0)
                fprintf(stderr, "cg-tamper: binding %s onto %s: %m\n", cover, auto_dir);
        /* Answered: ready where the cover is in place, failed where it was refused (the lookup
         * would ask again for ever). Later requests fail; 20 s at most. */
        if (ioctl(ioctl_fd, cover_r < 0 ? AUTOFS_IOC_FAIL : AUTOFS_IOC_READY, packet.wait_queue_token) < 0)
                fprintf(stderr, "cg-tamper: answering the automount: %m\n");
        autofs_wait_child(child, requests[0], ioctl_fd, results, answer, sizeof(answer));
        printf("cover=%s mount=%s\n", cover_r < 0 ? strerrorname_np(cover_errno) : "ok", answer);
        return 0;
}

/* move-hold: GO's appearance, 10 minutes at most (a fresh load under TCG takes minutes). */
static void wait_for_file(const char *go) {
        for (int i = 0; i < 6000 && access(go, F_OK) < 0; i++)
                usleep(100 * 1000);
}

struct hold_call {
        const char *src, *dir;
        int r, err;
};

static void *hold_move(void *arg) {
        struct hold_call *c = arg;
        int tree = (int) syscall(__NR_open_tree, AT_FDCWD, c->src, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);

        c->r = tree < 0 ? -1 : (int) syscall(__NR_move_mount, tree, "", AT_FDCWD, c->dir, 0x4 /* F_EMPTY_PATH */);
        c->err = errno;
        if (tree >= 0)
                close(tree);
        return NULL;
}

static int move_hold(const char *src, const char *go, const char *dir) {
        struct hold_call call = { .src = src };
        static char name[4096];
        pthread_t t;
        char *page;
        int uffd, r;

        r = uffd_page(&uffd, &page);
        if (r != 0)
                return r > 0 ? 1 : result(-1);
        call.dir = page;
        pthread_create(&t, NULL, hold_move, &call);
        if (!uffd_waited(uffd)) {
                printf("the move did not wait\n");
                return 1;
        }
        printf("held\n");
        fflush(stdout);
        wait_for_file(go);
        snprintf(name, sizeof(name), "%s", dir);
        struct uffdio_copy copy = { .dst = (unsigned long) page, .src = (unsigned long) name, .len = 4096 };
        if (ioctl(uffd, UFFDIO_COPY, &copy) < 0)
                fprintf(stderr, "cg-tamper: UFFDIO_COPY: %m\n");
        pthread_join(t, NULL);
        errno = call.err;
        return result(call.r);
}

/* move-hold through autofs: a child in a process group of its own moves onto dir, which is
 * looked up through auto_dir (a direct mount served by us); answered once go exists. */
static int move_hold_autofs(const char *src, const char *go, const char *dir, const char *auto_dir, const char *cover) {
        struct hold_call call = { .src = src, .dir = dir };
        struct autofs_v5_packet packet;
        int requests[2], results[2], ioctl_fd;
        char options[128], answer[64] = "none";
        struct pollfd pfd;
        pid_t child;

        if (setpgid(0, 0) < 0 || pipe2(requests, O_CLOEXEC) < 0 || pipe2(results, O_CLOEXEC) < 0)
                return result(-1);
        snprintf(options, sizeof(options), "fd=%d,pgrp=%d,minproto=5,maxproto=5,direct", requests[1], (int) getpgrp());
        if (mount("cg-autofs", auto_dir, "autofs", 0, options) < 0) {
                printf("no autofs (%s)\n", strerrorname_np(errno));
                return 1;
        }
        ioctl_fd = open(auto_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        child = fork();
        if (child == 0) {
                const char *r;

                setpgid(0, 0);
                hold_move(&call);
                r = call.r < 0 ? strerrorname_np(call.err) : "ok";
                if (write(results[1], r, strlen(r)) < 0)
                        _exit(1);
                _exit(0);
        }
        pfd = (struct pollfd) { .fd = requests[0], .events = POLLIN };
        if (poll(&pfd, 1, 10000) != 1 || read(requests[0], &packet, sizeof(packet)) <= 0) {
                printf("no automount request\n");
                kill(child, SIGKILL);
                return 1;
        }
        printf("held\n");
        fflush(stdout);
        wait_for_file(go);
        if (mount(cover, auto_dir, NULL, MS_BIND, NULL) < 0)
                fprintf(stderr, "cg-tamper: binding %s onto %s: %m\n", cover, auto_dir);
        if (ioctl(ioctl_fd, AUTOFS_IOC_READY, packet.wait_queue_token) < 0)
                fprintf(stderr, "cg-tamper: answering the automount: %m\n");
        autofs_wait_child(child, requests[0], ioctl_fd, results, answer, sizeof(answer));
        printf("%s\n", answer);
        return 0;
}

/* The start of pid's first writable mapping (/proc/PID/maps: read access), or 0. */
static unsigned long writable_mapping(pid_t pid) {
        unsigned long start = 0, end;
        char path[64], line[512], perms[8];
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/maps", pid);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 && perms[1] == 'w')
                        break;
                else
                        start = 0;
        if (f)
                fclose(f);
        return start;
}

/* A byte of pid's memory read and written back as it was: the writer got attach access. */
static int mem_rewrite(pid_t pid) {
        unsigned long at = writable_mapping(pid);
        char path[64], byte;
        int fd;

        if (!at) {
                errno = ENOENT;
                return result(-1);
        }
        snprintf(path, sizeof(path), "/proc/%d/mem", pid);
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0 || pread(fd, &byte, 1, at) != 1)
                return result(-1);
        return result(pwrite(fd, &byte, 1, at) == 1 ? 0 : -1);
}

static int vm_rewrite(pid_t pid) {
        unsigned long at = writable_mapping(pid);
        char byte;
        struct iovec local = { &byte, 1 }, remote = { (void *) at, 1 };

        if (!at) {
                errno = ENOENT;
                return result(-1);
        }
        if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != 1)
                return result(-1);
        return result(process_vm_writev(pid, &local, 1, &remote, 1, 0) == 1 ? 0 : -1);
}

static int getfd(pid_t pid) {
        int pidfd = (int) syscall(SYS_pidfd_open, pid, 0), fd;

        if (pidfd < 0)
                return result(-1);
        fd = (int) syscall(438 /* pidfd_getfd */, pidfd, 0, 0);
        if (fd >= 0)
                close(fd);
        return result(fd);
}

static long sys_bpf(int cmd, union bpf_attr *attr) {
        return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static __u32 next_id(int cmd, __u32 id) {
        union bpf_attr a = { .start_id = id };

        return sys_bpf(cmd, &a) < 0 ? 0 : a.next_id;
}

static int fd_by_id(int cmd, __u32 id) {
        union bpf_attr a = { .map_id = id }; /* map_id, prog_id and link_id share the field */

        return sys_bpf(cmd, &a);
}

static const char *map_name(int fd, char name[BPF_OBJ_NAME_LEN + 1]) {
        struct bpf_map_info info = {};
        union bpf_attr a = { .info = { .bpf_fd = fd, .info_len = sizeof(info), .info = (__u64) (unsigned long) &info } };

        memset(name, 0, BPF_OBJ_NAME_LEN + 1);
        if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0)
                memcpy(name, info.name, BPF_OBJ_NAME_LEN);
        return name;
}

/* A writable shared mapping of fd's first page, made where the map may be mapped (global data,
 * BPF_F_MMAPABLE): a write through it asks no hook. NULL where it may not. */
static volatile unsigned char *map_writable(int fd) {
        struct bpf_map_info info = {};
        union bpf_attr a = { .info = { .bpf_fd = fd, .info_len = sizeof(info), .info = (__u64) (unsigned long) &info } };
        void *p;

        if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 || info.type != BPF_MAP_TYPE_ARRAY)
                return NULL;
        p = mmap(NULL, (size_t) sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        return p == MAP_FAILED ? NULL : p;
}

/* Writes through fd: every entry deleted, an array's element 0 written back unchanged. Returns
 * how many writes the kernel let through; *ret_name: the map's name. */
static unsigned write_through(int fd, char ret_name[BPF_OBJ_NAME_LEN]) {
        struct bpf_map_info info = {};
        union bpf_attr a = { .info = { .bpf_fd = fd, .info_len = sizeof(info), .info = (__u64) (unsigned long) &info } };
        unsigned char key[512], value[65536];
        unsigned n = 0;

        if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 || info.key_size > sizeof(key) || info.value_size > sizeof(value))
                return 0;
        memcpy(ret_name, info.name, BPF_OBJ_NAME_LEN);
        if (info.type == BPF_MAP_TYPE_ARRAY) {
                memset(key, 0, sizeof(key));
                a = (union bpf_attr) { .map_fd = fd, .key = (__u64) (unsigned long) key, .value = (__u64) (unsigned long) value };
                if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a) == 0 && sys_bpf(BPF_MAP_UPDATE_ELEM, &a) == 0)
                        n++;
                return n;
        }
        for (int i = 0; i < 100000; i++) {
                a = (union bpf_attr) { .map_fd = fd, .key = 0, .next_key = (__u64) (unsigned long) key };
                if (sys_bpf(BPF_MAP_GET_NEXT_KEY, &a) < 0)
                        break;
                a = (union bpf_attr) { .map_fd = fd, .key = (__u64) (unsigned long) key };
                if (sys_bpf(BPF_MAP_DELETE_ELEM, &a) < 0)
                        break;
                n++;
        }
        return n;
}

#define IDS_MAX 65536

/* What got through, listed after the summary line: "opened map 12", "wrote guard_objects". */
static char notes[16384];

static void note(const char *format, const char *kind, __u32 id, const char *name) {
        char line[128];
        size_t len = strlen(notes);

        snprintf(line, sizeof(line), format, name ?: kind, id);
        if (!strstr(notes, line))
                snprintf(notes + len, sizeof(notes) - len, "%s", line);
}

static int detach_race(const char *pin, int seconds) {
        union bpf_attr get = { .pathname = (__u64) (uintptr_t) pin };
        int link = (int) syscall(SYS_bpf, BPF_OBJ_GET, &get, sizeof(get));
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        const int target = 200;
        bool detached = false;
        time_t end = time(NULL) + seconds;
        long n = 0;
        pid_t child;

        if (link < 0 || null < 0)
                return result(-1);
        child = (pid_t) syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
        if (child < 0)
                return result(-1);
        if (child == 0)
                for (;;) {
                        dup2(null, target);
                        dup2(link, target);
                }
        while (!detached && time(NULL) < end) {
                union bpf_attr a = { .link_detach.link_fd = target };

                n++;
                detached = syscall(SYS_bpf, BPF_LINK_DETACH, &a, sizeof(a)) == 0;
        }
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        printf("%s %ld\n", detached ? "detached" : "held", n);
        return detached ? 0 : 1;
}

/* Open every link pin in pin_dir (BPF_OBJ_GET), print "held N", keep them for seconds. */
static int hold(int seconds, const char *pin_dir) {
        DIR *d = opendir(pin_dir);
        struct dirent *de;
        int n = 0;

        while (d && (de = readdir(d))) {
                char path[PATH_MAX];
                union bpf_attr a = {};

                if (strncmp(de->d_name, "link_", 5) != 0)
                        continue;
                snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
                a.pathname = (__u64) (uintptr_t) path;
                n += sys_bpf(BPF_OBJ_GET, &a) >= 0;
        }
        printf("held %d\n", n);
        fflush(stdout);
        sleep(seconds);
        return 0;
}

static int grab(int seconds, const char *pin_dir) {
        static unsigned char got[3][IDS_MAX];
        static int held[IDS_MAX];
        static volatile unsigned char *mapped[IDS_MAX];
        static const int cmds[3][2] = { { BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID },
                                        { BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID },
                                        { BPF_LINK_GET_NEXT_ID, BPF_LINK_GET_FD_BY_ID } };
        unsigned counts[3] = {}, pins = 0, writes = 0;
        __u32 first_link = next_id(BPF_LINK_GET_NEXT_ID, 0);
        bool armed = first_link != 0;
        time_t end = time(NULL) + seconds;

        while (time(NULL) < end) {
                DIR *d;
                struct dirent *de;

                /* A link's id is visible a moment before its program runs: the first program is
                 * attached once the daemon goes on to the next link. */
                if (!armed && !first_link)
                        first_link = next_id(BPF_LINK_GET_NEXT_ID, 0);
                armed = armed || (first_link && next_id(BPF_LINK_GET_NEXT_ID, first_link) != 0);
                for (int k = 0; k < 3; k++)
                        for (__u32 id = next_id(cmds[k][0], 0); id && id < IDS_MAX; id = next_id(cmds[k][0], id)) {
                                int fd;

                                if (k == 0 && held[id])
                                        continue;
                                fd = fd_by_id(cmds[k][1], id);
                                if (fd < 0)
                                        continue;
                                if (armed && !got[k][id]) {
                                        got[k][id] = 1;
                                        counts[k]++;
                                        char name[BPF_OBJ_NAME_LEN + 1];

                                        note(k == 0 ? "opened map %s %u\n" : "opened %s %u\n", k == 1 ? "prog" : "link", id,
                                             k == 0 ? map_name(fd, name) : NULL);
                                }
                                if (k == 0) {
                                        held[id] = fd + 1;
                                        mapped[id] = map_writable(fd);
                                } else
                                        close(fd);
                        }
                usleep(2000); /* a race, not a stall: the guard gets the CPU to start */
                if (!armed)
                        continue;
                for (__u32 id = 1; id < IDS_MAX; id++)
                        if (held[id]) {
                                char name[BPF_OBJ_NAME_LEN + 1] = "";
                                unsigned n = write_through(held[id] - 1, name);

                                /* libbpf's feature probes (libbpf_global, ...): maps the guard
                                 * made to test the kernel and dropped, kept alive by this fd. */
                                if (!n || strncmp(name, "libbpf_", 7) == 0)
                                        continue;
                                note("wrote %s (map %u)\n", NULL, id, name);
                                writes += n;
                        }
                for (__u32 id = 1; id < IDS_MAX; id++)
                        if (mapped[id]) {
                                char name[BPF_OBJ_NAME_LEN + 1];

                                if (strncmp(map_name(held[id] - 1, name), "libbpf_", 7) == 0)
                                        continue; /* as above */
                                mapped[id][0] = mapped[id][0];
                                note("wrote %s through a mapping (map %u)\n", NULL, id, name);
                                writes++;
                        }
                d = opendir(pin_dir);
                while (d && (de = readdir(d)))
                        if (de->d_name[0] != '.' && unlinkat(dirfd(d), de->d_name, 0) == 0) {
                                note("unlinked %s\n", de->d_name, 0, NULL);
                                pins++;
                        }
                if (d)
                        closedir(d);
        }
        printf("maps %u progs %u links %u pins %u writes %u\n", counts[0], counts[1], counts[2], pins, writes);
        fputs(notes, stdout);
        return 0;
}

#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* A program of these few instructions, GPL: its fd, or -1 (errno set). */
static int load_program(__u32 type, __u32 attach_type, const struct bpf_insn *insns, __u32 n) {
        union bpf_attr a = {
                .prog_type = type,
                .expected_attach_type = attach_type,
                .insns = (uintptr_t) insns,
                .insn_cnt = n,
                .license = (uintptr_t) "GPL",
        };

        return (int) sys_bpf(BPF_PROG_LOAD, &a);
}

/* A cgroup/sysctl program that lets every sysctl access through, whatever the programs before it
 * decided (bpf_set_retval(0), return 1), attached to DIR: with BPF_PROG_ATTACH (multi; it stays
 * after this process) or BPF_LINK_CREATE (released at its exit). */
static int sysctl_override(const char *dir, bool link) {
        struct bpf_insn insns[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 0 },
                { .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_set_retval },
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        union bpf_attr a = {};
        int prog = load_program(BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, insns, ELEMENTS(insns)), cgroup;

        if (prog < 0)
                return result(-1);
        cgroup = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup < 0)
                return result(-1);
        if (link) {
                a.link_create.prog_fd = prog;
                a.link_create.target_fd = cgroup;
                a.link_create.attach_type = BPF_CGROUP_SYSCTL;
                return result(sys_bpf(BPF_LINK_CREATE, &a) < 0 ? -1 : 0);
        }
        a.target_fd = cgroup;
        a.attach_bpf_fd = prog;
        a.attach_type = BPF_CGROUP_SYSCTL;
        a.attach_flags = BPF_F_ALLOW_MULTI;
        return result(sys_bpf(BPF_PROG_ATTACH, &a) < 0 ? -1 : 0);
}

static int link_detach_own(const char *dir) {
        struct bpf_insn insns[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        union bpf_attr a = {};
        int prog = load_program(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, insns, ELEMENTS(insns)), link;
        int cgroup = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (prog < 0 || cgroup < 0)
                return result(-1);
        a.link_create.prog_fd = prog;
        a.link_create.target_fd = cgroup;
        a.link_create.attach_type = BPF_CGROUP_INET_EGRESS;
        link = sys_bpf(BPF_LINK_CREATE, &a);
        if (link < 0) {
                printf("create %s\n", strerrorname_np(errno));
                return 1;
        }
        memset(&a, 0, sizeof(a));
        a.link_detach.link_fd = link;
        return result(sys_bpf(BPF_LINK_DETACH, &a));
}

/* Exec'd as PID 1 by a switch of root the guard let through: the test sees the file (/run moves
 * into the new root) and the console line, and the machine powers off (no test goes on with an
 * attacker's PID 1). */
static int evil_init(void) {
        int fd = open("/run/cg-evil-pid1", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd >= 0) {
                dprintf(fd, "cg-tamper ran as PID 1\n");
                close(fd);
        }
        fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0)
                dprintf(fd, "# cg-tamper runs as PID 1: the switch of root went through\n");
        sleep(30);
        sync();
        reboot(RB_POWER_OFF);
        for (;;)
                pause();
        return 0;
}

static int handle_openw(const char *path) {
        struct file_handle *handle = calloc(1, sizeof(*handle) + MAX_HANDLE_SZ);
        char dir[PATH_MAX], link[64], target[PATH_MAX];
        int mount_id, dirfd, dropfd, fd;
        char *slash;
        ssize_t n;

        if (!handle || snprintf(dir, sizeof(dir), "%s", path) >= (int) sizeof(dir))
                return result(-1);
        slash = strrchr(dir, '/');
        if (slash && slash != dir)
                *slash = '\0';
        else
                strcpy(dir, "/");
        handle->handle_bytes = MAX_HANDLE_SZ;
        if (name_to_handle_at(AT_FDCWD, path, handle, &mount_id, 0) < 0)
                return result(-1);
        /* Any fd on the same file system; a directory stays reconnected, so the file's parent
         * dentry may stay while the file's own goes. */
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return result(-1);
        sync();
        dropfd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
        if (dropfd >= 0) {
                if (write(dropfd, "2", 1) < 0)
                        fprintf(stderr, "cg-tamper: drop_caches: %m\n");
                close(dropfd);
        }
        fd = open_by_handle_at(dirfd, handle, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
                n = readlink(link, target, sizeof(target) - 1);
                target[n < 0 ? 0 : n] = '\0';
                fprintf(stderr, "cg-tamper: opened as %s\n", target);
                close(fd);
        }
        close(dirfd);
        free(handle);
        return result(fd);
}

static int run(int argc, char *argv[]);

/* cg-tamper seq CMD [ARG...] -- CMD [ARG...] ...: each in turn, in this one process. */
int main(int argc, char *argv[]) {
        int start = 1, r = 0;

        if (getpid() == 1)
                return evil_init();
        if (argc < 2 || strcmp(argv[1], "seq") != 0)
                return run(argc, argv);
        for (int i = 2; i <= argc; i++)
                if (i == argc || strcmp(argv[i], "--") == 0) {
                        argv[start] = argv[0];
                        r |= run(i - start, argv + start);
                        fflush(stdout);
                        start = i;
                }
        return r;
}

static int run(int argc, char *argv[]) {
        if (argc == 4 && strcmp(argv[1], "sigio") == 0)
                return sigio(atoi(argv[2]), atoi(argv[3]));
        if (argc == 3 && strcmp(argv[1], "prlimit") == 0)
                return result(prlimit(atoi(argv[2]), RLIMIT_NOFILE, &(struct rlimit) { 1, 1 }, NULL));
        if (argc == 3 && strcmp(argv[1], "attach") == 0) {
                if (ptrace(PTRACE_SEIZE, atoi(argv[2]), 0, 0) < 0)
                        return result(-1);
                (void) ptrace(PTRACE_DETACH, atoi(argv[2]), 0, 0);
                return result(0);
        }
        if (argc == 3 && strcmp(argv[1], "mem") == 0)
                return mem_rewrite(atoi(argv[2]));
        if (argc == 3 && strcmp(argv[1], "vmwrite") == 0)
                return vm_rewrite(atoi(argv[2]));
        if (argc == 3 && strcmp(argv[1], "getfd") == 0)
                return getfd(atoi(argv[2]));
        if (argc == 4 && strcmp(argv[1], "signal") == 0)
                return result(kill(atoi(argv[2]), atoi(argv[3])));
        if (argc == 4 && strcmp(argv[1], "write") == 0)
                return write_file(argv[2], argv[3]);
        /* A bind mount that also names a propagation type: path_mount() takes MS_BIND first. */
        if (argc == 4 && strcmp(argv[1], "bind-private") == 0)
                return result(mount(argv[2], argv[3], NULL, MS_BIND | MS_PRIVATE, NULL));
        /* move_mount(2): the new mount API's move, which mount(2)'s MS_MOVE check does not see. */
        if (argc == 4 && strcmp(argv[1], "move-mount") == 0)
                return result((int) syscall(SYS_move_mount, AT_FDCWD, argv[2], AT_FDCWD, argv[3], 0));
        /* A mount named through a magic link (/proc/PID/fd/N of another process: read access),
         * opened O_PATH (no open hook) and moved onto TO. */
        if (argc == 4 && strcmp(argv[1], "steal-mount") == 0) {
                int fd = open(argv[2], O_PATH | O_CLOEXEC), r;

                if (fd < 0)
                        return result(fd);
                r = (int) syscall(SYS_move_mount, fd, "", AT_FDCWD, argv[3], 0x00000004 /* MOVE_MOUNT_F_EMPTY_PATH */);
                close(fd);
                return result(r);
        }
        if (argc == 2 && strcmp(argv[1], "kexec-load") == 0)
                return result((int) syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL));
        if (argc == 3 && strcmp(argv[1], "kexec-file") == 0) {
                int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

                if (fd < 0)
                        return result(fd);
                return result((int) syscall(SYS_kexec_file_load, fd, -1, 1UL, "", 0x4UL /* KEXEC_FILE_NO_INITRAMFS */));
        }
        if (argc == 4 && strcmp(argv[1], "dgram-sink") == 0) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[2]);
                (void) unlink(argv[2]);
                if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                        return result(-1);
                printf("bound\n");
                fflush(stdout);
                sleep(atoi(argv[3]));
                return 0;
        }
        if (argc == 5 && strcmp(argv[1], "move-hold") == 0)
                return move_hold(argv[2], argv[3], argv[4]);
        if (argc == 7 && strcmp(argv[1], "move-hold") == 0)
                return move_hold_autofs(argv[2], argv[3], argv[4], argv[5], argv[6]);
        if ((argc == 6 || argc == 7) && strcmp(argv[1], "autofs-race") == 0)
                return autofs_race(argv[2], argv[3], argv[4], argv[5], argc == 7 ? argv[6] : NULL);
        if (argc == 6 && strcmp(argv[1], "mount-race") == 0)
                return mount_race(strcmp(argv[2], "move") == 0, argv[3], argv[4], argv[5]);
        if (argc == 6 && strcmp(argv[1], "covered") == 0)
                return covered_mount(strcmp(argv[2], "move") == 0, argv[3], argv[4], argv[5]);
        if (argc == 3 && strcmp(argv[1], "beneath") == 0)
                return result(mount_beneath(argv[2]) < 0 ? -1 : 0);
        if (argc == 4 && strcmp(argv[1], "set-group") == 0)
                return result((int) syscall(__NR_move_mount, AT_FDCWD, argv[2], AT_FDCWD, argv[3], 0x100 /* SET_GROUP */));
        if (argc == 4 && strcmp(argv[1], "beneath-detach") == 0)
                return beneath_detach(argv[2], argv[3]);
        if (argc == 4 && strcmp(argv[1], "pivot-root") == 0)
                return result((int) syscall(SYS_pivot_root, argv[2], argv[3]));
        if (argc == 4 && strcmp(argv[1], "sysctl-override") == 0)
                return sysctl_override(argv[2], strcmp(argv[3], "link") == 0);
        if (argc == 4 && strcmp(argv[1], "perf-sigtrap") == 0) {
                struct perf_event_attr attr = {
                        .type = PERF_TYPE_SOFTWARE,
                        .size = sizeof(attr),
                        .config = PERF_COUNT_SW_CONTEXT_SWITCHES,
                        .sample_period = 1,
                        .sigtrap = 1,
                        .remove_on_exec = 1, /* the kernel wants it with sigtrap */
                };
                int fd = syscall(SYS_perf_event_open, &attr, atoi(argv[2]), -1, -1, PERF_FLAG_FD_CLOEXEC);

                if (result(fd))
                        return 1;
                fflush(stdout);
                sleep(atoi(argv[3]));
                return 0;
        }
        if (argc == 5 && strcmp(argv[1], "fanotify") == 0) {
                unsigned int kind = strcmp(argv[2], "mount") == 0      ? FAN_MARK_MOUNT :
                                    strcmp(argv[2], "filesystem") == 0 ? FAN_MARK_FILESYSTEM : FAN_MARK_INODE;
                uint64_t mask = strcmp(argv[3], "perm") == 0 ? FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM : FAN_OPEN;
                int fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY), r;

                if (fd < 0)
                        return result(fd);
                r = fanotify_mark(fd, FAN_MARK_ADD | kind, mask, AT_FDCWD, argv[4]);
                close(fd); /* no answer is ever owed: closing allows every pending event */
                return result(r);
        }
        if ((argc == 4 || argc == 5) && strcmp(argv[1], "lease") == 0) {
                int fd = open(argv[3], O_RDONLY | O_CLOEXEC), r;

                if (fd < 0)
                        return result(fd);
                r = fcntl(fd, F_SETLEASE, strcmp(argv[2], "write") == 0 ? F_WRLCK : F_RDLCK);
                if (result(r))
                        return 1;
                fflush(stdout);
                if (argc == 5)
                        sleep(atoi(argv[4]));
                (void) fcntl(fd, F_SETLEASE, F_UNLCK);
                close(fd);
                return 0;
        }
        if (argc == 3 && strcmp(argv[1], "remount-nosymfollow") == 0)
                return result(mount(NULL, argv[2], NULL, MS_REMOUNT | 256 /* MS_NOSYMFOLLOW */, NULL));
        if (argc == 3 && (strcmp(argv[1], "setattr") == 0 || strcmp(argv[1], "setattr-detached") == 0)) {
                struct { __u64 attr_set, attr_clr, propagation, userns_fd; } attr = { .attr_set = 0x8 /* NOEXEC */ };
                int r;

                if (strcmp(argv[1], "setattr") == 0)
                        return result((int) syscall(442 /* mount_setattr */, AT_FDCWD, argv[2], 0, &attr, sizeof(attr)));
                int tree = (int) syscall(__NR_open_tree, AT_FDCWD, argv[2], 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);

                if (tree < 0)
                        return result(tree);
                attr.attr_set = 0x1; /* RDONLY */
                r = (int) syscall(442, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr));
                close(tree);
                return result(r);
        }
        if (argc == 3 && strcmp(argv[1], "openr") == 0) {
                int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

                if (fd >= 0)
                        close(fd);
                return result(fd);
        }
        if (argc == 3 && strcmp(argv[1], "openw") == 0) {
                int fd = open(argv[2], O_WRONLY | O_CLOEXEC);

                if (fd >= 0)
                        close(fd);
                return result(fd);
        }
        if (argc == 3 && strcmp(argv[1], "setacl") == 0)
                return set_acl(argv[2]);
        if (argc == 3 && strcmp(argv[1], "rmacl") == 0)
                return result(removexattr(argv[2], "system.posix_acl_access"));
        if (argc == 3 && strcmp(argv[1], "setxattr") == 0)
                return result(setxattr(argv[2], "trusted.cg-tamper", "x", 1, 0));
        if (argc == 3 && strcmp(argv[1], "handle-openw") == 0)
                return handle_openw(argv[2]);
        if (argc == 4 && strcmp(argv[1], "mkdirs") == 0) {
                for (int i = 0, n = atoi(argv[3]); i < n; i++)
                        if (mkdir(argv[2], 0755) < 0 || rmdir(argv[2]) < 0)
                                return result(-1);
                return result(0);
        }
        /* arrivals FILE TARGET N: a new file renamed over TARGET, N times (each an inode arriving
         * in a guarded place when TARGET's directory is sealed); prints "ok N" or the first error
         * and how many went before it. */
        if (argc == 5 && strcmp(argv[1], "arrivals") == 0) {
                int n = atoi(argv[4]), i;

                for (i = 0; i < n; i++) {
                        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

                        if (fd < 0)
                                break;
                        close(fd);
                        if (rename(argv[2], argv[3]) < 0)
                                break;
                }
                printf("%s %d\n", i == n ? "ok" : strerrorname_np(errno), i);
                return i == n ? 0 : 1;
        }
        if (argc == 3 && strcmp(argv[1], "truncate") == 0) {
                struct stat st;

                if (stat(argv[2], &st) < 0)
                        return result(-1);
                return result(truncate(argv[2], st.st_size));
        }
        if ((argc == 3 || argc == 4) && strcmp(argv[1], "umount") == 0)
                return result(umount2(argv[2], argc == 4 ? MNT_DETACH : 0));
        if (argc == 4 && strcmp(argv[1], "set-group") == 0)
                return result((int) syscall(SYS_move_mount, AT_FDCWD, argv[2], AT_FDCWD, argv[3], 0x100 /* SET_GROUP */));
        if ((argc == 4 || argc == 5) && strcmp(argv[1], "propagation") == 0) {
                unsigned long flags = strcmp(argv[3], "rshared") == 0 ? MS_REC | MS_SHARED : MS_PRIVATE;

                if (mount(NULL, argv[2], NULL, flags, NULL) < 0)
                        return result(-1);
                return result(argc == 5 ? umount2(argv[2], MNT_DETACH) : 0);
        }
        if (argc == 4 && strcmp(argv[1], "move") == 0)
                return result(mount(argv[2], argv[3], NULL, MS_MOVE, NULL));
        if (argc == 3 && strcmp(argv[1], "link-detach-own") == 0)
                return link_detach_own(argv[2]);
        if (argc == 4 && strcmp(argv[1], "detach-race") == 0)
                return detach_race(argv[2], atoi(argv[3]));
        if (argc == 4 && strcmp(argv[1], "hold") == 0)
                return hold(atoi(argv[2]), argv[3]);
        if (argc == 4 && strcmp(argv[1], "grab") == 0)
                return grab(atoi(argv[2]), argv[3]);
        /* fifo CMD [ARG...]: runs CMD realtime (SCHED_FIFO 10), ahead of every ordinary task on
         * the guest's CPU. */
        if (argc >= 3 && strcmp(argv[1], "fifo") == 0) {
                if (sched_setscheduler(0, SCHED_FIFO, &(struct sched_param) { .sched_priority = 10 }) < 0)
                        return result(-1);
                execvp(argv[2], argv + 2);
                return result(-1);
        }
        if (argc == 3 && strcmp(argv[1], "sched") == 0)
                return result(sched_setscheduler(atoi(argv[2]), SCHED_IDLE, &(struct sched_param) { 0 }));
        if (argc == 3 && strcmp(argv[1], "affinity-same") == 0) {
                cpu_set_t set;

                if (sched_getaffinity(atoi(argv[2]), sizeof(set), &set) < 0)
                        return result(-1);
                return result(sched_setaffinity(atoi(argv[2]), sizeof(set), &set));
        }
        if (argc == 3 && strcmp(argv[1], "prlimit-same") == 0) {
                struct rlimit now;

                if (prlimit(atoi(argv[2]), RLIMIT_NOFILE, NULL, &now) < 0)
                        return result(-1);
                return result(prlimit(atoi(argv[2]), RLIMIT_NOFILE, &now, NULL));
        }
        if (argc == 3 && strcmp(argv[1], "affinity") == 0) {
                cpu_set_t set;

                CPU_ZERO(&set);
                CPU_SET(0, &set);
                return result(sched_setaffinity(atoi(argv[2]), sizeof(set), &set));
        }
        if (argc == 2 && strcmp(argv[1], "journal-fill") == 0) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/run/systemd/journal/socket" };
                static const char entry[] = "MESSAGE=cg-tamper journal-fill\nPRIORITY=7\n";
                int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                long n = 0;

                int big = 64 << 20;

                if (fd < 0)
                        return result(-1);
                /* Room for all of them on our side: the EAGAIN must be journald's full queue
                 * (net.unix.max_dgram_qlen), not our own send buffer. */
                (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
                while (n < 1000000 && sendto(fd, entry, sizeof(entry) - 1, MSG_DONTWAIT, (struct sockaddr *) &sa,
                                             sizeof(sa)) >= 0)
                        n++;
                printf("%ld %s\n", n, strerrorname_np(errno));
                return errno == EAGAIN ? 0 : 1;
        }
        if (argc == 3 && strcmp(argv[1], "nice") == 0)
                return result(setpriority(PRIO_PROCESS, atoi(argv[2]), 19));
        if (argc == 3 && strcmp(argv[1], "ioprio") == 0)
                return result(syscall(__NR_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, atoi(argv[2]), 3 << 13 /* IOPRIO_CLASS_IDLE */));
        if (argc == 4 && strcmp(argv[1], "cgroup1") == 0)
                return result(mount("none", argv[2], "cgroup", 0, argv[3]));
        if (argc == 5 && strcmp(argv[1], "cgroup1") == 0 && strcmp(argv[4], "fsopen") == 0)
                return cgroup1_fsopen(argv[2], argv[3]);
        if (argc == 5 && strcmp(argv[1], "cgroup1") == 0 && strcmp(argv[4], "remount") == 0)
                return result(mount("none", argv[2], "cgroup", MS_REMOUNT, argv[3]));
        if (argc == 5 && strcmp(argv[1], "cgroup1") == 0 && strcmp(argv[4], "fspick") == 0)
                return cgroup1_fspick(argv[2], argv[3]);
        fprintf(stderr, "usage: cg-tamper beneath TARGET | set-group FROM TO | sigio PID SIGNUM | signal PID SIGNUM | prlimit PID | attach PID | mem PID | vmwrite PID | getfd PID | write FILE VALUE | openw FILE | handle-openw FILE | setacl FILE | rmacl FILE | setxattr FILE | mkdirs DIR N | arrivals FILE TARGET N | truncate FILE | umount PATH [detach] | move FROM TO | propagation PATH rshared|private [umount] | beneath-detach TARGET DIR | grab SECONDS PINDIR | hold SECONDS PINDIR\n"
                        "       | fifo CMD [ARG...] | sched PID | affinity PID | nice PID | ioprio PID | cgroup1 DIR OPTIONS [fsopen|remount|fspick]\n");
        return 2;
}
