/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard-maps.h"

/* The guard_objects keys (GUARD_OBJ_FILE, guard_file_key()) of the files this process runs and
 * of the names on the way to them; of the names of each path in extra (NULL-terminated, or NULL:
 * none; e.g. the system bus's socket, whose callers the guard tells apart by it), as this process
 * sees them; and of each path in helpers (the same) as PID 1 sees them (the usermode helpers'
 * programs, which the kernel runs in PID 1's mount namespace); and of modprobe's configuration
 * directories (modprobe.d), PAM's and the guard's own (set_guard_config_dirs()), their entries,
 * and the directories themselves as sealed; systemd's unit and generator directories, sealed, and
 * the guard's own unit in them (GUARD_FILE_UNIT); and PID 1's
 * code (what it maps executable) and the programs it may exec, as it sees them. */
typedef struct GuardFiles {
        uint64_t *keys;         /* files and names: not to be written, renamed or mounted over */
        size_t n;
        uint64_t *sealed;       /* directories to take no new entry (a helper's configuration) */
        size_t n_sealed;
        uint64_t *reserved;     /* names not to be created (guard_reserved_key(): a missing helper) */
        size_t n_reserved;
        uint64_t *reserving;    /* the directories those are in (GUARD_FILE_RESERVES) */
        size_t n_reserving;
        uint64_t *sealed_below; /* directories sealed, their subdirectories too (systemd's unit directories) */
        size_t n_sealed_below;
        uint64_t *unit;         /* the guard's own unit's files and enablement links (GUARD_FILE_UNIT) */
        size_t n_unit;
        uint64_t *unit_sealed;  /* its drop-in directories */
        size_t n_unit_sealed;
        uint64_t *unit_reserved; /* its names where there is none, and anywhere (GUARD_UNIT_NAMES_DIR) */
        size_t n_unit_reserved;
        uint64_t *places;       /* names reserved as places units' namespaces are made of (GUARD_RESERVED_PLACE) */
        size_t n_places;
        uint64_t *place_dirs;   /* the directories they are in (GUARD_FILE_RESERVES alone) */
        size_t n_place_dirs;
        uint64_t *pid1_dirs;    /* names reserved where PID 1's children make a directory (GUARD_RESERVED_PID1_DIR) */
        size_t n_pid1_dirs;
        uint64_t *generator_names; /* the generators' output directories' names in /run/systemd: PID 1
                                    * makes and removes them, what is in them is guarded (GUARD_RESERVED_PID1_DIR) */
        size_t n_generator_names;
        uint64_t *not_pid1;     /* of keys, the files the guard and PID 1 run and symlinks on the way:
                                 * refused to PID 1 too (GUARD_FILE_UNIT; a unit's PIDFile=) */
        size_t n_not_pid1;
        uint64_t *sealed_pid1;  /* directories to take no new entry but PID 1's (/run/systemd/units) */
        size_t n_sealed_pid1;
        uint64_t *unit_dir_marks; /* guard_unit_dir_key() of the unit directories, guard_pid1_unit_dir_key()
                                   * of those PID 1 writes itself */
        size_t n_unit_dir_marks;
        uint64_t *trusted_names; /* drop-in directory names of the services the policy trusts by name
                                  * (GUARD_TRUSTED_NAMES_DIR, GUARD_TRUSTED_TEMPLATES_DIR) */
        size_t n_trusted_names;
        struct guard_pid1_exec_key *pid1_exec; /* the files PID 1 may exec after a refused switch of root */
        size_t n_pid1_exec;
        bool pid1_exec_known;   /* PID 1's own file is among them (else nothing is refused to its exec) */
        uint64_t root_key;      /* PID 1's root directory (GUARD_FILE_ROOT); 0: unknown */
        uint64_t *devices;      /* the file systems (kernel dev_t) the keys above were found on (GUARD_OBJ_FILE_DEV) */
        size_t n_devices;
} GuardFiles;

int guard_files_collect(char *const *extra, char *const *helpers, GuardFiles *ret);

/* Makes the directories systemd-nspawn makes in /run/systemd/nspawn (sealed by
 * guard_files_collect()) where PID 1 sees them, if PID 1 is systemd. */
void make_nspawn_runtime_dirs(void);

/* The guard's own configuration directories, sealed as modprobe.d is (guard_files_collect()):
 * policy_dir (relative: to the current directory) and the directory disable_file is in. -ENOMEM. */
int set_guard_config_dirs(const char *policy_dir, const char *disable_file);

/* The services the policy trusts by name ("getty@.service", "ssh.service": policy_named_units()),
 * whose drop-in directories PID 1 may not make in the unit directories it writes itself
 * (guard_files_collect(): GuardFiles.trusted_names). Takes the list (NULL-terminated, NULL: none). */
void set_guard_trusted_units(char **units);
/* The executables allow rules trust (policy_trusted_executables()), guarded as the usermode
 * helpers' programs are, a missing one's name reserved. Takes the list (NULL: none). */
void set_guard_trusted_executables(char **paths);
void guard_files_done(GuardFiles *f);

/* How a usermode helper setting names its program (usermode_helper_program()). */
typedef enum HelperSyntax {
        HELPER_SYNTAX_PATH,     /* the whole value: kernel.modprobe, kernel.hotplug */
        HELPER_SYNTAX_ARGV,     /* the first word: kernel.poweroff_cmd */
        HELPER_SYNTAX_PIPE,     /* the first word after "|": kernel.core_pattern */
} HelperSyntax;

/* The program a usermode helper setting's value names, as an absolute path to free; NULL with
 * errno ENOENT when it names none, ENOMEM. */
char *usermode_helper_program(const char *setting, HelperSyntax syntax);

/* The programs the kernel runs as usermode helpers on this machine, as the settings name them
 * now (kernel.modprobe, kernel.core_pattern, kernel.hotplug, kernel.poweroff_cmd) and by their
 * fixed names (/sbin/reboot, /sbin/request-key, /sbin/bridge-stp): paths filled from the first
 * slot on, the rest NULL. -ENOMEM (nothing left to free). */
#define USERMODE_HELPERS_MAX 7
int usermode_helper_programs(char *paths[static USERMODE_HELPERS_MAX]);
void usermode_helper_programs_free(char *paths[static USERMODE_HELPERS_MAX]);
