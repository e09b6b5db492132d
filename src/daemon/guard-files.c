/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The files this process runs, as keys of guard_objects (guard_file_key()): every file it maps
 * executable (its binary, each library, ld.so), by the device and inode the kernel shows in
 * /proc/self/maps (the superblock's, what the BPF side reads), and every name on the way to one:
 * the directories of its path and the symlinks the loader followed (libfoo.so.1 -> libfoo.so.1.2.3,
 * /lib64 -> usr/lib64). Renaming one of those would put another file in its place for the next
 * start (bpf/guard-tamper.bpf.h, guard_file_refused()). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard-files.h"
#include "guard-maps.h"
#include "log.h"
#include "macro.h"
#include "process-util.h"
#include "string-util.h"

#define SYMLINK_DEPTH_MAX 40 /* the kernel's MAXSYMLINKS: a longer chain resolves to nothing */

typedef struct KeySet {
        uint64_t *keys;
        size_t n, allocated;
        uint64_t *mounts;       /* mount id, its superblock's kernel dev_t; pairs (/proc/self/mountinfo, and PID 1's) */
        size_t n_mounts;
        /* While the helpers' paths are walked: where a name is missing, (its directory, the name)
         * into reserved and the directory into reserving; at most budget names per path (a path
         * through a deep tree of symlinks and directories cannot fill guard_objects). */
        struct KeySet *reserved, *reserving;
        /* While running is set (the files the guard and PID 1 run are walked): every name that is
         * no directory (the file, a symlink on the way: /lib64, /sbin) into not_pid1 too, refused
         * to PID 1 as well (GUARD_FILE_UNIT). PID 1 unlinks a unit's PIDFile= at its stop, and a
         * socket unit's Symlinks=, for whoever asked for the unit: named the guard's binary, a
         * library it maps or /lib64, the guard's next start failed (a review found it).
         * Directories stay PID 1's to mount on (mount units). */
        struct KeySet *not_pid1;
        bool running;
        size_t budget;
        struct KeySet *devices; /* (set) every device a key was made on, as the kernel numbers it */
        uint64_t final_key;     /* the key of the file the last add_names() reached (0: none) */
        char final_path[PATH_MAX]; /* and its name, root included */
} KeySet;

#define HELPER_NAMES_MAX 128
/* Entries of a sealed directory registered by name: a root outside confined cgroups could make
 * thousands there (a missing /run/modprobe.d is its to create) and fill guard_objects at the
 * next round (a review found it). Beyond these, the directory's own flag still refuses a
 * confined task's write to an entry (guard_entry_refused()); only a hard link made elsewhere
 * before reaches such an entry. */
#define SEALED_DIR_ENTRIES_MAX 256

static int key_add(KeySet *set, uint64_t key) {
        for (size_t i = 0; i < set->n; i++)
                if (set->keys[i] == key)
                        return 0;
        if (set->n == set->allocated) {
                size_t allocated = set->allocated ? set->allocated * 2 : 64;
                uint64_t *keys = realloc(set->keys, allocated * sizeof(*keys));

                if (!keys)
                        return -ENOMEM;
                set->keys = keys;
                set->allocated = allocated;
        }
        set->keys[set->n++] = key;
        return 0;
}

/* Every mount's id and its superblock's device, as the kernel's inodes have it: stat()'s device
 * is another on btrfs subvolumes and for overlayfs files. */
static int read_mounts(KeySet *set, const char *mountinfo, size_t *allocated_mounts) {
        _cleanup_(fclosep) FILE *f = proc_fopen_path(mountinfo);
        char line[4096];
        size_t allocated = *allocated_mounts;

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                unsigned long long id;
                unsigned maj, min;

                if (sscanf(line, "%llu %*u %u:%u", &id, &maj, &min) != 3)
                        continue;
                if (set->n_mounts == allocated) {
                        size_t more = allocated ? allocated * 2 : 64;
                        uint64_t *mounts = realloc(set->mounts, more * 2 * sizeof(*mounts));

                        if (!mounts)
                                return -ENOMEM;
                        set->mounts = mounts;
                        allocated = more;
                }
                set->mounts[2 * set->n_mounts] = id;
                set->mounts[2 * set->n_mounts + 1] = ((uint64_t) maj << 20) | min;
                set->n_mounts++;
        }
        *allocated_mounts = allocated;
        return 0;
}

/* The key of path as statx() with flags finds it (its device as the kernel has it: the mounts'
 * table maps a mount's st_dev to its superblock's), and what it found. */
static int statx_key(const KeySet *set, const char *path, int flags, uint64_t *ret_key, struct statx *ret) {
        uint64_t dev;

        if (statx(AT_FDCWD, path, flags | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_INO | STATX_MNT_ID, ret) < 0)
                return -errno;
        dev = ((uint64_t) ret->stx_dev_major << 20) | ret->stx_dev_minor;
        for (size_t i = 0; (ret->stx_mask & STATX_MNT_ID) && i < set->n_mounts; i++)
                if (set->mounts[2 * i] == ret->stx_mnt_id)
                        dev = set->mounts[2 * i + 1];
        *ret_key = guard_file_key(dev, ret->stx_ino);
        /* (Out of memory: that device's freed inodes keep their keys, a false refusal at worst.) */
        if (set->devices)
                (void) key_add(set->devices, dev);
        return 0;
}

/* The key of the name path (not followed if a symlink); *ret_symlink: it is one. */
static int name_key(const KeySet *set, const char *path, uint64_t *ret_key, bool *ret_symlink) {
        struct statx stx;
        int r = statx_key(set, path, AT_SYMLINK_NOFOLLOW, ret_key, &stx);

        if (r < 0)
                return r;
        *ret_symlink = S_ISLNK(stx.stx_mode);
        return 0;
}

/* The key of the directory path names, symlinks followed (the directory its entries are in). */
static int dir_key(const KeySet *set, const char *path, uint64_t *ret_key) {
        struct statx stx;
        int r = statx_key(set, path, 0, ret_key, &stx);

        if (r < 0)
                return r;
        return S_ISDIR(stx.stx_mode) ? 0 : -ENOTDIR;
}

static int reserve_name(KeySet *set, uint64_t dir_key, const char *name, size_t len) {
        uint64_t hash = GUARD_NAME_HASH_INIT;
        int r;

        for (size_t i = 0; i < len; i++)
                hash = guard_name_hash_step(hash, (unsigned char) name[i]);
        r = key_add(set->reserved, guard_reserved_key(dir_key, hash));
        return r < 0 ? r : key_add(set->reserving, dir_key);
}

/* Every name of path from its first component on ("/usr", "/usr/lib", ..., path itself, not "/":
 * mounting over the root directory changes no path walk), each as lstat() finds it, below root
 * ("": this process's view; "/proc/1/root": PID 1's). Where a name is a symlink the kernel walks
 * on from its target (relative to the link's directory), and so does this, with the rest of the
 * path: /sbin/modprobe is /sbin, then /usr, /usr/sbin and /usr/sbin/modprobe (a symlink too, on
 * to /usr/bin/kmod). A name that does not exist ends the walk: what follows it is nothing yet. */
static int add_names(KeySet *set, const char *root, const char *path, unsigned depth) {
        char prefix[PATH_MAX], full[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
        size_t len = strlen(path);
        bool symlink = false;
        uint64_t key = 0;
        struct statx stx;
        ssize_t n;
        int r;

        if (path[0] != '/' || len >= sizeof(prefix) || depth > SYMLINK_DEPTH_MAX)
                return 0;
        for (size_t i = 1, start = 1; i <= len; i++) {
                uint64_t dir_key = key;
                const char *slash;

                if (path[i] != '/' && path[i] != '\0')
                        continue;
                memcpy(prefix, path, i);
                prefix[i] = '\0';
                if ((size_t) snprintf(full, sizeof(full), "%s%s", root, prefix) >= sizeof(full))
                        return 0;
                if (statx_key(set, full, AT_SYMLINK_NOFOLLOW, &key, &stx) < 0) {
                        /* Missing (a library upgraded under us: its mapping is registered; a
                         * helper that is not installed): for a helper, the name is reserved in
                         * its directory, which nobody confined may then create. */
                        if (errno == ENOENT && set->reserved && start > 1 && i - start <= GUARD_RESERVED_NAME_MAX)
                                return reserve_name(set, dir_key, path + start, i - start);
                        return 0;
                }
                start = i + 1;
                if (set->budget == 0)
                        return 0;
                set->budget--;
                r = key_add(set, key);
                if (r >= 0 && set->running && !S_ISDIR(stx.stx_mode))
                        r = key_add(set->not_pid1, key);
                if (r < 0)
                        return r;
                symlink = S_ISLNK(stx.stx_mode);
                if (!symlink) {
                        if (i == len) {
                                set->final_key = key;
                                memcpy(set->final_path, full, strlen(full) + 1);
                        }
                        continue;
                }
                n = readlink(full, target, sizeof(target) - 1);
                if (n <= 0)
                        return 0;
                target[n] = '\0';
                slash = strrchr(prefix, '/');
                if ((size_t) (target[0] == '/' ? snprintf(next, sizeof(next), "%s%s", target, path + i) :
                                                  snprintf(next, sizeof(next), "%.*s/%s%s", (int) (slash - prefix), prefix,
                                                           target, path + i)) >= sizeof(next))
                        return 0;
                return add_names(set, root, next, depth + 1);
        }
        return 0;
}

/* The names the loader opened (link_map's l_name, not resolved: "/lib/x86_64-linux-gnu/libc.so.6")
 * and the program's interpreter (PT_INTERP: "/lib64/ld-linux-x86-64.so.2"). */
static int add_loaded_name(struct dl_phdr_info *info, size_t size, void *userdata) {
        KeySet *set = userdata;
        int r;

        (void) size;
        r = add_names(set, "", info->dlpi_name, 0);
        for (ElfW(Half) i = 0; r >= 0 && i < info->dlpi_phnum; i++)
                if (info->dlpi_phdr[i].p_type == PT_INTERP)
                        r = add_names(set, "", (const char *) (info->dlpi_addr + info->dlpi_phdr[i].p_vaddr), 0);
        return r < 0 ? r : 0;
}

/* The program a usermode helper setting names, as the kernel takes it from the value: the whole
 * value up to a newline for kernel.modprobe and kernel.hotplug (one path, spaces and all), the
 * first word for kernel.poweroff_cmd (argv_split()), the first word after the "|" of a piped
 * kernel.core_pattern (format_corename(): "|/usr/lib/systemd/systemd-coredump %P %u ..."; the
 * name as written, before any % specifier in it is expanded). NULL where it names none (an empty
 * value, a core_pattern without "|"). The kernel runs it from "/", so a relative name is taken
 * from there. */
char *usermode_helper_program(const char *setting, HelperSyntax syntax) {
        const char *p = setting;
        size_t len;
        char *path;

        if (syntax == HELPER_SYNTAX_PIPE) {
                if (*p != '|') {
                        errno = ENOENT;
                        return NULL;
                }
                p++;
        }
        if (syntax == HELPER_SYNTAX_PATH)
                len = strcspn(p, "\n");
        else {
                while (isspace((unsigned char) *p))
                        p++;
                for (len = 0; p[len] && !isspace((unsigned char) p[len]); len++)
                        ;
        }
        if (len == 0) {
                errno = ENOENT;
                return NULL;
        }
        if (asprintf(&path, "%s%.*s", *p == '/' ? "" : "/", (int) len, p) < 0) {
                errno = ENOMEM;
                return NULL;
        }
        return path;
}

/* The settings whose program the kernel runs as root in the root cgroup, outside every policy
 * (a usermode helper, for whoever set it off: a module autoload, a crash, a hotplug event, an
 * orderly shutdown), and the programs it runs by fixed names. Their settings are the guard's to
 * keep (guard_tamper_sysctl); the files they name are guarded here like the guard's own, or a
 * root that may mount, write or rename there would have the kernel run its code instead. */
static const struct {
        const char *sysctl;     /* a /proc/sys file naming the program, or NULL */
        const char *program;    /* a fixed name, or NULL */
        HelperSyntax syntax;
} usermode_helpers[] = {
        { "/proc/sys/kernel/modprobe", NULL, HELPER_SYNTAX_PATH },
        { "/proc/sys/kernel/core_pattern", NULL, HELPER_SYNTAX_PIPE },
        { "/proc/sys/kernel/hotplug", NULL, HELPER_SYNTAX_PATH },
        { "/proc/sys/kernel/poweroff_cmd", NULL, HELPER_SYNTAX_ARGV },
        { NULL, "/sbin/reboot", 0 },                    /* kernel/reboot.c: reboot_cmd */
        { NULL, "/sbin/request-key", 0 },               /* security/keys/request_key.c */
        { NULL, "/sbin/bridge-stp", 0 },                /* net/bridge/br_stp_if.c: BR_STP_PROG */
};

_Static_assert(ELEMENTSOF(usermode_helpers) == USERMODE_HELPERS_MAX, "one slot per usermode helper");

/* The settings read once: one that cannot be read later (its proc file system remounted with
 * subset=pid, a file mounted over it) fails the round, which then keeps what it registered
 * before (fail closed), instead of counting as a kernel without that setting. */
static unsigned helper_settings_read;

int usermode_helper_programs(char *paths[static USERMODE_HELPERS_MAX]) {
        size_t n = 0;

        memset(paths, 0, USERMODE_HELPERS_MAX * sizeof(char *));
        for (size_t i = 0; i < ELEMENTSOF(usermode_helpers); i++) {
                _cleanup_(fclosep) FILE *f = NULL;
                char value[PATH_MAX] = "";

                if (usermode_helpers[i].program) {
                        paths[n] = strdup(usermode_helpers[i].program);
                        if (!paths[n++])
                                goto oom;
                        continue;
                }
                /* From our own proc file system, which nothing is mounted over (a file bound over
                 * the sysctl would name another program, a review found; read without crossing
                 * it, it was unreadable, so the program the kernel runs went unguarded). */
                f = proc_fopen(usermode_helpers[i].sysctl + strlen("/proc/"));
                if (!f && (helper_settings_read & (1U << i))) {
                        log_warning_errno(errno, "Cannot read %s any more: %m; keeping the files registered before.",
                                          usermode_helpers[i].sysctl);
                        usermode_helper_programs_free(paths);
                        return -EIO;
                }
                if (!f && errno != ENOENT)
                        log_warning_errno(errno, "Cannot read %s: %m; the program it names is not guarded.",
                                          usermode_helpers[i].sysctl);
                if (!f || !fgets(value, sizeof(value), f))
                        continue; /* no such setting on this kernel (hotplug, core_pattern) */
                helper_settings_read |= 1U << i;
                paths[n] = usermode_helper_program(value, usermode_helpers[i].syntax);
                if (paths[n])
                        n++;
                else if (errno == ENOMEM)
                        goto oom;
        }
        return 0;
oom:
        usermode_helper_programs_free(paths);
        return -ENOMEM;
}

void usermode_helper_programs_free(char *paths[static USERMODE_HELPERS_MAX]) {
        for (size_t i = 0; i < USERMODE_HELPERS_MAX; i++) {
                free(paths[i]);
                paths[i] = NULL;
        }
}

/* Configuration directories that name code run with more trust than the caller has: modprobe's
 * (kmod's search path) and PAM's (below). A file in modprobe's with an "install" line is a
 * command modprobe runs as root in the root cgroup at the next module autoload, which any process
 * can set off (an AF_ALG bind, the exec of an unknown binary format). Their files are guarded as
 * the helpers are, and the directories sealed: no new entry from a confined cgroup
 * (GUARD_FILE_SEALED). Not the distribution's own, /usr/lib/modprobe.d and /lib/modprobe.d:
 * packages (systemd, udev, kmod) write there at every upgrade, and a root that may write /usr
 * already reaches what a helper loads (its libraries, the modules). */
static const char *const sealed_config_dirs[] = {
        "/etc/modprobe.d",
        "/run/modprobe.d",
        "/usr/local/lib/modprobe.d",
        /* PAM's stacks: PID 1's child loads the modules one names (PAMName=; any path) before its
         * exec, with PID 1's trust for what systemd does there, in the unit's cgroup. */
        "/etc/pam.d",
        /* systemd-nspawn's trusted settings (PrivateUsers=no, Bind= of any host path): a
         * container any root may have PID 1 start (systemd-nspawn@.service) then runs as the
         * host's root with the guard's configuration bound in (a review found it). The
         * directories nspawn makes in /run/systemd/nspawn at its first run, confined or not,
         * the daemon makes first (make_nspawn_runtime_dirs()). */
        "/etc/systemd/nspawn",
        "/run/systemd/nspawn",
        /* The SysV scripts systemd-sysv-generator makes units of at each daemon-reload (in
         * /run/systemd/generator.late: a script at the name of a service the policies trust by
         * name and that has no unit file, ssh or gdm, ran as that service; a review found it),
         * and the runlevel links that enable them. */
        "/etc/init.d",
        "/etc/rc0.d", "/etc/rc1.d", "/etc/rc2.d", "/etc/rc3.d", "/etc/rc4.d", "/etc/rc5.d", "/etc/rc6.d", "/etc/rcS.d",
};

/* Directories PID 1 alone writes, for every unit, that the guard's reading of its own depends on:
 * journald takes each unit's log settings from /run/systemd/units (log-level-max:UNIT, a symlink
 * to the level; log-rate-limit-burst:UNIT, log-extra-fields:UNIT), and a confined root's
 * log-level-max:cgroup-guardd.service -> 0 had journald drop every denial the guard sent (its
 * names are too long to reserve one by one). Sealed, refused to confined tasks only: PID 1 makes
 * and removes entries there at every unit's start and stop (symlinks renamed into place, which
 * take no key: guard_entry_arrives()); its entries are not registered one by one. */
static const char *const pid1_state_dirs[] = {
        "/run/systemd/units",
};

/* What systemd-nspawn makes in /run/systemd/nspawn, from whatever cgroup it runs in (a confined
 * nspawn could not once the directory is sealed): its image locks, the directories it propagates
 * mounts into a container through (machinectl bind), and (systemd 256) its exported sockets. */
static const char *const nspawn_runtime_dirs[] = { "locks", "propagate", "unix-export" };

void make_nspawn_runtime_dirs(void) {
        _cleanup_(closep) int run = -EBADF, dir = -EBADF;

        /* Where PID 1 sees them (its /run); only where PID 1 is systemd (/run/systemd exists).
         * Each step refuses a symlink: a confined root's link there would lead the mkdir elsewhere. */
        run = open("/proc/1/root/run/systemd", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (run < 0)
                run = open("/run/systemd", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (run < 0)
                return;
        if (mkdirat(run, "nspawn", 0755) < 0 && errno != EEXIST) {
                log_debug("Cannot make /run/systemd/nspawn: %m");
                return;
        }
        dir = openat(run, "nspawn", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir < 0)
                return;
        for (size_t i = 0; i < ELEMENTSOF(nspawn_runtime_dirs); i++) {
                struct stat st;

                if (mkdirat(dir, nspawn_runtime_dirs[i], i == 0 ? 0700 : 0755) < 0 && errno != EEXIST)
                        log_debug("Cannot make /run/systemd/nspawn/%s: %m", nspawn_runtime_dirs[i]);
                /* One made before the seal by someone else: a symlink leads nspawn elsewhere. */
                else if (fstatat(dir, nspawn_runtime_dirs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                         (!S_ISDIR(st.st_mode) || st.st_uid != 0))
                        log_warning("/run/systemd/nspawn/%s is not a directory of root's; systemd-nspawn "
                                    "follows it. Remove it (from outside confined cgroups) and reload.",
                                    nspawn_runtime_dirs[i]);
        }
}

/* The guard's own configuration, as this process reads it (set_guard_config_dirs()): the policy
 * directory, whose files are the policy and its "protect_self" switch (the daemon reloads what
 * is written there), and the directory of the disable flag (its next start unloads). A confined
 * root that wrote there would switch the guard off with the next reload or restart. */
static char *guard_config_dirs[3];

int set_guard_config_dirs(const char *policy_dir, const char *disable_file) {
        const char *slash = strrchr(disable_file, '/');
        char *dirs[2] = {};

        if (policy_dir[0] == '/')
                dirs[0] = strdup(policy_dir);
        else {
                _cleanup_(freep) char *cwd = getcwd(NULL, 0);

                /* Relative: as the daemon, which does not change directory, reads it. */
                if (cwd && asprintf(&dirs[0], "%s/%s", cwd, policy_dir) < 0)
                        dirs[0] = NULL;
        }
        if (!dirs[0])
                return -ENOMEM;
        if (slash && slash > disable_file && !(dirs[1] = strndup(disable_file, slash - disable_file))) {
                free(dirs[0]);
                return -ENOMEM;
        }
        for (size_t i = 0, n = 0; i < 2; i++) {
                free(guard_config_dirs[i]);
                guard_config_dirs[i] = NULL;
                if (dirs[i])
                        guard_config_dirs[n++] = dirs[i];
        }
        return 0;
}

static char **guard_trusted_units, **guard_trusted_executables;

static void strv_replace(char ***v, char **with) {
        strv_free(*v);
        *v = with;
}

void set_guard_trusted_units(char **units) {
        strv_replace(&guard_trusted_units, units);
}

void set_guard_trusted_executables(char **paths) {
        strv_replace(&guard_trusted_executables, paths);
}

static uint64_t name_hash(const char *name, size_t len) {
        uint64_t hash = GUARD_NAME_HASH_INIT;

        for (size_t i = 0; i < len; i++)
                hash = guard_name_hash_step(hash, (unsigned char) name[i]);
        return hash;
}

/* The drop-in directories that apply to a trusted service, by name: its own ("ssh.service.d",
 * "getty@.service.d"), its template's instances' ("getty@" then anything ending ".service.d":
 * a GUARD_TRUSTED_TEMPLATES_DIR key of the prefix), those of its dashed prefixes
 * ("serial-.service.d") and every service's ("service.d"). systemctl set-property writes the
 * value of Description= as it is, newlines included, into PID 1's own drop-in there: a confined
 * root's lines in a trusted unit's definition (a review found it). */
static int add_trusted_names(KeySet *names) {
        char dir_name[NAME_MAX + 1];
        int r = key_add(names, guard_reserved_key(GUARD_TRUSTED_NAMES_DIR, name_hash("service.d", strlen("service.d"))));

        for (char **u = guard_trusted_units; r >= 0 && u && *u; u++) {
                const char *at = strchr(*u, '@');
                size_t stem = at ? (size_t) (at - *u) : strlen(*u) - strlen(".service");

                if ((size_t) snprintf(dir_name, sizeof(dir_name), "%s.d", *u) < sizeof(dir_name))
                        r = key_add(names, guard_reserved_key(GUARD_TRUSTED_NAMES_DIR, name_hash(dir_name, strlen(dir_name))));
                /* The name itself: a transient unit of it (a service the policy names by its
                 * cgroup may have no unit file on this host). */
                if (r >= 0 && !at)
                        r = key_add(names, guard_reserved_key(GUARD_TRUSTED_NAMES_DIR, name_hash(*u, strlen(*u))));
                if (r >= 0 && at)
                        r = key_add(names, guard_reserved_key(GUARD_TRUSTED_TEMPLATES_DIR, name_hash(*u, stem + 1)));
                for (size_t dash = 1; r >= 0 && dash < stem; dash++) {
                        if ((*u)[dash - 1] != '-')
                                continue;
                        snprintf(dir_name, sizeof(dir_name), "%.*s.service.d", (int) dash, *u);
                        r = key_add(names, guard_reserved_key(GUARD_TRUSTED_NAMES_DIR, name_hash(dir_name, strlen(dir_name))));
                }
        }
        return r;
}

/* Files that name code PID 1's children load before their exec, guarded as the helpers are (a
 * missing one's name reserved): NSS's configuration (User=, Group=: each "passwd:" service is a
 * library the child opens) and PAM's single-file form, read where /etc/pam.d is missing. */
static const char *const child_config_files[] = {
        "/etc/nsswitch.conf",
        "/etc/pam.conf",
        /* systemd 257's children run it (fexecve()) for every unit, PID 1 opens it at its start */
        "/usr/lib/systemd/systemd-executor",
};

/* A configuration directory as PID 1 sees it: the names on its path, each entry's names, and the
 * directory's own key into sealed. One that does not exist has its name reserved where its path
 * stops (/run's modprobe.d, and only there: a container image's etc/modprobe.d is another
 * directory's entry). */
static int add_config_dir(KeySet *set, KeySet *sealed, const char *root, const char *dir, size_t max_entries) {
        _cleanup_(closedirp) DIR *d = NULL;
        char full[PATH_MAX], entry[PATH_MAX];
        struct statx stx;
        struct dirent *de;
        uint64_t dev;
        int r;

        if ((size_t) snprintf(full, sizeof(full), "%s%s", root, dir) >= sizeof(full))
                return 0;
        if (statx(AT_FDCWD, full, AT_NO_AUTOMOUNT, STATX_TYPE | STATX_INO | STATX_MNT_ID, &stx) < 0)
                return errno == ENOENT ? add_names(set, root, dir, 0) : 0;
        if (!S_ISDIR(stx.stx_mode))
                return 0;
        r = add_names(set, root, dir, 0);
        if (r < 0)
                return r;
        dev = ((uint64_t) stx.stx_dev_major << 20) | stx.stx_dev_minor;
        for (size_t i = 0; (stx.stx_mask & STATX_MNT_ID) && i < set->n_mounts; i++)
                if (set->mounts[2 * i] == stx.stx_mnt_id)
                        dev = set->mounts[2 * i + 1];
        r = key_add(sealed, guard_file_key(dev, stx.stx_ino));
        if (r < 0)
                return r;
        d = opendir(full);
        for (size_t entries = 0; d && entries < max_entries && (de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                entries++;
                if ((size_t) snprintf(entry, sizeof(entry), "%s/%s", dir, de->d_name) >= sizeof(entry))
                        continue;
                set->budget = HELPER_NAMES_MAX; /* per entry: the admin's, however many */
                r = add_names(set, root, entry, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Where PID 1 looks for a system unit's file and drop-ins (systemd's unit search path, the
 * generators' output aside: generator_output_dirs[]). A drop-in for the guard's unit is what
 * PID 1 runs in the guard's cgroup, an admin cgroup, at its next start ("ExecStartPre=",
 * "ExecStart=cgroup-guardd --unload"). */
static const char *const unit_dirs[] = {
        "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
        "/etc/systemd/system", "/etc/systemd/system.attached", "/run/systemd/system",
        "/run/systemd/system.attached", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
        "/lib/systemd/system",
};

/* The guard's unit, from this process's cgroup (".../cgroup-guardd.service"), into unit (NUL
 * when it runs in none: no systemd). */
static void own_service_unit(char unit[static NAME_MAX + 1]) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/cgroup", "re");
        char line[PATH_MAX + 8], *name;
        size_t n;

        unit[0] = '\0';
        while (f && fgets(line, sizeof(line), f)) {
                if (!strneq(line, "0::/", 4))
                        continue;
                line[strcspn(line, "\n")] = '\0';
                name = strrchr(line, '/') + 1;
                n = strlen(name);
                if (n > 8 && n <= NAME_MAX && streq(name + n - 8, ".service"))
                        memcpy(unit, name, n + 1);
        }
}

/* The keys of the guard's own unit (GUARD_FILE_UNIT: refused to PID 1 too). */
typedef struct UnitKeys {
        KeySet names;           /* its files, drop-in directories' entries' names aside, and enablement links */
        KeySet sealed;          /* its drop-in directories */
        KeySet reserved;        /* its names where there is none (guard_reserved_key()) */
} UnitKeys;

/* A name of the guard's unit below root: its key, or where there is none its name reserved in its
 * directory (into reserving, GUARD_FILE_RESERVES). */
static int add_unit_name(const KeySet *set, UnitKeys *u, KeySet *reserving, const char *root, const char *path) {
        char full[PATH_MAX];
        const char *slash = strrchr(path, '/');
        uint64_t key, dir_key, hash = GUARD_NAME_HASH_INIT;
        bool symlink;
        int r;

        if ((size_t) snprintf(full, sizeof(full), "%s%s", root, path) >= sizeof(full))
                return 0;
        if (name_key(set, full, &key, &symlink) == 0)
                return key_add(&u->names, key);
        if (errno != ENOENT || !slash || strlen(slash + 1) > GUARD_RESERVED_NAME_MAX)
                return 0;
        if ((size_t) snprintf(full, sizeof(full), "%s%.*s", root, (int) (slash - path), path) >= sizeof(full) ||
            name_key(set, full, &dir_key, &symlink) < 0)
                return 0; /* no directory: its own name is reserved (add_config_dir()) */
        for (const char *c = slash + 1; *c; c++)
                hash = guard_name_hash_step(hash, (unsigned char) *c);
        r = key_add(&u->reserved, guard_reserved_key(dir_key, hash));
        return r < 0 ? r : key_add(reserving, dir_key);
}

/* A drop-in directory of the guard's unit: sealed, refused to PID 1 too. */
static int add_unit_dropin_dir(KeySet *set, UnitKeys *u, const char *root, const char *path) {
        char full[PATH_MAX];
        struct stat st;

        if ((size_t) snprintf(full, sizeof(full), "%s%s", root, path) >= sizeof(full))
                return 0;
        if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
                return add_config_dir(set, &u->sealed, root, path, SEALED_DIR_ENTRIES_MAX);
        return add_unit_name(set, u, set->reserving, root, path);
}

/* The guard's enablement links in dir's *.wants, *.requires and *.upholds directories (systemctl
 * disable, or a confined root's rm, would leave the next boot without the guard). */
static int add_unit_links(const KeySet *set, UnitKeys *u, const char *root, const char *dir, const char *unit) {
        _cleanup_(closedirp) DIR *d = NULL;
        char full[PATH_MAX], link[PATH_MAX];
        struct dirent *de;
        uint64_t key;
        bool symlink;
        int r;

        if ((size_t) snprintf(full, sizeof(full), "%s%s", root, dir) >= sizeof(full) || !(d = opendir(full)))
                return 0;
        while ((de = readdir(d))) {
                const char *dot = strrchr(de->d_name, '.');

                if (!dot || (!streq(dot, ".wants") && !streq(dot, ".requires") && !streq(dot, ".upholds")))
                        continue;
                if ((size_t) snprintf(link, sizeof(link), "%s/%s/%s", full, de->d_name, unit) >= sizeof(link) ||
                    name_key(set, link, &key, &symlink) < 0)
                        continue;
                r = key_add(&u->names, key);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The directories of the unit search path, sealed (a unit file, an alias of the guard's unit and
 * its drop-ins, an allow entry's service revived by a file of its name: none is a confined root's
 * to make), and in each the guard's unit file, its drop-in directories (its own, "service.d" for
 * every service, those of its dashed prefixes: "cgroup-.service.d" for cgroup-guardd.service) and
 * its enablement links, all refused to PID 1 too. The generators' programs' directories sealed
 * as well: PID 1 runs them in its own cgroup at each daemon-reload. */
static const char *const generator_dirs[] = {
        "/etc/systemd/system-generators", "/run/systemd/system-generators",
        "/usr/local/lib/systemd/system-generators", "/usr/lib/systemd/system-generators",
        "/lib/systemd/system-generators",
        /* Environment generators: run the same way, their output every unit's environment. */
        "/etc/systemd/system-environment-generators", "/run/systemd/system-environment-generators",
        "/usr/local/lib/systemd/system-environment-generators", "/usr/lib/systemd/system-environment-generators",
        "/lib/systemd/system-environment-generators",
};

/* PID 1's own configuration: a confined root's ManagerEnvironment=SYSTEMD_UNIT_PATH=... there
 * puts a unit directory of its own ahead of the sealed ones at PID 1's next re-exec (which any
 * root may ask for), DefaultEnvironment= reaches every unit (a review found it). Sealed, and the
 * main file guarded by name (reserved where there is none). */
static const char *const manager_config_dirs[] = {
        "/etc/systemd/system.conf.d", "/run/systemd/system.conf.d", "/usr/local/lib/systemd/system.conf.d",
        "/usr/lib/systemd/system.conf.d", "/lib/systemd/system.conf.d",
};

/* A name of the guard's unit, wherever it is made in a guarded place (GUARD_UNIT_NAMES_DIR). */
static int add_unit_name_anywhere(UnitKeys *u, const char *name, size_t len) {
        uint64_t hash = GUARD_NAME_HASH_INIT;

        if (len > GUARD_RESERVED_NAME_MAX)
                return 0;
        for (size_t i = 0; i < len; i++)
                hash = guard_name_hash_step(hash, (unsigned char) name[i]);
        return key_add(&u->reserved, guard_reserved_key(GUARD_UNIT_NAMES_DIR, hash));
}

/* The names of the unit's drop-in and dependency directories: NAME.d, NAME.wants, ...,
 * service.d and the dashed prefixes' .d ("cgroup-.service.d" for cgroup-guardd.service). */
static int add_unit_dirs_named(KeySet *set, UnitKeys *u, const char *root, const char *dir, const char *unit) {
        static const char *const suffixes[] = { ".d", ".wants", ".requires", ".upholds" };
        size_t stem = strlen(unit) - strlen(".service");
        char path[PATH_MAX], name[NAME_MAX + 1];
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(suffixes) + 1; i++) {
                if (i < ELEMENTSOF(suffixes))
                        snprintf(name, sizeof(name), "%s%s", unit, suffixes[i]);
                else
                        snprintf(name, sizeof(name), "service.d");
                r = add_unit_name_anywhere(u, name, strlen(name));
                if (r >= 0 && dir && (size_t) snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path))
                        r = add_unit_dropin_dir(set, u, root, path);
        }
        for (size_t dash = stem; r >= 0 && dash > 0; dash--) {
                if (unit[dash - 1] != '-' || dash >= stem)
                        continue;
                snprintf(name, sizeof(name), "%.*s.service.d", (int) dash, unit);
                r = add_unit_name_anywhere(u, name, strlen(name));
                if (r >= 0 && dir && (size_t) snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path))
                        r = add_unit_dropin_dir(set, u, root, path);
        }
        return r;
}

/* The drop-ins this package installs for the units the shipped policies trust by name
 * (units/meson.build): each unsets the loader's environment there. Refused to PID 1 too: a unit's
 * PIDFile= naming one had PID 1 remove it, and systemctl set-environment LD_PRELOAD=... reached
 * getty and the user manager again (a review found it). */
#define ENV_DROPIN "50-cgroup-guard-env.conf"

static int add_env_dropins(KeySet *set, const char *root, const char *dir) {
        _cleanup_(closedirp) DIR *d = NULL;
        char full[PATH_MAX], path[PATH_MAX];
        struct dirent *de;
        int r = 0;

        if ((size_t) snprintf(full, sizeof(full), "%s%s", root, dir) >= sizeof(full) || !(d = opendir(full)))
                return 0;
        while (r >= 0 && (de = readdir(d))) {
                size_t n = strlen(de->d_name);
                uint64_t key;
                bool symlink;

                /* The file alone, by its key: a name registered on the way to it would be taken
                 * for a path's directory, whose entries guard_dir_entry_guarded() leaves alone,
                 * not for a drop-in directory below a sealed one. */
                if (n < 3 || !streq(de->d_name + n - 2, ".d") ||
                    (size_t) snprintf(path, sizeof(path), "%s%s/%s/" ENV_DROPIN, root, dir, de->d_name) >= sizeof(path) ||
                    name_key(set, path, &key, &symlink) < 0)
                        continue;
                r = key_add(set, key);
                if (r >= 0)
                        r = key_add(set->not_pid1, key);
        }
        return r;
}

static int add_reserved_name(KeySet *set, const char *root, const char *path);

/* Where PID 1's generators write units (systemd's unit search path: generator.early comes before
 * /etc/systemd/system, generator.late last). PID 1 reads a unit's file there when the unit is
 * first asked for, no daemon-reload needed (a confined root's /run/systemd/generator/ssh.service
 * ran su in a unit the policies let PID 1 move into a login session), and at each daemon-reload
 * removes the directories, makes them anew and runs the generators, which write there from its
 * cgroup. Each is sealed with its subdirectories for confined tasks, and its name reserved in
 * /run/systemd as a directory PID 1 makes (GUARD_RESERVED_PID1_DIR, without GUARD_FILE_UNIT:
 * PID 1 removes what is in it): the directory made anew is guarded at once, through its name
 * (guard_dir_entry_guarded()'s grandparent), before the daemon's next round. */
static const char *const generator_output_dirs[] = {
        "/run/systemd/generator.early", "/run/systemd/generator", "/run/systemd/generator.late",
};

static int add_generator_output(KeySet *set, KeySet *sealed_below, KeySet *generator_names, const char *root) {
        KeySet *reserved = set->reserved;
        int r = 0;

        set->reserved = generator_names; /* a missing one's name too */
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(generator_output_dirs); i++) {
                set->budget = HELPER_NAMES_MAX;
                r = add_config_dir(set, sealed_below, root, generator_output_dirs[i], 0);
                if (r >= 0)
                        r = add_reserved_name(set, root, generator_output_dirs[i]);
        }
        set->reserved = reserved;
        return r;
}

/* The unit directories PID 1 writes itself: a transient unit's file, the drop-ins of
 * systemctl set-property. Only there may PID 1 make or remove a file (guard_pid1_unit_dir_key();
 * elsewhere it would do so only for an asker). */
static bool is_pid1_unit_dir(const char *dir) {
        return streq(dir, "/etc/systemd/system.control") || streq(dir, "/run/systemd/system.control") ||
               streq(dir, "/run/systemd/transient");
}

static int add_unit_files(KeySet *set, KeySet *sealed, KeySet *sealed_below, KeySet *unit_dir_marks, UnitKeys *u,
                          const char *root) {
        char unit[NAME_MAX + 1], path[PATH_MAX];
        uint64_t key;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(generator_dirs); i++) {
                set->budget = HELPER_NAMES_MAX;
                r = add_config_dir(set, sealed, root, generator_dirs[i], 0);
        }
        /* The name of this package's drop-ins, wherever one is made in a guarded place: one in a
         * directory that comes first (/run/systemd/system/getty@.service.d) takes the vendor's
         * place (a socket unit's Symlinks= there; a review found it). */
        if (r >= 0)
                r = add_unit_name_anywhere(u, ENV_DROPIN, strlen(ENV_DROPIN));
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(manager_config_dirs); i++) {
                set->budget = HELPER_NAMES_MAX;
                r = add_config_dir(set, sealed, root, manager_config_dirs[i], SEALED_DIR_ENTRIES_MAX);
        }
        if (r >= 0) {
                /* Refused to PID 1 too: a socket unit's Symlinks= there with RemoveOnStop=yes had
                 * PID 1 unlink it and link a confined root's file (a review found it). */
                set->budget = HELPER_NAMES_MAX;
                set->running = true;
                r = add_names(set, root, "/etc/systemd/system.conf", 0);
                set->running = false;
        }
        own_service_unit(unit);
        if (r >= 0 && unit[0])
                r = add_unit_dirs_named(set, u, root, NULL, unit);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(unit_dirs); i++) {
                /* Each name refused to PID 1 too, there or not (those PID 1 makes itself are made
                 * first: make_pid1_dirs()): a socket unit's Symlinks= at a missing one, or at one
                 * a unit's RuntimeDirectory= had PID 1 remove, put a confined root's directory in
                 * the unit search path (a review found it). */
                set->budget = HELPER_NAMES_MAX;
                r = add_config_dir(set, sealed_below, root, unit_dirs[i], 0);
                if (r >= 0 && (size_t) snprintf(path, sizeof(path), "%s%s", root, unit_dirs[i]) < sizeof(path) &&
                    dir_key(set, path, &key) == 0) {
                        r = key_add(unit_dir_marks, guard_unit_dir_key(key));
                        if (r >= 0 && is_pid1_unit_dir(unit_dirs[i]))
                                r = key_add(unit_dir_marks, guard_pid1_unit_dir_key(key));
                }
                if (r >= 0) {
                        KeySet *reserved = set->reserved;

                        set->reserved = &u->reserved;
                        r = add_reserved_name(set, root, unit_dirs[i]);
                        set->reserved = reserved;
                }
                if (r >= 0)
                        r = add_env_dropins(set, root, unit_dirs[i]);
                if (r < 0 || !unit[0])
                        continue;
                if ((size_t) snprintf(path, sizeof(path), "%s/%s", unit_dirs[i], unit) < sizeof(path))
                        r = add_unit_name(set, u, set->reserving, root, path);
                if (r >= 0)
                        r = add_unit_dirs_named(set, u, root, unit_dirs[i], unit);
                if (r >= 0)
                        r = add_unit_links(set, u, root, unit_dirs[i], unit);
        }
        return r;
}

/* The key of PID 1's root directory (0 where it cannot be read). */
static uint64_t pid1_root_key(const KeySet *set, const char *root) {
        char full[PATH_MAX];
        bool symlink;
        uint64_t key;

        snprintf(full, sizeof(full), "%s/", root);
        return name_key(set, full, &key, &symlink) < 0 ? 0 : key;
}

#define DELETED_LEN ((ptrdiff_t) sizeof(" (deleted)") - 1)

/* The files a process maps executable (its /proc/PID/maps): their keys as the kernel has them,
 * and the names of their paths below root. */
static int add_mapped_files(KeySet *set, const char *maps_path, const char *root) {
        _cleanup_(fclosep) FILE *maps = proc_fopen_path(maps_path);
        char line[PATH_MAX + 128];
        int r = 0;

        if (!maps)
                return -errno;
        while (r >= 0 && fgets(line, sizeof(line), maps)) {
                unsigned maj, min;
                unsigned long long ino;
                char perms[8];
                int path_at = 0;
                char *path, *end;
                bool deleted;

                if (sscanf(line, "%*x-%*x %7s %*x %x:%x %llu %n", perms, &maj, &min, &ino, &path_at) < 4 || !ino ||
                    perms[2] != 'x')
                        continue;
                path = line + path_at;
                end = path + strcspn(path, "\n");
                *end = '\0';
                /* Replaced (a package upgrade): what its name holds now is what the next start runs,
                 * its names walked like any other's (the guard's binary is named nowhere else, a
                 * review found; PID 1's libsystemd-shared neither). The old inode keeps its key,
                 * refused to confined tasks alone: once it is freed its number is another file's,
                 * maybe one PID 1 writes (a timer's stamp). */
                deleted = end - path > DELETED_LEN && streq(end - DELETED_LEN, " (deleted)");
                if (deleted)
                        end[-DELETED_LEN] = '\0';
                r = key_add(set, guard_file_key(((uint64_t) maj << 20) | min, ino));
                if (r >= 0 && set->running && !deleted)
                        r = key_add(set->not_pid1, guard_file_key(((uint64_t) maj << 20) | min, ino));
                if (r >= 0 && path_at > 0 && path[0] == '/')
                        r = add_names(set, root, path, 0);
        }
        return r;
}

/* The programs PID 1 may exec, exactly (struct guard_pid1_exec_key). */
typedef struct ExecSet {
        struct guard_pid1_exec_key *keys;
        size_t n;
} ExecSet;

/* The exact key of the file open as fd (its superblock's device from the mounts set knows). */
static int exec_add_fd(const KeySet *set, ExecSet *exec, int fd) {
        struct guard_pid1_exec_key key = { .gen = GUARD_PID1_EXEC_ANY_GEN };
        struct statx stx;
        int gen;

        if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_MNT_ID, &stx) < 0)
                return -errno;
        if (!S_ISREG(stx.stx_mode))
                return 0;
        key.dev = ((uint64_t) stx.stx_dev_major << 20) | stx.stx_dev_minor;
        for (size_t i = 0; (stx.stx_mask & STATX_MNT_ID) && i < set->n_mounts; i++)
                if (set->mounts[2 * i] == stx.stx_mnt_id)
                        key.dev = set->mounts[2 * i + 1];
        key.ino = stx.stx_ino;
        if (ioctl(fd, FS_IOC_GETVERSION, &gen) == 0)
                key.gen = (uint32_t) gen;
        for (size_t i = 0; i < exec->n; i++)
                if (memcmp(&exec->keys[i], &key, sizeof(key)) == 0)
                        return 0;
        if (exec->n >= GUARD_PID1_EXEC_MAX)
                return 0;
        if (exec->n % 8 == 0) {
                struct guard_pid1_exec_key *keys = realloc(exec->keys, (exec->n + 8) * sizeof(*keys));

                if (!keys)
                        return -ENOMEM;
                exec->keys = keys;
        }
        exec->keys[exec->n++] = key;
        return 0;
}

/* One program PID 1 may exec: the names of its path below root (a missing one reserved), and the
 * file the path reaches into exec. */
static int add_pid1_executable(KeySet *set, ExecSet *exec, const char *root, const char *path) {
        _cleanup_(closep) int fd = -EBADF;
        int r;

        set->final_key = 0;
        set->budget = HELPER_NAMES_MAX;
        r = add_names(set, root, path, 0);
        if (r < 0 || !set->final_key)
                return r;
        fd = open(set->final_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        return fd < 0 ? 0 : exec_add_fd(set, exec, fd);
}

/* What PID 1 runs now (/proc/1/exe: its file, even replaced since) and may exec after a refused
 * switch of its root: that path again (its re-exec), systemd-shutdown beside it, /sbin/init
 * (systemd's fallback). Returns 1 when PID 1's own file is among them (0: it could not be read,
 * and nothing may be refused to PID 1). */
static int add_pid1_executables(KeySet *set, ExecSet *exec, const char *root) {
        _cleanup_(closep) int fd = open("/proc/1/exe", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        char exe[PATH_MAX], sibling[PATH_MAX];
        bool known = false;
        ssize_t n;
        int r;

        if (fd >= 0) {
                r = exec_add_fd(set, exec, fd);
                if (r < 0)
                        return r;
                known = exec->n > 0;
        }
        n = readlink("/proc/1/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
                const char *slash;

                exe[n] = '\0';
                if (n > 10 && streq(exe + n - 10, " (deleted)"))
                        exe[n - 10] = '\0';
                r = add_pid1_executable(set, exec, root, exe);
                if (r < 0)
                        return r;
                slash = strrchr(exe, '/');
                if (slash && streq(slash, "/systemd") &&
                    (size_t) snprintf(sibling, sizeof(sibling), "%.*s/systemd-shutdown", (int) (slash - exe), exe) < sizeof(sibling)) {
                        r = add_pid1_executable(set, exec, root, sibling);
                        if (r < 0)
                                return r;
                }
        }
        r = add_pid1_executable(set, exec, root, "/sbin/init");
        return r < 0 ? r : known;
}

/* A name that is to stay what it is, whatever inode it holds: its names below root as add_names()
 * finds them, and its own name reserved in its directory whether it exists or not. A socket the
 * daemon sends to by its path (journald's, the bus's, PID 1's notify socket): whoever binds one
 * there anew (PID 1 restarting a socket unit) makes a new inode, which no key names until the
 * next registration; a reserved name is refused to confined tasks whatever inode it holds
 * (created, removed, renamed over or away, mounted over), so a confined root cannot put its own
 * socket there (a review found both). */
static void own_service_unit(char unit[static NAME_MAX + 1]);

/* path's name reserved in its directory, and the names on the way to that directory, but no key of
 * what is there now: one PID 1 removes and its children make again (GUARD_RESERVED_PID1_DIR). */
static int add_reserved_name(KeySet *set, const char *root, const char *path) {
        char dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        uint64_t key = 0;
        int r;

        if (path[0] != '/' || !slash || slash == path || !slash[1] || (size_t) (slash - path) >= sizeof(dir) ||
            strlen(slash + 1) > GUARD_RESERVED_NAME_MAX)
                return 0;
        snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
        r = add_names(set, root, dir, 0);
        if (r < 0)
                return r;
        if ((size_t) snprintf(dir, sizeof(dir), "%s%.*s", root, (int) (slash - path), path) >= sizeof(dir) ||
            dir_key(set, dir, &key) < 0)
                return 0;
        return reserve_name(set, key, slash + 1, strlen(slash + 1));
}

static int add_reserved_path(KeySet *set, const char *root, const char *path) {
        char dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        uint64_t key = 0;
        int r;

        if (path[0] != '/' || !slash || !slash[1] || (size_t) (slash - path) >= sizeof(dir))
                return 0;
        r = add_names(set, root, path, 0);
        if (r < 0)
                return r;
        if ((size_t) snprintf(dir, sizeof(dir), "%s%.*s", root, (int) (slash - path), path) >= sizeof(dir))
                return 0;
        if (dir_key(set, dir[0] ? dir : "/", &key) < 0 || strlen(slash + 1) > GUARD_RESERVED_NAME_MAX)
                return 0; /* its directory is missing: add_names() reserved the first missing name */
        return reserve_name(set, key, slash + 1, strlen(slash + 1));
}

/* What PID 1's child makes a unit's namespace of (systemd's namespace.c), for the guard's next
 * start as for every sandboxed unit's: systemd's own names in /run/systemd, which nothing else
 * makes, removes or mounts on. One missing or of another type failed that start (226/NAMESPACE),
 * and since each mount target is looked up through symlinks, one turned into a symlink chose
 * what the start covers: /run/systemd/incoming pointed at the libraries' directory had the unit's
 * propagation directory, anyone's to write, bound over them in the guard's namespace (a review
 * found it). Each reserved where PID 1 sees it, whether it is there or not. PID1_DIR: units'
 * children make it where it is missing (a directory: GUARD_RESERVED_PID1_DIR), reserved by name
 * only (no key of its inode: PID 1 may remove it); PLACE: a place (below), since user managers'
 * children mount on it too; NOT_PID1: PID 1 makes it at its start and never removes it, but would
 * for anyone who asked (RuntimeDirectory=systemd/inaccessible, removed at that unit's stop):
 * refused to PID 1 too, as the guard's unit's names are (GUARD_FILE_UNIT). */
enum { STRICT, PID1_DIR, PLACE, NOT_PID1 };
static const struct {
        const char *path;
        int kind;
} unit_namespace_names[] = {
        { "/run/systemd/unit-root", PLACE },           /* the new root (systemd 252; user managers' too) */
        { "/run/systemd/mount-rootfs", PLACE },        /* the same, systemd 257 */
        { "/run/systemd/incoming", PID1_DIR },         /* systemctl bind's target in every unit */
        { "/run/systemd/propagate", PID1_DIR },        /* what is bound there (propagate/UNIT) */
        { "/run/systemd/inaccessible/dir", NOT_PID1 }, /* ProtectHome=, InaccessiblePaths= */
        { "/run/systemd/inaccessible/reg", NOT_PID1 },
        { "/run/systemd/inaccessible/chr", NOT_PID1 }, /* /proc/kmsg (ProtectKernelLogs=) */
        { "/run/systemd/inaccessible/blk", NOT_PID1 },
        { "/run/systemd/inaccessible/fifo", NOT_PID1 },
        { "/run/systemd/inaccessible/sock", NOT_PID1 },
        { "/run/systemd/journal/stdout", STRICT },     /* the unit's standard output (PID 1 binds it anew) */
};

/* The places a unit's namespace mounts on or copies from (ProtectHome=, PrivateDevices=,
 * ProtectKernelModules=, ReadWritePaths=, TemporaryFileSystem=): moved away or made symlinks (a
 * missing one created as one too), they lead the mount elsewhere (/root -> /sys/fs/bpf: the
 * guard's restart would find no pins; a dangling node-exporter failed it), and a missing
 * /dev/null fails the start. Unlike systemd's own names they are written, mounted on (mount
 * units on /home, a sandbox's tmpfs on /tmp, snap-confine's binds) and unmounted by everyone, so
 * only their names are guarded, and those of the directories on the way
 * (GUARD_RESERVED_PLACE). */
static const char *const unit_namespace_places[] = {
        "/tmp", "/var/tmp", "/home", "/root", "/run/user", "/run/credentials", "/usr/lib/modules", "/lib/modules",
        "/var/lib/prometheus/node-exporter",
        "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx", "/dev/pts",
        "/dev/shm",
};

/* What units' children make at their first use (/run/user, /run/credentials), made now where PID
 * 1 sees them, as systemd makes them (0755, whatever our umask), so that their names can be
 * guarded without refusing that use. Each step refuses a symlink. */
static void make_unit_runtime_dirs(void) {
        static const char *const dirs[] = { "user", "credentials" };
        _cleanup_(closep) int run = open("/proc/1/root/run", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (run < 0 || faccessat(run, "systemd", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                return; /* PID 1 is not systemd, or cannot be seen */
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_(closep) int fd = -EBADF;

                if (mkdirat(run, dirs[i], 0755) < 0) {
                        if (errno != EEXIST)
                                log_debug("Cannot make /run/%s: %m", dirs[i]);
                        continue;
                }
                fd = openat(run, dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        (void) fchmod(fd, 0755);
        }
}

/* The directories PID 1 makes itself when it first needs them (systemctl set-property, a
 * transient unit, a runtime enablement; /run/systemd/units at each start), made now where PID 1
 * sees them, so that their names can be refused to PID 1 itself: where one was missing, or
 * removed by PID 1 as a unit's RuntimeDirectory=, a socket unit's Symlinks= had PID 1 link a
 * confined root's directory there, first in the unit search path (a review found it). */
static void make_pid1_dirs(void) {
        static const struct {
                const char *top, *name;
        } dirs[] = {
                { "run", "units" }, { "run", "transient" }, { "run", "system.control" }, { "etc", "system.control" },
        };

        /* Only where PID 1 is systemd (sd_booted()'s test, as PID 1 sees it). */
        if (access("/proc/1/root/run/systemd/system/", F_OK) < 0)
                return;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_(closep) int top = -EBADF, systemd = -EBADF, fd = -EBADF;
                char path[32];

                snprintf(path, sizeof(path), "/proc/1/root/%s", dirs[i].top);
                top = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (top >= 0)
                        systemd = openat(top, "systemd", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (systemd < 0)
                        continue; /* PID 1 is not systemd, or cannot be seen */
                if (mkdirat(systemd, dirs[i].name, 0755) < 0) {
                        if (errno != EEXIST)
                                log_debug("Cannot make /%s/systemd/%s: %m", dirs[i].top, dirs[i].name);
                        continue;
                }
                fd = openat(systemd, dirs[i].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd >= 0)
                        (void) fchmod(fd, 0755);
        }
}

/* A place (unit_namespace_places[]): each name of its path reserved in its directory as PID 1
 * sees it (below root), a place's (guard_place_key(), into places; the directory into
 * place_dirs), existing or not. A symlink on the way is reserved as it is and not followed: where
 * it leads may be a tree of a root elsewhere's, mounted on a directory on the way (/var). */
static int add_place(const KeySet *set, KeySet *places, KeySet *place_dirs, const char *root, const char *path) {
        char full[PATH_MAX];
        size_t len = strlen(path);
        uint64_t dir = 0;

        if (path[0] != '/' || (size_t) snprintf(full, sizeof(full), "%s/", root) >= sizeof(full) ||
            dir_key(set, full, &dir) < 0)
                return 0;
        for (size_t i = 1, start = 1; i <= len; i++) {
                uint64_t key, hash = GUARD_NAME_HASH_INIT;
                bool symlink;
                int r;

                if (path[i] != '/' && path[i] != '\0')
                        continue;
                if (i == start) { /* "//" */
                        start = i + 1;
                        continue;
                }
                if (i - start > GUARD_RESERVED_NAME_MAX) {
                        log_debug("Cannot reserve %.*s: a name longer than %d characters.", (int) i, path, GUARD_RESERVED_NAME_MAX);
                        return 0;
                }
                for (size_t c = start; c < i; c++)
                        hash = guard_name_hash_step(hash, (unsigned char) path[c]);
                r = key_add(places, guard_place_key(dir, hash));
                if (r >= 0)
                        r = key_add(place_dirs, dir);
                if (r < 0)
                        return r;
                if ((size_t) snprintf(full, sizeof(full), "%s%.*s", root, (int) i, path) >= sizeof(full) ||
                    name_key(set, full, &key, &symlink) < 0 || symlink)
                        return 0; /* missing, or a symlink: its name is reserved, nothing follows */
                /* The next name's directory as its entries have it: a mount's root where one is on it. */
                if (i < len && dir_key(set, full, &dir) < 0)
                        return 0;
                start = i + 1;
        }
        return 0;
}

/* The guard's unit's own propagation directory (bound at /run/systemd/incoming), removed by PID
 * 1 at each stop and made by its child at each start (a reservation of its own: PID 1's children
 * may make a directory there, GUARD_RESERVED_PID1_DIR); anything else there failed the next start
 * (226/NAMESPACE). */
static int add_unit_runtime_names(KeySet *set, KeySet *pid1_dirs, const char *root) {
        char unit[NAME_MAX + 1], path[PATH_MAX];
        KeySet *reserved = set->reserved;
        int r;

        own_service_unit(unit);
        if (!unit[0] || (size_t) snprintf(path, sizeof(path), "/run/systemd/propagate/%s", unit) >= sizeof(path))
                return 0;
        set->budget = HELPER_NAMES_MAX;
        set->reserved = pid1_dirs;
        r = add_reserved_name(set, root, path);
        set->reserved = reserved;
        return r;
}

int guard_files_collect(char *const *extra, char *const *helpers, GuardFiles *ret) {
        size_t allocated_mounts = 0;
        const char *helper_root;
        KeySet set = { .budget = SIZE_MAX }, sealed = {}, sealed_below = {}, reserved = {}, reserving = {}, places = {}, place_dirs = {}, pid1_dirs = {}, not_pid1 = {}, sealed_pid1 = {},
               unit_dir_marks = {}, trusted_names = {}, devices = {}, generator_names = {};
        UnitKeys unit = {};
        ExecSet pid1_exec = {};
        uint64_t root_key = 0;
        bool pid1_exec_known = false;
        int r;

        r = read_mounts(&set, "/proc/self/mountinfo", &allocated_mounts);
        set.not_pid1 = &not_pid1;
        set.devices = &devices;
        set.running = true;
        if (r >= 0)
                r = add_mapped_files(&set, "/proc/self/maps", "");
        if (r >= 0)
                r = dl_iterate_phdr(add_loaded_name, &set);
        /* The usermode helpers run in PID 1's mount namespace, with its root (kernel threads share
         * it): their names as PID 1 sees them, mounts made there since we started included (our
         * own namespace is a private copy). Where /proc/1/root cannot be read, our view. */
        helper_root = access("/proc/1/root/", X_OK) == 0 && read_mounts(&set, "/proc/1/mountinfo", &allocated_mounts) >= 0 ?
                              "/proc/1/root" : "";
        /* PID 1's code, as it sees it: what it maps executable (its binary, libsystemd-shared,
         * ld.so), which its next re-exec loads (systemctl daemon-reexec, which any root may ask
         * for), and the programs it may exec. */
        if (r >= 0) {
                set.budget = HELPER_NAMES_MAX * 4;
                r = add_mapped_files(&set, "/proc/1/maps", helper_root);
                if (r == -ENOENT || r == -EACCES)
                        r = 0; /* no PID 1 to see (a pid namespace of our own) */
        }
        /* From here on a missing name is reserved: a missing /sbin/init (no systemd-sysv) may not
         * be created by a confined task, for PID 1 to exec. Refused to PID 1 too (where they are
         * the guard's unit's: GUARD_FILE_UNIT), which made them for anyone who asked: a socket
         * unit's Symlinks=/sbin/request-key had PID 1 link a confined root's script where the
         * kernel runs one as root in the root cgroup (keyutils not installed; a review found it);
         * the sockets the daemon sends to are PID 1's to bind again. */
        set.reserving = &reserving;
        set.running = false;
        set.reserved = &reserved;
        for (size_t i = 0; r >= 0 && extra && extra[i]; i++) {
                set.budget = HELPER_NAMES_MAX;
                r = add_reserved_path(&set, "", extra[i]);
        }
        set.reserved = &unit.reserved;
        set.running = true;
        if (r >= 0) {
                r = add_pid1_executables(&set, &pid1_exec, helper_root);
                pid1_exec_known = r > 0;
        }
        for (size_t i = 0; r >= 0 && helpers && helpers[i]; i++) {
                set.budget = HELPER_NAMES_MAX;
                r = add_names(&set, helper_root, helpers[i], 0);
        }
        /* What allow rules trust by executable: whatever the trusted cgroup runs there next (PID
         * 1 restarting logind for any root that asks) moves tasks with the rule's power, so a
         * confined root's file renamed or written there, or made at a missing one's name, was
         * trusted at once (the daemon follows the path; a review found it). As PID 1 sees the
         * path, which is where it execs them. */
        for (char **e = guard_trusted_executables; r >= 0 && e && *e; e++) {
                set.budget = HELPER_NAMES_MAX;
                r = add_names(&set, helper_root, *e, 0);
        }
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(child_config_files); i++) {
                set.budget = HELPER_NAMES_MAX;
                r = add_names(&set, helper_root, child_config_files[i], 0);
        }
        set.running = false;
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(unit_namespace_names); i++) {
                set.budget = HELPER_NAMES_MAX;
                switch (unit_namespace_names[i].kind) {
                case PID1_DIR:
                        set.reserved = &pid1_dirs;
                        r = add_reserved_name(&set, helper_root, unit_namespace_names[i].path);
                        break;
                case PLACE:
                        r = add_place(&set, &places, &place_dirs, helper_root, unit_namespace_names[i].path);
                        break;
                default:
                        set.reserved = unit_namespace_names[i].kind == NOT_PID1 ? &unit.reserved : &reserved;
                        r = add_reserved_path(&set, helper_root, unit_namespace_names[i].path);
                }
                set.reserved = &unit.reserved;
        }
        if (r >= 0)
                r = add_unit_runtime_names(&set, &pid1_dirs, helper_root);
        if (r >= 0) {
                make_unit_runtime_dirs();
                make_pid1_dirs();
        }
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(unit_namespace_places); i++)
                r = add_place(&set, &places, &place_dirs, helper_root, unit_namespace_places[i]);
        /* Made above where missing (PID 1 makes it at each re-exec, and froze where refused; a
         * review found it); its name refused to PID 1 too, whether there or not: removed as a
         * unit's RuntimeDirectory=, a socket unit's Symlinks= put a confined root's there. */
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(pid1_state_dirs); i++) {
                set.budget = HELPER_NAMES_MAX;
                r = add_config_dir(&set, &sealed_pid1, helper_root, pid1_state_dirs[i], 0);
                if (r >= 0)
                        r = add_reserved_name(&set, helper_root, pid1_state_dirs[i]);
        }
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(sealed_config_dirs); i++) {
                set.budget = HELPER_NAMES_MAX;
                r = add_config_dir(&set, &sealed, helper_root, sealed_config_dirs[i], SEALED_DIR_ENTRIES_MAX);
        }
        if (r >= 0)
                r = add_unit_files(&set, &sealed, &sealed_below, &unit_dir_marks, &unit, helper_root);
        if (r >= 0)
                r = add_generator_output(&set, &sealed_below, &generator_names, helper_root);
        for (size_t i = 0; r >= 0 && guard_config_dirs[i]; i++) {
                set.budget = HELPER_NAMES_MAX;
                r = add_config_dir(&set, &sealed, "", guard_config_dirs[i], SEALED_DIR_ENTRIES_MAX);
        }
        if (r >= 0)
                r = add_trusted_names(&trusted_names);
        if (r >= 0)
                root_key = pid1_root_key(&set, helper_root);
        free(set.mounts);
        if (r < 0) {
                free(set.keys);
                free(sealed.keys);
                free(sealed_below.keys);
                free(reserved.keys);
                free(reserving.keys);
                free(unit.names.keys);
                free(unit.sealed.keys);
                free(unit.reserved.keys);
                free(pid1_exec.keys);
                free(places.keys);
                free(place_dirs.keys);
                free(pid1_dirs.keys);
                free(not_pid1.keys);
                free(sealed_pid1.keys);
                free(unit_dir_marks.keys);
                free(trusted_names.keys);
                free(devices.keys);
                free(generator_names.keys);
                return r;
        }
        *ret = (GuardFiles) { .keys = set.keys, .n = set.n, .sealed = sealed.keys, .n_sealed = sealed.n,
                              .reserved = reserved.keys, .n_reserved = reserved.n,
                              .reserving = reserving.keys, .n_reserving = reserving.n,
                              .sealed_below = sealed_below.keys, .n_sealed_below = sealed_below.n,
                              .unit = unit.names.keys, .n_unit = unit.names.n,
                              .unit_sealed = unit.sealed.keys, .n_unit_sealed = unit.sealed.n,
                              .unit_reserved = unit.reserved.keys, .n_unit_reserved = unit.reserved.n,
                              .places = places.keys, .n_places = places.n,
                              .place_dirs = place_dirs.keys, .n_place_dirs = place_dirs.n,
                              .pid1_dirs = pid1_dirs.keys, .n_pid1_dirs = pid1_dirs.n,
                              .generator_names = generator_names.keys, .n_generator_names = generator_names.n,
                              .not_pid1 = not_pid1.keys, .n_not_pid1 = not_pid1.n,
                              .sealed_pid1 = sealed_pid1.keys, .n_sealed_pid1 = sealed_pid1.n,
                              .unit_dir_marks = unit_dir_marks.keys, .n_unit_dir_marks = unit_dir_marks.n,
                              .trusted_names = trusted_names.keys, .n_trusted_names = trusted_names.n,
                              .pid1_exec = pid1_exec.keys, .n_pid1_exec = pid1_exec.n, .pid1_exec_known = pid1_exec_known,
                              .root_key = root_key, .devices = devices.keys, .n_devices = devices.n };
        return 0;
}

void guard_files_done(GuardFiles *f) {
        free(f->keys);
        free(f->sealed);
        free(f->sealed_below);
        free(f->reserved);
        free(f->reserving);
        free(f->unit);
        free(f->unit_sealed);
        free(f->unit_reserved);
        free(f->pid1_exec);
        free(f->places);
        free(f->place_dirs);
        free(f->pid1_dirs);
        free(f->generator_names);
        free(f->not_pid1);
        free(f->sealed_pid1);
        free(f->unit_dir_marks);
        free(f->trusted_names);
        free(f->devices);
        *f = (GuardFiles) {};
}
