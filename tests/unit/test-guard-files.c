/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The files the guard runs (src/daemon/guard-files.c), as this test program runs them: its binary
 * and every library mapped executable by the device and inode the kernel shows, the directories
 * of their paths and the symlinks the loader followed to its interpreter; nothing else. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "guard-files.h"
#include "guard-maps.h"
#include "macro.h"
#include "policy-compile.h"

static GuardFiles files;
static uint64_t *keys;
static size_t n_keys;

static int collect(void **state) {
        int r;

        (void) state;
        r = guard_files_collect(NULL, NULL, &files);
        keys = files.keys;
        n_keys = files.n;
        return r;
}

static int release(void **state) {
        (void) state;
        guard_files_done(&files);
        return 0;
}

static bool has_key(uint64_t key) {
        for (size_t i = 0; i < n_keys; i++)
                if (keys[i] == key)
                        return true;
        return false;
}

static bool has_device(uint64_t dev) {
        for (size_t i = 0; i < files.n_devices; i++)
                if (files.devices[i] == dev)
                        return true;
        return false;
}

static bool has_name(const char *path) {
        struct stat st;

        assert_int_equal(lstat(path, &st), 0);
        return has_key(guard_file_key(kernel_dev(st.st_dev), st.st_ino));
}

/* Every executable file mapping, as /proc/self/maps shows it; the binary and libc among them. */
static void test_mappings(void **state) {
        _cleanup_(fclosep) FILE *maps = fopen("/proc/self/maps", "re");
        char line[PATH_MAX + 128], exe[PATH_MAX];
        bool saw_exe = false, saw_libc = false;
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        (void) state;
        assert_non_null(maps);
        assert_true(n > 0);
        exe[n] = '\0';
        while (fgets(line, sizeof(line), maps)) {
                char perms[8], path[PATH_MAX] = "";
                unsigned maj, min;
                unsigned long long ino;

                if (sscanf(line, "%*x-%*x %7s %*x %x:%x %llu %4095s", perms, &maj, &min, &ino, path) < 4 || !ino)
                        continue;
                if (perms[2] != 'x')
                        continue;
                assert_true(has_key(guard_file_key(((uint64_t) maj << 20) | min, ino)));
                /* Its device among those a freed inode's key may go on (GUARD_OBJ_FILE_DEV). */
                assert_true(has_device(((uint64_t) maj << 20) | min));
                saw_exe = saw_exe || streq(path, exe);
                saw_libc = saw_libc || strstr(path, "/libc.so");
        }
        assert_true(saw_exe);
        assert_true(saw_libc);
}

/* The names on the way: the binary's directories, and the interpreter's name as the loader had
 * it (/lib64/ld-linux-x86-64.so.2: the symlinks /lib64 and the file's link on Debian). */
static void test_names(void **state) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

        (void) state;
        assert_true(n > 0);
        exe[n] = '\0';
        assert_true(has_name(exe));
        for (char *slash; (slash = strrchr(exe, '/')) && slash != exe;) {
                *slash = '\0';
                assert_true(has_name(exe));
        }
        if (access("/lib64/ld-linux-x86-64.so.2", F_OK) == 0) {
                assert_true(has_name("/lib64"));
                assert_true(has_name("/lib64/ld-linux-x86-64.so.2"));
        }
}

/* Nothing else: a file of our own, a file in /etc. */
static void test_nothing_else(void **state) {
        char path[] = "/tmp/test-guard-files-XXXXXX";
        int fd = mkstemp(path);

        (void) state;
        assert_true(fd >= 0);
        assert_false(has_name(path));
        unlink(path);
        close(fd);
        assert_false(has_name("/etc/passwd"));
}

/* What PID 1 may exec: the file it runs (what /proc/1/exe leads to) among them when it can be
 * read, and it says so (pid1_exec_known, the guard's condition for refusing any other); nothing
 * where it cannot (the kernel then refuses PID 1 no exec). */
static bool in_pid1_exec(const struct stat *st) {
        for (size_t i = 0; i < files.n_pid1_exec; i++)
                if (files.pid1_exec[i].dev == kernel_dev(st->st_dev) && files.pid1_exec[i].ino == st->st_ino)
                        return true;
        return false;
}

static void test_pid1_executables(void **state) {
        struct stat st, self;

        (void) state;
        if (stat("/proc/1/exe", &st) < 0) {
                assert_false(files.pid1_exec_known);
                return;
        }
        assert_true(files.pid1_exec_known);
        assert_true(in_pid1_exec(&st));
        assert_true(has_key(guard_file_key(kernel_dev(st.st_dev), st.st_ino)));
        assert_int_equal(stat("/proc/self/exe", &self), 0);
        if (self.st_ino != st.st_ino || self.st_dev != st.st_dev)
                assert_false(in_pid1_exec(&self));
        assert_true(files.n_pid1_exec <= GUARD_PID1_EXEC_MAX);
}

/* One kind apart: no other object's key has bit 63. */
static void test_key_kind(void **state) {
        (void) state;
        assert_true(guard_file_key(0, 0) & GUARD_OBJ_FILE);
        assert_true(guard_file_key(UINT32_MAX, UINT64_MAX) & GUARD_OBJ_FILE);
        assert_int_not_equal(guard_file_key(kernel_dev(makedev(8, 1)), 12), guard_file_key(kernel_dev(makedev(8, 1)), 13));
        assert_int_not_equal(guard_file_key(kernel_dev(makedev(8, 1)), 12), guard_file_key(kernel_dev(makedev(8, 2)), 12));
        assert_false((GUARD_OBJ_NS | UINT32_MAX) & GUARD_OBJ_FILE);
}

/* The program a usermode helper setting names, as the kernel runs it. */
static void check_program(const char *setting, HelperSyntax syntax, const char *want) {
        _cleanup_(freep) char *got = usermode_helper_program(setting, syntax);

        if (!want) {
                assert_null(got);
                assert_int_equal(errno, ENOENT);
        } else {
                assert_non_null(got);
                assert_string_equal(got, want);
        }
}

static void test_helper_programs(void **state) {
        (void) state;
        check_program("/sbin/modprobe\n", HELPER_SYNTAX_PATH, "/sbin/modprobe");
        check_program("/opt/my helpers/modprobe\n", HELPER_SYNTAX_PATH, "/opt/my helpers/modprobe");
        check_program("\n", HELPER_SYNTAX_PATH, NULL);
        check_program("", HELPER_SYNTAX_PATH, NULL);
        check_program("|/usr/lib/systemd/systemd-coredump %P %u %g %s %t 9223372036854775808 %h\n", HELPER_SYNTAX_PIPE,
                      "/usr/lib/systemd/systemd-coredump");
        check_program("| /usr/share/apport/apport -p%p\n", HELPER_SYNTAX_PIPE, "/usr/share/apport/apport");
        check_program("|\t/usr/bin/helper\t%p\n", HELPER_SYNTAX_PIPE, "/usr/bin/helper");
        check_program("core\n", HELPER_SYNTAX_PIPE, NULL);
        check_program("/var/crash/core.%p\n", HELPER_SYNTAX_PIPE, NULL);
        check_program("|\n", HELPER_SYNTAX_PIPE, NULL);
        check_program("|usr/bin/helper %p\n", HELPER_SYNTAX_PIPE, "/usr/bin/helper");
        check_program("/sbin/poweroff\n", HELPER_SYNTAX_ARGV, "/sbin/poweroff");
        check_program("  /sbin/poweroff -f\n", HELPER_SYNTAX_ARGV, "/sbin/poweroff");
}

/* This machine's: the fixed names always, whatever the settings name. */
static void test_helper_programs_here(void **state) {
        char *paths[USERMODE_HELPERS_MAX];
        bool reboot = false, request_key = false;

        (void) state;
        assert_int_equal(usermode_helper_programs(paths), 0);
        for (size_t i = 0; i < USERMODE_HELPERS_MAX && paths[i]; i++) {
                assert_true(paths[i][0] == '/');
                reboot = reboot || streq(paths[i], "/sbin/reboot");
                request_key = request_key || streq(paths[i], "/sbin/request-key");
        }
        assert_true(reboot);
        assert_true(request_key);
        usermode_helper_programs_free(paths);
        for (size_t i = 0; i < USERMODE_HELPERS_MAX; i++)
                assert_null(paths[i]);
}

/* A helper's path through a symlinked directory: the link, and the directories the kernel walks
 * on from its target (/sbin/modprobe: /usr/sbin too, which a rename would otherwise replace). */
static void test_symlinked_directory(void **state) {
        char base[] = "/tmp/test-guard-files-dir-XXXXXX", path[PATH_MAX], helper[PATH_MAX];
        char *helpers[] = { helper, NULL };
        _cleanup_(guard_files_done) GuardFiles got = {};
        uint64_t *set;
        size_t n;
        struct stat st;
        bool has_real = false, has_dir = false, has_file = false, has_link = false;
        uint64_t real_key, dir_key, file_key, link_key;

        (void) state;
        assert_non_null(mkdtemp(base));
        snprintf(path, sizeof(path), "%s/real", base);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/real/sbin", base);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/real/sbin/helper", base);
        assert_int_equal(close(creat(path, 0755)), 0);
        snprintf(path, sizeof(path), "%s/link", base);
        assert_int_equal(symlink("real/sbin", path), 0);
        snprintf(helper, sizeof(helper), "%s/link/helper", base);

        assert_int_equal(guard_files_collect(NULL, helpers, &got), 0);
        set = got.keys;
        n = got.n;
#define KEY_OF(p) (assert_int_equal(lstat(p, &st), 0), guard_file_key(kernel_dev(st.st_dev), st.st_ino))
        snprintf(path, sizeof(path), "%s/real", base);
        real_key = KEY_OF(path);
        snprintf(path, sizeof(path), "%s/real/sbin", base);
        dir_key = KEY_OF(path);
        snprintf(path, sizeof(path), "%s/real/sbin/helper", base);
        file_key = KEY_OF(path);
        snprintf(path, sizeof(path), "%s/link", base);
        link_key = KEY_OF(path);
#undef KEY_OF
        for (size_t i = 0; i < n; i++) {
                has_real = has_real || set[i] == real_key;
                has_dir = has_dir || set[i] == dir_key;
                has_file = has_file || set[i] == file_key;
                has_link = has_link || set[i] == link_key;
        }
        assert_true(has_link);
        assert_true(has_real);
        assert_true(has_dir);
        assert_true(has_file);

        snprintf(path, sizeof(path), "%s/link", base);
        unlink(path);
        snprintf(path, sizeof(path), "%s/real/sbin/helper", base);
        unlink(path);
        snprintf(path, sizeof(path), "%s/real/sbin", base);
        rmdir(path);
        snprintf(path, sizeof(path), "%s/real", base);
        rmdir(path);
        rmdir(base);
}

/* A helper that is not installed: its name reserved in the directory where its path stops. And
 * a helper's path through a deep tree adds at most 128 names (guard_objects cannot be filled). */
static bool has_sealed(const GuardFiles *f, const char *path) {
        struct stat st;
        uint64_t key;

        assert_int_equal(lstat(path, &st), 0);
        key = guard_file_key(kernel_dev(st.st_dev), st.st_ino);
        for (size_t i = 0; i < f->n_sealed; i++)
                if (f->sealed[i] == key)
                        return true;
        return false;
}

/* The guard's own configuration (set_guard_config_dirs()): the policy directory, absolute or
 * relative to the current one, and the disable flag's directory, sealed; a policy file's name
 * among the names. */
static void test_config_dirs(void **state) {
        char dir[] = "/tmp/test-guard-cfg-XXXXXX", policies[PATH_MAX], file[PATH_MAX + 16], flag[PATH_MAX], cwd[PATH_MAX];
        GuardFiles got = {};

        (void) state;
        assert_non_null(mkdtemp(dir));
        snprintf(policies, sizeof(policies), "%s/policies.d", dir);
        snprintf(file, sizeof(file), "%s/10-x.json", policies);
        snprintf(flag, sizeof(flag), "%s/disable", dir);
        assert_int_equal(mkdir(policies, 0755), 0);
        assert_int_equal(close(open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);

        assert_int_equal(set_guard_config_dirs(policies, flag), 0);
        assert_int_equal(guard_files_collect(NULL, NULL, &got), 0);
        assert_true(has_sealed(&got, policies));
        assert_true(has_sealed(&got, dir));
        keys = got.keys;
        n_keys = got.n;
        assert_true(has_name(file));
        guard_files_done(&got);

        assert_non_null(getcwd(cwd, sizeof(cwd)));
        assert_int_equal(chdir(dir), 0);
        assert_int_equal(set_guard_config_dirs("policies.d", flag), 0);
        assert_int_equal(chdir(cwd), 0);
        assert_int_equal(guard_files_collect(NULL, NULL, &got), 0);
        assert_true(has_sealed(&got, policies));
        guard_files_done(&got);

        assert_int_equal(set_guard_config_dirs("/nonexistent-cgg/policies.d", "/nonexistent-cgg/disable"), 0);
        keys = files.keys;
        n_keys = files.n;
        unlink(file);
        rmdir(policies);
        rmdir(dir);
}

/* The key of name reserved in the directory dir (a key, as guard_file_key() makes them). */
static uint64_t reserved_key(uint64_t dir, const char *name, size_t len) {
        uint64_t hash = GUARD_NAME_HASH_INIT;

        for (size_t i = 0; i < len; i++)
                hash = guard_name_hash_step(hash, (unsigned char) name[i]);
        return guard_reserved_key(dir, hash);
}

static bool in_keys(const uint64_t *set, size_t n, uint64_t key) {
        for (size_t i = 0; i < n; i++)
                if (set[i] == key)
                        return true;
        return false;
}

/* The generators' output directories' names in /run/systemd: reserved as PID 1's to make and
 * remove, never as the guard's unit's (GUARD_FILE_UNIT there refused PID 1 its daemon-reload:
 * it could not make the directories again). */
static void test_generator_output(void **state) {
        static const char *const names[] = { "generator.early", "generator", "generator.late" };
        const char *run_systemd = access("/proc/1/root/", X_OK) == 0 ? "/proc/1/root/run/systemd" : "/run/systemd";
        struct stat st;

        (void) state;
        if (stat(run_systemd, &st) < 0 || !S_ISDIR(st.st_mode))
                skip(); /* no systemd here */
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                uint64_t key = reserved_key(guard_file_key(kernel_dev(st.st_dev), st.st_ino), names[i], strlen(names[i]));

                assert_true(in_keys(files.generator_names, files.n_generator_names, key));
                assert_false(in_keys(files.unit_reserved, files.n_unit_reserved, key));
                assert_false(in_keys(files.pid1_dirs, files.n_pid1_dirs, key));
                assert_false(in_keys(files.reserved, files.n_reserved, key));
        }
}

static void test_reserved_and_bounded(void **state) {
        char base[] = "/tmp/test-guard-files-res-XXXXXX", path[PATH_MAX * 2], helper[PATH_MAX];
        char *helpers[] = { helper, NULL };
        _cleanup_(guard_files_done) GuardFiles own = {}, got = {};
        uint64_t dir_key, hash = GUARD_NAME_HASH_INIT, want;
        struct stat st;
        bool reserved = false, reserving = false;
        size_t depth = 0;

        (void) state;
        assert_non_null(mkdtemp(base));
        snprintf(helper, sizeof(helper), "%s/missing-helper", base);
        assert_int_equal(guard_files_collect(NULL, NULL, &own), 0);
        assert_int_equal(guard_files_collect(NULL, helpers, &got), 0);
        assert_int_equal(lstat(base, &st), 0);
        dir_key = guard_file_key(kernel_dev(st.st_dev), st.st_ino);
        for (const char *c = "missing-helper"; *c; c++)
                hash = guard_name_hash_step(hash, (unsigned char) *c);
        want = guard_reserved_key(dir_key, hash);
        /* Refused to PID 1 too (GUARD_FILE_UNIT): a socket unit's Symlinks= there. */
        for (size_t i = 0; i < got.n_unit_reserved; i++)
                reserved = reserved || got.unit_reserved[i] == want;
        for (size_t i = 0; i < got.n_reserved; i++)
                assert_false(got.reserved[i] == want);
        for (size_t i = 0; i < got.n_reserving; i++)
                reserving = reserving || got.reserving[i] == dir_key;
        assert_true(reserved);
        assert_true(reserving);
        guard_files_done(&got);

        /* A helper that exists, named through a symlink: the file and the symlink are refused to
         * PID 1 too (a unit's PIDFile= there), the directory is not (mount units). */
        {
                char target[PATH_MAX], link[PATH_MAX];
                uint64_t target_key, link_key;
                bool has_target = false, has_link = false, has_dir = false;
                int fd;

                assert_true((size_t) snprintf(target, sizeof(target), "%s/helper-file", base) < sizeof(target));
                assert_true((size_t) snprintf(link, sizeof(link), "%s/helper-link", base) < sizeof(link));
                fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
                assert_true(fd >= 0);
                close(fd);
                assert_int_equal(symlink("helper-file", link), 0);
                memcpy(helper, link, sizeof(link));
                assert_int_equal(guard_files_collect(NULL, helpers, &got), 0);
                assert_int_equal(lstat(target, &st), 0);
                target_key = guard_file_key(kernel_dev(st.st_dev), st.st_ino);
                assert_int_equal(lstat(link, &st), 0);
                link_key = guard_file_key(kernel_dev(st.st_dev), st.st_ino);
                for (size_t i = 0; i < got.n_not_pid1; i++) {
                        has_target = has_target || got.not_pid1[i] == target_key;
                        has_link = has_link || got.not_pid1[i] == link_key;
                        has_dir = has_dir || got.not_pid1[i] == dir_key;
                }
                assert_true(has_target);
                assert_true(has_link);
                assert_false(has_dir);
                guard_files_done(&got);
                unlink(link);
                unlink(target);
        }

        /* 300 directories deep, the helper at the bottom. */
        snprintf(path, sizeof(path), "%s", base);
        for (depth = 0; depth < 300 && strlen(path) + 3 < PATH_MAX - 32; depth++) {
                strcat(path, "/d");
                assert_int_equal(mkdir(path, 0755), 0);
        }
        assert_true(depth > 200);
        snprintf(helper, sizeof(helper), "%s/helper", path);
        assert_int_equal(guard_files_collect(NULL, helpers, &got), 0);
        assert_true(got.n <= own.n + 128);
        for (; depth > 0; depth--) {
                rmdir(path);
                *strrchr(path, '/') = '\0';
        }
        rmdir(base);
}

static bool has_trusted(const GuardFiles *f, uint64_t key) {
        for (size_t i = 0; i < f->n_trusted_names; i++)
                if (f->trusted_names[i] == key)
                        return true;
        return false;
}

/* The drop-in directory names of the services the policy trusts by name: their own, their
 * templates' prefixes, their dashed prefixes' and every service's; nothing for others. */
static void test_trusted_names(void **state) {
        char **units = calloc(4, sizeof(char *));
        GuardFiles got = {};

        (void) state;
        assert_non_null(units);
        units[0] = strdup("serial-getty@.service");
        units[1] = strdup("ssh.service");
        set_guard_trusted_units(units);
        assert_int_equal(guard_files_collect(NULL, NULL, &got), 0);
        assert_true(has_trusted(&got, reserved_key(GUARD_TRUSTED_NAMES_DIR, "serial-getty@.service.d", 23)));
        assert_true(has_trusted(&got, reserved_key(GUARD_TRUSTED_TEMPLATES_DIR, "serial-getty@", 13)));
        assert_true(has_trusted(&got, reserved_key(GUARD_TRUSTED_NAMES_DIR, "serial-.service.d", 17)));
        assert_true(has_trusted(&got, reserved_key(GUARD_TRUSTED_NAMES_DIR, "ssh.service.d", 13)));
        assert_true(has_trusted(&got, reserved_key(GUARD_TRUSTED_NAMES_DIR, "ssh.service", 11)));
        assert_false(has_trusted(&got, reserved_key(GUARD_TRUSTED_NAMES_DIR, "serial-getty@.service", 21)));
        assert_true(has_trusted(&got, reserved_key(GUARD_TRUSTED_NAMES_DIR, "service.d", 9)));
        assert_false(has_trusted(&got, reserved_key(GUARD_TRUSTED_TEMPLATES_DIR, "ssh", 3)));
        assert_false(has_trusted(&got, reserved_key(GUARD_TRUSTED_NAMES_DIR, "cron.service.d", 14)));
        assert_int_equal(got.n_trusted_names, 6);
        guard_files_done(&got);
        set_guard_trusted_units(NULL);
}

/* The executables allow rules trust: the file (refused to PID 1 too, as the helpers' are) and the
 * names on its way; a missing one's name reserved in its directory, refused to PID 1 too. */
static void test_trusted_executables(void **state) {
        char base[] = "/tmp/test-guard-files-exe-XXXXXX", present[PATH_MAX], missing[PATH_MAX];
        char **exes = calloc(3, sizeof(char *));
        _cleanup_(guard_files_done) GuardFiles got = {};
        uint64_t file_key, want;
        struct stat st;
        int fd;

        (void) state;
        assert_non_null(exes);
        assert_non_null(mkdtemp(base));
        snprintf(present, sizeof(present), "%s/trusted", base);
        snprintf(missing, sizeof(missing), "%s/absent", base);
        fd = open(present, O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
        assert_true(fd >= 0);
        close(fd);
        exes[0] = strdup(present);
        exes[1] = strdup(missing);
        set_guard_trusted_executables(exes);
        assert_int_equal(guard_files_collect(NULL, NULL, &got), 0);
        assert_int_equal(lstat(present, &st), 0);
        file_key = guard_file_key(kernel_dev(st.st_dev), st.st_ino);
        assert_int_equal(lstat(base, &st), 0);
        want = reserved_key(guard_file_key(kernel_dev(st.st_dev), st.st_ino), "absent", strlen("absent"));
        assert_true(in_keys(got.keys, got.n, file_key));
        assert_true(in_keys(got.not_pid1, got.n_not_pid1, file_key));
        assert_true(in_keys(got.unit_reserved, got.n_unit_reserved, want));
        set_guard_trusted_executables(NULL);
        guard_files_done(&got);
        assert_int_equal(guard_files_collect(NULL, NULL, &got), 0);
        assert_false(in_keys(got.keys, got.n, file_key));
        assert_int_equal(unlink(present), 0);
        assert_int_equal(rmdir(base), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mappings),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_nothing_else),
                cmocka_unit_test(test_key_kind),
                cmocka_unit_test(test_pid1_executables),
                cmocka_unit_test(test_helper_programs),
                cmocka_unit_test(test_helper_programs_here),
                cmocka_unit_test(test_symlinked_directory),
                cmocka_unit_test(test_reserved_and_bounded),
                cmocka_unit_test(test_config_dirs),
                cmocka_unit_test(test_generator_output),
                cmocka_unit_test(test_trusted_names),
                cmocka_unit_test(test_trusted_executables),
        };

        return cmocka_run_group_tests(tests, collect, release);
}
