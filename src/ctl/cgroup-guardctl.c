/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup-guardctl: the admin's front end to cgroup-guardd over D-Bus. Every error is one line, and
 * the exit status says what happened (see EXIT_* below and cgroup-guardctl(1)). */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-path.h"
#include "cgroupfs.h"
#include "config.h"
#include "log.h"
#include "macro.h"
#include "exit-status.h"
#include "guard-peer.h"
#include "pager.h"
#include "record-journal.h"
#include "record-verbs.h"
#include "policy-check.h"
#include "string-util.h"
#include "table.h"

/* The journal's denial entries (src/daemon/event-format.h, units/cgroup-guard.catalog). */
#define GUARD_MESSAGE_DENIAL "e8540ee91e3f4008a0c051b6c2107e76"

/* Calls go to the name's owner once it proved to be the guard (guard-peer.h). */
#define BUS_NAME guard_peer_destination()
#define BUS_PATH "/org/cgroupguard/Guard1"
#define BUS_INTERFACE "org.cgroupguard.Guard1.Manager"

typedef enum JsonMode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
} JsonMode;

static JsonMode arg_json = JSON_OFF;
static bool arg_no_pager = false;
static bool arg_legend = true;
static unsigned arg_lines = 10;
static bool arg_lines_set = false;
static bool arg_follow = false;
static uint32_t arg_pid = 0, arg_actor = 0, arg_target_pid = 0;
static const char *arg_to = NULL, *arg_type = NULL;
static RecordOptions arg_record = { .until = UINT64_MAX };
static bool arg_record_options = false;
static char *arg_protect[65];      /* NULL-terminated */
static size_t arg_n_protect = 0;
static const char *arg_bpffs_dir = BPFFS_DIR_DEFAULT;
/* The verb, for messages such as "mode needs root". */
static const char *arg_verb = NULL;

static void help(void) {
        printf("%sUsage:%s cgroup-guardctl [OPTIONS...] COMMAND [ARGS...]\n\n"
               "Query and control cgroup-guardd, the cgroup migration and namespace guard.\n\n"
               "%sCommands:%s\n"
               "  status                      Backend, guarantees, mode, policy, counters\n"
               "  rules                       List the rules in force\n"
               "  explain migration [--actor PID] --pid PID --to CGROUP\n"
               "                              May ACTOR (default: PID itself) move PID to CGROUP?\n"
               "  explain setns --pid PID --type TYPE --target-pid PID\n"
               "                              May PID join the TYPE namespace of TARGET-PID?\n"
               "  denials [-n N] [--follow]   Recent denials since the daemon started\n"
               "  reload                      Re-read the policy directory (root)\n"
               "  mode enforce|audit|policy   Force every rule into a mode, or back to the files' (root)\n"
               "  thaw CGROUP                 Release a cgroup frozen by a deny+freeze rule (root)\n"
               "  unload                      Detach everything and stop the daemon (root)\n"
               "  record on|off|policy        Record every operation seen, for learn and replay, or\n"
               "                              not, or as the policy files say (root)\n"
               "  check [DIR]                 Validate a policy directory (default: %s)\n"
               "  learn [--since T] [--until T] [--journal-dir DIR] [--protect PATH]...\n"
               "                              Print a policy allowing what the guard recorded\n"
               "  replay DIR [--since T] [--until T] [--journal-dir DIR]\n"
               "                              What would the policy in DIR have denied or audited?\n"
               "  metrics                     The guard's metrics in the Prometheus text format\n"
               "  show CGROUP                 The rules in force for CGROUP and its counts, from the kernel\n\n"
               "%sOptions:%s\n"
               "  -h --help                   Show this help\n"
               "     --version                Show the version\n"
               "     --no-pager               Do not pipe output into a pager\n"
               "     --no-legend              Do not print the column headers and footers\n"
               "     --json=pretty|short|off  Print JSON (plain --json: short, one line per object)\n"
               "     --pid=PID                explain: the task\n"
               "     --actor=PID              explain migration: the process doing the move\n"
               "     --to=CGROUP              explain migration: the destination, as policies spell it\n"
               "     --type=TYPE              explain setns: mnt uts ipc net pid user cgroup time\n"
               "     --target-pid=PID         explain setns: the process whose namespace is joined\n"
               "  -n --lines=N                denials: how many (default: 10)\n"
               "  -f --follow                 denials: wait for new ones\n"
               "     --since=T --until=T      learn, replay: recorded operations in this range (@SECONDS,\n"
               "                              now, -2h, YYYY-MM-DD[ HH:MM[:SS]])\n"
               "     --journal-dir=DIR        learn, replay: journal files in DIR (many hosts' journals)\n"
               "     --protect=PATH           learn: govern this subtree (repeatable; default: every\n"
               "                              top-level cgroup seen)\n"
               "     --bpffs-dir=DIR          status, metrics, show: where the pins are\n\n"
               "Exit status: 0 success (explain: allowed), 1 failure (explain: denied),\n"
               "2 explain: audited, 3 invalid arguments, 4 needs root, 5 cgroup-guardd not reachable;\n"
               "replay: 1 something would be denied; learn, replay: 6 no recorded operations, 7 records of\n"
               "a newer format, 8 (replay) the candidate policy is invalid.\n"
               "See the cgroup-guardctl(1) man page for details.\n",
               ansi(ANSI_BOLD), ansi(ANSI_NORMAL), ansi(ANSI_BOLD), ansi(ANSI_NORMAL), POLICY_DIR_DEFAULT,
               ansi(ANSI_BOLD), ansi(ANSI_NORMAL));
}

/* Text from the daemon carries names chosen by the processes it reports on (cgroups, executables,
 * comm): none of their control characters reaches the terminal. A new string, NULL without memory. */
static char *terminal_safe(const char *s) {
        return str_escape(s ?: "", ESCAPE_CONTROL);
}

/* "       LABEL: VALUE", the status layout, VALUE made terminal-safe and coloured. */
static void print_field(const char *label, const char *color, const char *value) {
        _cleanup_(freep) char *safe = terminal_safe(value);

        printf("%12s: %s%s%s\n", label, color ? ansi(color) : "", safe ?: "(out of memory)", color ? ansi(ANSI_NORMAL) : "");
}

static bool bus_error_is_access_denied(const sd_bus_error *error, int r) {
        /* The daemon's own check and dbus-daemon's bus policy ("Rejected send message, 1 matched
         * rules; type=...") both arrive as AccessDenied. A bus error is judged by its name only:
         * sd-bus maps the generic Failed to EACCES too. */
        if (sd_bus_error_is_set(error))
                return sd_bus_error_has_name(error, SD_BUS_ERROR_ACCESS_DENIED) ||
                       (error->message && strstr(error->message, "Rejected send message"));
        return r == -EACCES || r == -EPERM;
}

static bool bus_error_is_unreachable(const sd_bus_error *error, int r) {
        if (sd_bus_error_is_set(error))
                return sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                              SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT,
                                              SD_BUS_ERROR_DISCONNECTED, SD_BUS_ERROR_NO_SERVER);
        return r == -ECONNREFUSED || r == -ENOENT || r == -ETIMEDOUT || r == -ECONNRESET || r == -ENOTCONN ||
               r == -EHOSTDOWN;
}

/* One line for a failed bus call, and the exit status that says what kind of failure it was:
 * failure is the status for errors that are neither a refusal nor an absent daemon. */
static int bus_error_exit(const sd_bus_error *error, int r, const char *what, int failure) {
        _cleanup_(freep) char *message = terminal_safe(error && error->message ? error->message : strerror(-r));

        if (bus_error_is_access_denied(error, r)) {
                log_error("%s needs root (Access denied)", arg_verb);
                return EXIT_NEEDS_ROOT;
        }
        if (bus_error_is_unreachable(error, r)) {
                log_error("%s: cgroup-guardd is not reachable (%s)", what, message);
                return EXIT_UNREACHABLE;
        }
        if (sd_bus_error_has_name(error, SD_BUS_ERROR_INVALID_ARGS))
                failure = EXIT_INVALID;
        log_error("%s: %s", what, message);
        return failure;
}

static int connect_bus(sd_bus **ret) {
        int r = guard_peer_open_bus(ret);

        if (r < 0) {
                log_error_errno(r, "Cannot connect to the system bus: %m");
                return EXIT_UNREACHABLE;
        }
        return 0;
}

static int get_string(sd_bus *bus, const char *property, char **ret, sd_bus_error *error) {
        return sd_bus_get_property_string(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, property, error, ret);
}

/* A property of a basic type ('t', 'u', ...) into *ret. */
static int get_basic(sd_bus *bus, const char *property, char type, void *ret, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char signature[2] = { type, 0 };
        int r = sd_bus_get_property(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, property, error, &reply, signature);

        if (r < 0)
                return r;
        return sd_bus_message_read_basic(reply, type, ret);
}

static int get_strv(sd_bus *bus, const char *property, char ***ret, sd_bus_error *error) {
        return sd_bus_get_property_strv(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, property, error, ret);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

static void json_print(json_object *o) {
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

        flags |= arg_json == JSON_PRETTY ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN;
        puts(json_object_to_json_string_ext(o, flags));
}

static json_object *json_strv(char **l) {
        json_object *a = json_object_new_array();

        for (char **s = l; a && s && *s; s++)
                json_object_array_add(a, json_object_new_string(*s));
        return a;
}

/* With the daemon not running, the pins still say what is enforced. Only cgroup-guardd may open
 * them (tamper protection lets its executable through, no other), so it reads them: the same
 * binary the unit runs ($CGROUP_GUARDD overrides, for a build tree). */
static int run_daemon_reading_pins(const char *option) {
        const char *guardd = getenv("CGROUP_GUARDD") ?: GUARDD_PATH;

        fflush(stdout);
        pager_close();
        execl(guardd, guardd, option, "--bpffs-dir", arg_bpffs_dir, (char *) NULL);
        log_error_errno(errno, "cgroup-guardd is not running, and %s cannot be run to read the pins: %m", guardd);
        return EXIT_UNREACHABLE;
}

static int cmd_metrics(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *text;
        int r;

        r = guard_peer_open_bus(&bus);
        if (r >= 0)
                r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "GetMetrics", &error, &reply, "");
        if (r < 0 && (!sd_bus_error_is_set(&error) || bus_error_is_unreachable(&error, r))) {
                sd_bus_error_free(&error);
                return run_daemon_reading_pins("--metrics");
        }
        if (r >= 0)
                r = sd_bus_message_read(reply, "s", &text);
        if (r < 0) {
                r = bus_error_exit(&error, r, "Cannot read the metrics", EXIT_DENIED);
                sd_bus_error_free(&error);
                return r;
        }
        fputs(text, stdout);
        return 0;
}

static int check_cgroup_argument(const char *option, const char *path, const char *mount);

/* The kernel's own view of one cgroup, from the pinned cgroup iterator's program run over it
 * (cgroup-guardd(8), CGROUP STATE): only the guard's executable may use that program, so
 * cgroup-guardd --show-cgroup does it. Works with the daemon stopped; root. */
static int cmd_show(const char *cgroup) {
        _cleanup_(freep) char *mount = NULL;
        const char *guardd = getenv("CGROUP_GUARDD") ?: GUARDD_PATH;
        int r;

        r = cgroup2_find_mount(&mount);
        if (r < 0)
                return log_error_errno(r, "Cannot find the cgroup2 mount: %m"), EXIT_DENIED;
        r = check_cgroup_argument("", cgroup, mount);
        if (r != 0)
                return r;
        if (arg_json != JSON_OFF)
                return log_error("show has no JSON output."), EXIT_INVALID;
        fflush(stdout);
        execl(guardd, guardd, "--show-cgroup", cgroup, "--bpffs-dir", arg_bpffs_dir, (char *) NULL);
        log_error_errno(errno, "show runs %s, which cannot be run: %m", guardd);
        return EXIT_UNREACHABLE;
}

static int cmd_status(sd_bus *bus) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(freep) char *backend = NULL, *mode = NULL, *last_error = NULL;
        char **guarantees = NULL, **missing = NULL, **files = NULL;
        uint64_t generation = 0, denials = 0, audits = 0, lost = 0;
        uint32_t map_size = 0, map_entries = 0;
        int recording = 0;
        bool prevents;
        int r;

        /* Older daemons have no Recording: not recording. */
        (void) get_basic(bus, "Recording", 'b', &recording, NULL);
        if ((r = get_string(bus, "Backend", &backend, &error)) < 0 ||
            (r = get_string(bus, "Mode", &mode, &error)) < 0 ||
            (r = get_string(bus, "LastPolicyError", &last_error, &error)) < 0 ||
            (r = get_basic(bus, "PolicyGeneration", 't', &generation, &error)) < 0 ||
            (r = get_basic(bus, "Denials", 't', &denials, &error)) < 0 ||
            (r = get_basic(bus, "Audits", 't', &audits, &error)) < 0 ||
            (r = get_basic(bus, "LostEvents", 't', &lost, &error)) < 0 ||
            (r = get_basic(bus, "PolicyMapSize", 'u', &map_size, &error)) < 0 ||
            (r = get_basic(bus, "PolicyMapEntries", 'u', &map_entries, &error)) < 0 ||
            (r = get_strv(bus, "Guarantees", &guarantees, &error)) < 0 ||
            (r = get_strv(bus, "MissingGuarantees", &missing, &error)) < 0 ||
            (r = get_strv(bus, "PolicyFiles", &files, &error)) < 0) {
                if (arg_json == JSON_OFF && bus_error_is_unreachable(&error, r)) {
                        sd_bus_error_free(&error);
                        return run_daemon_reading_pins("--status");
                }
                r = bus_error_exit(&error, r, "Cannot read the guard's state", EXIT_DENIED);
                goto finish;
        }

        (void) pager_open(arg_no_pager);
        prevents = !streq(backend, "observe");
        if (arg_json != JSON_OFF) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();

                json_object_object_add(o, "backend", json_object_new_string(backend));
                json_object_object_add(o, "mode", json_object_new_string(mode));
                json_object_object_add(o, "recording", json_object_new_boolean(recording));
                json_object_object_add(o, "generation", json_object_new_uint64(generation));
                json_object_object_add(o, "denials", json_object_new_uint64(denials));
                json_object_object_add(o, "audits", json_object_new_uint64(audits));
                json_object_object_add(o, "lost_events", json_object_new_uint64(lost));
                json_object_object_add(o, "policy_map_entries", json_object_new_uint64(map_entries));
                json_object_object_add(o, "policy_map_size", json_object_new_uint64(map_size));
                json_object_object_add(o, "last_policy_error", json_object_new_string(last_error));
                json_object_object_add(o, "policy_files", json_strv(files));
                json_object_object_add(o, "guarantees", json_strv(guarantees));
                json_object_object_add(o, "missing_guarantees", json_strv(missing));
                json_print(o);
        } else {
                _cleanup_(freep) char *safe_backend = terminal_safe(backend);

                printf("%s●%s cgroup-guardd: %s backend, %s\n", ansi(prevents ? ANSI_GREEN : ANSI_YELLOW),
                       ansi(ANSI_NORMAL), safe_backend ?: "?", prevents ? "enforcing" : "NOT preventing (report and react)");
                print_field("Mode", NULL, mode);
                print_field("Recording", NULL, recording ? "on (every operation seen goes to the journal)" : "off");
                printf("      Policy: generation %" PRIu64 " (%" PRIu32 " of %" PRIu32 " map entries)\n", generation,
                       map_entries, map_size);
                for (char **f = files; f && *f; f++)
                        print_field("Files", NULL, *f);
                if (*last_error)
                        print_field("Last error", ANSI_RED, last_error);
                printf("    Counters: %" PRIu64 " %s, %" PRIu64 " audited, %" PRIu64 " lost events\n", denials,
                       prevents ? "denied" : "violations (not prevented)", audits, lost);
                for (char **g = guarantees; g && *g; g++)
                        print_field("Guarantee", NULL, *g);
                for (char **g = missing; g && *g; g++)
                        print_field("Missing", ANSI_YELLOW, *g);
        }
        r = 0;
finish:
        strv_free(guarantees);
        strv_free(missing);
        strv_free(files);
        sd_bus_error_free(&error);
        return r;
}

static int cmd_rules(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_object_putp) json_object *array = NULL;
        _cleanup_(table_freep) Table *table = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_get_property(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "Rules", &error, &reply, "a(ssss)");
        if (r < 0) {
                r = bus_error_exit(&error, r, "Cannot read the rules", EXIT_DENIED);
                sd_bus_error_free(&error);
                return r;
        }
        table = table_new(4, "RULE", "KIND", "SUBJECT", "TARGET");
        array = json_object_new_array();
        if (!table || !array)
                return log_oom(), EXIT_DENIED;
        r = sd_bus_message_enter_container(reply, 'a', "(ssss)");
        while (r >= 0) {
                const char *id, *kind, *subject, *target;

                r = sd_bus_message_read(reply, "(ssss)", &id, &kind, &subject, &target);
                if (r <= 0)
                        break;
                if (arg_json != JSON_OFF) {
                        json_object *o = json_object_new_object();

                        json_object_object_add(o, "rule", json_object_new_string(id));
                        json_object_object_add(o, "kind", json_object_new_string(kind));
                        json_object_object_add(o, "subject", json_object_new_string(subject));
                        json_object_object_add(o, "target", json_object_new_string(target));
                        json_object_array_add(array, o);
                } else if (table_add_row(table, id, kind, subject, target) < 0)
                        return log_oom(), EXIT_DENIED;
        }
        if (r < 0)
                return log_error_errno(r, "Bad reply: %m"), EXIT_DENIED;

        (void) pager_open(arg_no_pager);
        if (arg_json != JSON_OFF) {
                json_print(array);
                return 0;
        }
        if (table_rows(table) == 0) {
                if (arg_legend)
                        printf("No rules in force.\n");
                return 0;
        }
        table_print(table, arg_legend, stdout);
        if (arg_legend)
                printf("\n%zu rules listed.\n", table_rows(table));
        return 0;
}

static int parse_u32(const char *s, uint32_t *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || !*s || *s == '-' || v > UINT32_MAX)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* A cgroup as policies spell it; a filesystem path below the cgroup2 mount is a common slip,
 * answered with the path that was meant. Returns 0 or EXIT_INVALID (said). */
static int check_cgroup_argument(const char *option, const char *path, const char *mount) {
        const char *why, *rest = NULL;

        if (mount && !streq(mount, "/") && strneq(path, mount, strlen(mount)) &&
            (path[strlen(mount)] == '/' || path[strlen(mount)] == '\0'))
                rest = path + strlen(mount);
        else if (strneq(path, "/sys/fs/cgroup", strlen("/sys/fs/cgroup")) &&
                 (path[strlen("/sys/fs/cgroup")] == '/' || path[strlen("/sys/fs/cgroup")] == '\0'))
                rest = path + strlen("/sys/fs/cgroup");
        if (rest) {
                log_error("%s%s is a filesystem path; give the cgroup path relative to the cgroup2 mount%s%s: %s",
                          option, path, mount ? " " : "", mount ?: "", *rest ? rest : "/");
                return EXIT_INVALID;
        }
        why = cgroup_path_invalid_reason(path);
        if (why) {
                log_error("%sInvalid cgroup path \"%s\": %s.", option, path, why);
                return EXIT_INVALID;
        }
        return 0;
}

/* The daemon's answer: verdict "allow", "audit" or "deny", the deciding rule, a reason. */
static int print_verdict(sd_bus_message *reply) {
        const char *verdict, *rule, *reason, *word, *color;
        int r = sd_bus_message_read(reply, "sss", &verdict, &rule, &reason), status;

        if (r < 0)
                return log_error_errno(r, "Bad reply from cgroup-guardd: %m"), EXIT_INVALID;
        if (streq(verdict, "allow"))
                word = "allowed", color = ANSI_GREEN, status = EXIT_ALLOWED;
        else if (streq(verdict, "audit"))
                word = "audited", color = ANSI_YELLOW, status = EXIT_AUDITED;
        else if (streq(verdict, "deny"))
                word = "denied", color = ANSI_RED, status = EXIT_DENIED;
        else
                return log_error("Unknown verdict \"%s\" from cgroup-guardd.", verdict), EXIT_INVALID;

        if (arg_json != JSON_OFF) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();

                json_object_object_add(o, "verdict", json_object_new_string(verdict));
                json_object_object_add(o, "rule", json_object_new_string(rule));
                json_object_object_add(o, "reason", json_object_new_string(reason));
                json_print(o);
        } else {
                _cleanup_(freep) char *safe_rule = terminal_safe(rule), *safe_reason = terminal_safe(reason);

                if (!safe_rule || !safe_reason)
                        return log_oom(), EXIT_INVALID;
                printf("%s%s%s%s%s: %s\n", ansi(color), word, ansi(ANSI_NORMAL), *rule ? " by " : "", safe_rule,
                       safe_reason);
        }
        return status;
}

/* The question, checked before the daemon is asked. Returns 0 or an exit status (said). */
static int explain_check_arguments(const char *what) {
        _cleanup_(freep) char *mount = NULL, *dir = NULL;
        struct stat st;
        int r;

        if (streq(what, "setns")) {
                if (arg_actor)
                        return log_error("--actor belongs to explain migration."), EXIT_INVALID;
                if (arg_to)
                        return log_error("--to belongs to explain migration."), EXIT_INVALID;
                if (!arg_pid || !arg_type || !arg_target_pid)
                        return log_error("explain setns needs --pid, --type and --target-pid."), EXIT_INVALID;
                return 0;
        }
        if (!streq(what, "migration"))
                return log_error("explain takes \"migration\" or \"setns\"."), EXIT_INVALID;
        if (arg_type || arg_target_pid)
                return log_error("--type and --target-pid belong to explain setns."), EXIT_INVALID;
        if (!arg_pid || !arg_to)
                return log_error("explain migration needs --pid and --to."), EXIT_INVALID;
        (void) cgroup2_find_mount(&mount);
        r = check_cgroup_argument("--to: ", arg_to, mount);
        if (r != 0)
                return r;
        /* Policies may name cgroups before they exist, so the question is still answered. */
        if (mount && asprintf(&dir, "%s%s", mount, arg_to) >= 0 && stat(dir, &st) < 0 && errno == ENOENT)
                log_warning("Warning: cgroup %s does not exist (no %s); the answer is for when it does.", arg_to, dir);
        return 0;
}

static int cmd_explain(sd_bus *bus, const char *what) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (streq(what, "migration"))
                r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ExplainMove", &error, &reply, "uus",
                                       arg_actor ?: arg_pid, arg_pid, arg_to);
        else
                r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ExplainJoin", &error, &reply, "usu",
                                       arg_pid, arg_type, arg_target_pid);
        if (r < 0) {
                r = bus_error_exit(&error, r, "Cannot explain", EXIT_INVALID);
                sd_bus_error_free(&error);
                return r;
        }
        return print_verdict(reply);
}

static int call_simple(sd_bus *bus, const char *method, const char *signature, const char *arg, const char *what) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, method, &error, NULL, signature, arg);

        if (r < 0) {
                r = bus_error_exit(&error, r, what, EXIT_DENIED);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}

static void print_denial(uint64_t usec, const char *action, const char *kind, const char *rule, const char *policy,
                         const char *message) {
        time_t t = usec / USEC_PER_SEC;
        struct tm tm;
        char when[64];

        if (arg_json != JSON_OFF) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();

                json_object_object_add(o, "realtime_usec", json_object_new_uint64(usec));
                json_object_object_add(o, "action", json_object_new_string(action));
                json_object_object_add(o, "kind", json_object_new_string(kind));
                json_object_object_add(o, "rule", json_object_new_string(rule));
                json_object_object_add(o, "policy", json_object_new_string(policy));
                json_object_object_add(o, "message", json_object_new_string(message));
                json_print(o);
        } else {
                _cleanup_(freep) char *safe = terminal_safe(message);

                strftime(when, sizeof(when), "%b %d %H:%M:%S", localtime_r(&t, &tm));
                printf("%s %s%s%s\n", when, ansi(streq(action, "deny") ? ANSI_RED : ANSI_YELLOW), safe ?: "?",
                       ansi(ANSI_NORMAL));
        }
        fflush(stdout);
}

static int on_denied(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *action, *kind, *rule, *policy, *backend, *comm, *exe, *cgroup, *src, *dst, *ns, *message;
        uint64_t generation;
        uint32_t actor, task, inum;

        if (sd_bus_message_read(m, "sssstsusssusssus", &action, &kind, &rule, &policy, &generation, &backend, &actor,
                                &comm, &exe, &cgroup, &task, &src, &dst, &ns, &inum, &message) >= 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                print_denial(TIMESPEC_USEC(ts), action, kind, rule, policy, message);
        }
        return 0;
}

/* Denials from journal files (a fleet's, gathered by systemd-journal-remote), newest last: the
 * last N in the time range, each with the host it came from. */
static int cmd_denials_journal(const char *dir) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        unsigned n = 0, back = 0;
        uint64_t usage = 0;
        int r;

        if (arg_follow)
                return log_error("denials --follow reads the daemon, not journal files: drop --journal-dir."), EXIT_INVALID;
        r = sd_journal_open_directory(&j, dir, 0);
        if (r < 0)
                return log_error_errno(r, "Cannot open the journal files in %s: %m", dir), EXIT_INVALID;
        if (sd_journal_get_usage(j, &usage) >= 0 && usage == 0)
                return log_error("%s holds no journal files.", dir), EXIT_INVALID;
        r = sd_journal_add_match(j, "MESSAGE_ID=" GUARD_MESSAGE_DENIAL, 0);
        if (r < 0)
                return log_error_errno(r, "Cannot filter the journal: %m"), EXIT_DENIED;
        /* The last arg_lines in range: walk back from the end (or --until), then forward. */
        r = arg_record.until != UINT64_MAX ? sd_journal_seek_realtime_usec(j, arg_record.until + 1) : sd_journal_seek_tail(j);
        if (r < 0)
                return log_error_errno(r, "Cannot seek in the journal: %m"), EXIT_DENIED;
        while (back < arg_lines && sd_journal_previous(j) > 0) {
                uint64_t usec = 0;

                (void) sd_journal_get_realtime_usec(j, &usec);
                if (usec < arg_record.since)
                        break;
                if (usec <= arg_record.until)
                        back++;
        }
        if (back < arg_lines) {
                /* Fewer than asked for: start at the first in range. */
                r = arg_record.since > 0 ? sd_journal_seek_realtime_usec(j, arg_record.since) : sd_journal_seek_head(j);
                if (r < 0)
                        return log_error_errno(r, "Cannot seek in the journal: %m"), EXIT_DENIED;
        } else {
                /* sd_journal_next() after seeking to a cursor lands on that very entry. */
                _cleanup_(freep) char *cursor = NULL;

                r = sd_journal_get_cursor(j, &cursor);
                if (r >= 0)
                        r = sd_journal_seek_cursor(j, cursor);
                if (r < 0)
                        return log_error_errno(r, "Cannot seek in the journal: %m"), EXIT_DENIED;
        }
        (void) pager_open(arg_no_pager);
        if (arg_legend && arg_json == JSON_OFF)
                printf("-- Denials in %s, newest last --\n", dir);
        while (n < arg_lines && sd_journal_next(j) > 0) {
                const char *fields[] = { "CGROUP_GUARD_ACTION", "CGROUP_GUARD_KIND", "CGROUP_GUARD_RULE",
                                         "CGROUP_GUARD_POLICY", "MESSAGE", "_HOSTNAME" };
                _cleanup_(freep) char *with_host = NULL;
                char *values[ELEMENTSOF(fields)] = {};
                uint64_t usec = 0;

                (void) sd_journal_get_realtime_usec(j, &usec);
                if (usec < arg_record.since || usec > arg_record.until)
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                        const void *data;
                        size_t len, k = strlen(fields[i]) + 1;

                        if (sd_journal_get_data(j, fields[i], &data, &len) >= 0 && len >= k)
                                values[i] = strndup((const char *) data + k, len - k);
                }
                if (values[5] && values[4] && asprintf(&with_host, "%s: %s", values[5], values[4]) < 0)
                        with_host = NULL;
                print_denial(usec, values[0] ?: "", values[1] ?: "", values[2] ?: "", values[3] ?: "",
                             with_host ?: values[4] ?: "");
                for (size_t i = 0; i < ELEMENTSOF(values); i++)
                        free(values[i]);
                n++;
        }
        if (n == 0 && arg_legend && arg_json == JSON_OFF)
                printf("-- No entries --\n");
        return 0;
}

static int cmd_denials(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        unsigned n = 0;
        int r;

        /* The Denied signal names every user's processes: the bus policy delivers it to root only. */
        if (arg_follow && geteuid() != 0)
                return log_error("denials --follow needs root (new denials are signalled to root only); "
                                 "without --follow it lists your own."), EXIT_NEEDS_ROOT;
        /* Subscribe first, so nothing falls between the list and the follow. */
        if (arg_follow) {
                r = sd_bus_match_signal(bus, NULL, BUS_NAME, BUS_PATH, BUS_INTERFACE, "Denied", on_denied, NULL);
                if (r < 0)
                        return bus_error_exit(NULL, r, "Cannot subscribe to denials", EXIT_DENIED);
        }
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ListRecentDenials", &error, &reply, "u", arg_lines);
        if (r < 0) {
                r = bus_error_exit(&error, r, "Cannot list denials", EXIT_DENIED);
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(tsssss)");
        if (r < 0)
                return log_error_errno(r, "Bad reply from cgroup-guardd: %m"), EXIT_DENIED;
        /* Like journalctl, following never pages: the pager would wait for an end that never comes. */
        if (!arg_follow)
                (void) pager_open(arg_no_pager);
        if (arg_legend && arg_json == JSON_OFF)
                printf("-- Denials since cgroup-guardd started, newest last; older ones are in the journal --\n");
        for (;; n++) {
                uint64_t usec;
                const char *action, *kind, *rule, *policy, *message;

                r = sd_bus_message_read(reply, "(tsssss)", &usec, &action, &kind, &rule, &policy, &message);
                if (r <= 0)
                        break;
                print_denial(usec, action, kind, rule, policy, message);
        }
        if (n == 0 && arg_legend && arg_json == JSON_OFF && !arg_follow)
                printf("-- No entries --\n");
        if (!arg_follow)
                return 0;
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return bus_error_exit(NULL, r, "Lost the bus", EXIT_DENIED);
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0)
                        return bus_error_exit(NULL, r, "Lost the bus", EXIT_DENIED);
        }
}

static int cmd_thaw(const char *cgroup) {
        _cleanup_(freep) char *mount = NULL;
        int r;

        r = cgroup2_find_mount(&mount);
        if (r < 0)
                return log_error_errno(r, "Cannot find the cgroup2 mount: %m"), EXIT_DENIED;
        r = check_cgroup_argument("", cgroup, mount);
        if (r != 0)
                return r;

        /* Through the daemon, which journals who thawed what; by hand only when it is not running. */
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        r = guard_peer_open_bus(&bus);
        if (r >= 0)
                r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "Thaw", &error, NULL, "s", cgroup);
        if (r >= 0) {
                printf("Thawed %s.\n", cgroup);
                return 0;
        }
        if (!bus_error_is_unreachable(&error, r)) {
                r = bus_error_exit(&error, r, "thaw", EXIT_DENIED);
                sd_bus_error_free(&error);
                return r;
        }
        sd_bus_error_free(&error);

        _cleanup_(closep) int root = cgroup2_open_root(mount);
        r = root < 0 ? root : cgroup2_write_file(root, cgroup, "cgroup.freeze", "0");
        if (r == -EACCES || r == -EPERM)
                return bus_error_exit(NULL, r, "thaw", EXIT_DENIED);
        if (r == -ENOENT)
                return log_error("Cannot thaw %s: no such cgroup.", cgroup), EXIT_INVALID;
        if (r < 0)
                return log_error_errno(r, "Cannot thaw %s: %m", cgroup), EXIT_DENIED;
        printf("Thawed %s (cgroup-guardd is not running: not journaled).\n", cgroup);
        return 0;
}

static int cmd_unload(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *dir;
        uint32_t removed;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "Unload", &error, &reply, "");
        if (r < 0) {
                r = bus_error_exit(&error, r, "Unload failed", EXIT_DENIED);
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_read(reply, "us", &removed, &dir);
        if (r < 0)
                return log_error_errno(r, "Bad reply from cgroup-guardd: %m"), EXIT_DENIED;
        _cleanup_(freep) char *safe = terminal_safe(dir);
        printf("Removed %" PRIu32 " pins under %s: every program is detached, cgroup-guardd exits.\n", removed, safe ?: "?");
        return 0;
}

static int parse_json_mode(const char *s) {
        if (!s || streq(s, "short"))
                arg_json = JSON_SHORT;
        else if (streq(s, "pretty"))
                arg_json = JSON_PRETTY;
        else if (streq(s, "off"))
                arg_json = JSON_OFF;
        else if (streq(s, "help")) {
                printf("short\npretty\noff\n");
                return 0;
        } else
                return log_error("Unknown JSON mode \"%s\" (pretty, short or off).", s), -EINVAL;
        return 1;
}

enum {
        ARG_VERSION = 0x100,
        ARG_NO_PAGER,
        ARG_NO_LEGEND,
        ARG_JSON,
        ARG_PID,
        ARG_ACTOR,
        ARG_TO,
        ARG_TYPE,
        ARG_TARGET_PID,
        ARG_SINCE,
        ARG_UNTIL,
        ARG_JOURNAL_DIR,
        ARG_PROTECT,
        ARG_BPFFS_DIR,
};

static int parse_protect(char *path) {
        const char *invalid = cgroup_path_invalid_reason(path);

        if (invalid)
                return log_error("--protect %s: %s.", path, invalid), -EXIT_INVALID;
        /* The list ends with NULL (learn's options), hence one slot less. */
        if (arg_n_protect + 1 >= ELEMENTSOF(arg_protect))
                return log_error("At most %zu --protect paths.", ELEMENTSOF(arg_protect) - 1), -EXIT_INVALID;
        arg_protect[arg_n_protect++] = path;
        arg_record_options = true;
        return 1;
}

/* One option (getopt_long's c and optarg; argv and optind name it in errors): 1 to go on, 0 to
 * exit successfully (--help, --version, --json=help), or an exit status negated. */
static int parse_option(int c, char *arg, char *argv[]) {
        uint32_t *pid;
        int r;

        switch (c) {
        case 'h':
                (void) pager_open(arg_no_pager);
                help();
                return 0;
        case ARG_VERSION:
                printf("cgroup-guardctl %s\n", PACKAGE_VERSION);
                return 0;
        case ARG_NO_PAGER:
                arg_no_pager = true;
                return 1;
        case ARG_NO_LEGEND:
                arg_legend = false;
                return 1;
        case ARG_JSON:
                r = parse_json_mode(arg);
                return r < 0 ? -EXIT_INVALID : r;
        case ARG_PID:
        case ARG_ACTOR:
        case ARG_TARGET_PID:
                pid = c == ARG_PID ? &arg_pid : c == ARG_ACTOR ? &arg_actor : &arg_target_pid;
                if (parse_u32(arg, pid) < 0 || *pid == 0)
                        return log_error("Invalid pid \"%s\".", arg), -EXIT_INVALID;
                return 1;
        case ARG_TO:
                arg_to = arg;
                return 1;
        case ARG_TYPE:
                arg_type = arg;
                return 1;
        case 'n':
                if (parse_u32(arg, &arg_lines) < 0)
                        return log_error("Invalid number \"%s\".", arg), -EXIT_INVALID;
                arg_lines_set = true;
                return 1;
        case 'f':
                arg_follow = true;
                return 1;
        case ARG_SINCE:
        case ARG_UNTIL:
                if (parse_time(arg, c == ARG_SINCE ? &arg_record.since : &arg_record.until) < 0)
                        return log_error("Invalid time \"%s\" (@SECONDS, now, -2h, YYYY-MM-DD[ HH:MM[:SS]]).", arg),
                               -EXIT_INVALID;
                arg_record_options = true;
                return 1;
        case ARG_JOURNAL_DIR:
                arg_record.journal_dir = arg;
                arg_record_options = true;
                return 1;
        case ARG_PROTECT:
                return parse_protect(arg);
        case ARG_BPFFS_DIR:
                if (arg[0] != '/')
                        return log_error("--bpffs-dir must be an absolute path."), -EXIT_INVALID;
                arg_bpffs_dir = arg;
                return 1;
        case ':':
                return log_error("Option %s needs an argument.", argv[optind - 1]), -EXIT_INVALID;
        default:
                return log_error("Unknown option \"%s\"; see cgroup-guardctl --help.", argv[optind - 1]),
                       -EXIT_INVALID;
        }
}

/* Global and verb options may come anywhere (getopt moves the words after them). Returns 1 to go
 * on, 0 to exit successfully (--help, --version), or an exit status < 0 negated. */
static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "json", optional_argument, NULL, ARG_JSON },
                { "pid", required_argument, NULL, ARG_PID },
                { "actor", required_argument, NULL, ARG_ACTOR },
                { "to", required_argument, NULL, ARG_TO },
                { "type", required_argument, NULL, ARG_TYPE },
                { "target-pid", required_argument, NULL, ARG_TARGET_PID },
                { "lines", required_argument, NULL, 'n' },
                { "follow", no_argument, NULL, 'f' },
                { "since", required_argument, NULL, ARG_SINCE },
                { "until", required_argument, NULL, ARG_UNTIL },
                { "journal-dir", required_argument, NULL, ARG_JOURNAL_DIR },
                { "protect", required_argument, NULL, ARG_PROTECT },
                { "bpffs-dir", required_argument, NULL, ARG_BPFFS_DIR },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, ":hn:f", options, NULL)) >= 0) {
                int r = parse_option(c, optarg, argv);

                if (r <= 0)
                        return r;
        }
        return 1;
}

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;    /* words after the verb */
        const char *takes;              /* those words, in the error when they do not fit */
        bool explain_options, denials_options, record_options;
} Verb;

static const Verb verbs[] = {
        { "status", 0, 0, "no arguments" },
        { "rules", 0, 0, "no arguments" },
        { "explain", 1, 1, "\"migration\" or \"setns\"", .explain_options = true },
        { "denials", 0, 0, "no arguments", .denials_options = true, .record_options = true },
        { "reload", 0, 0, "no arguments" },
        { "mode", 1, 1, "one of enforce, audit, policy" },
        { "thaw", 1, 1, "one cgroup path" },
        { "unload", 0, 0, "no arguments" },
        { "record", 1, 1, "one of on, off, policy" },
        { "check", 0, 1, "at most one directory" },
        { "learn", 0, 0, "no arguments", .record_options = true },
        { "replay", 1, 1, "one policy directory", .record_options = true },
        { "metrics", 0, 0, "no arguments" },
        { "show", 1, 1, "one cgroup path" },
};

/* The words after the verb and the options given belong to it: EXIT_INVALID with one line if not. */
static int verb_check_usage(const Verb *verb, unsigned n_args) {
        if (n_args < verb->min_args || n_args > verb->max_args)
                return log_error("%s takes %s; see cgroup-guardctl --help.", verb->name, verb->takes), EXIT_INVALID;
        if (!verb->explain_options && (arg_pid || arg_actor || arg_to || arg_type || arg_target_pid))
                return log_error("--pid, --actor, --to, --type and --target-pid belong to explain."), EXIT_INVALID;
        if (!verb->denials_options && (arg_follow || arg_lines_set))
                return log_error("-n and --follow belong to denials."), EXIT_INVALID;
        if (!verb->record_options && arg_record_options)
                return log_error("--since, --until, --journal-dir and --protect belong to learn, replay and denials."),
                       EXIT_INVALID;
        if (arg_n_protect > 0 && !streq(verb->name, "learn"))
                return log_error("--protect belongs to learn."), EXIT_INVALID;
        if (arg_record.until < arg_record.since)
                return log_error("--until is before --since."), EXIT_INVALID;
        return 0;
}

/* The verbs that speak to the daemon over the bus (status falls back to the pins without it). */
static int run_bus_verb(const char *verb, char **args) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (streq(verb, "explain")) {
                r = explain_check_arguments(args[0]);
                if (r != 0)
                        return r;
        }
        if (streq(verb, "mode") && !streq(args[0], "enforce") && !streq(args[0], "audit") && !streq(args[0], "policy"))
                return log_error("mode takes one of enforce, audit, policy."), EXIT_INVALID;
        if (streq(verb, "record") && !streq(args[0], "on") && !streq(args[0], "off") && !streq(args[0], "policy"))
                return log_error("record takes one of on, off, policy."), EXIT_INVALID;

        if (streq(verb, "status") && arg_json == JSON_OFF && guard_peer_open_bus(&bus) < 0)
                return run_daemon_reading_pins("--status");
        r = bus ? 0 : connect_bus(&bus);
        if (r != 0)
                return r;
        if (streq(verb, "status"))
                return cmd_status(bus);
        if (streq(verb, "rules"))
                return cmd_rules(bus);
        if (streq(verb, "explain"))
                return cmd_explain(bus, args[0]);
        if (streq(verb, "denials"))
                return cmd_denials(bus);
        if (streq(verb, "reload"))
                return call_simple(bus, "Reload", "", NULL, "Reload failed");
        if (streq(verb, "unload"))
                return cmd_unload(bus);
        if (streq(verb, "record"))
                return call_simple(bus, "SetRecord", "s", args[0], "Switching recording failed");
        return call_simple(bus, "SetMode", "s", args[0], "Switching mode failed");
}

static int run(int argc, char *argv[]) {
        const Verb *verb = NULL;
        char **args;
        unsigned n_args;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return -r;
        if (optind >= argc) {
                help();
                return EXIT_INVALID;
        }
        arg_verb = argv[optind];
        args = argv + optind + 1;
        n_args = argc - optind - 1;
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, arg_verb))
                        verb = &verbs[i];
        if (!verb)
                return log_error("Unknown command \"%s\"; see cgroup-guardctl --help.", arg_verb), EXIT_INVALID;
        r = verb_check_usage(verb, n_args);
        if (r != 0)
                return r;

        arg_record.protect = arg_n_protect > 0 ? arg_protect : NULL;
        arg_record.json = arg_json != JSON_OFF;
        if (streq(arg_verb, "replay"))
                return verb_replay(args[0], &arg_record);
        if (streq(arg_verb, "learn"))
                return verb_learn(&arg_record);
        if (streq(arg_verb, "check"))
                return policy_check_directory(n_args == 1 ? args[0] : POLICY_DIR_DEFAULT, stdout, stderr);
        if (streq(arg_verb, "thaw"))
                return cmd_thaw(args[0]);
        if (streq(arg_verb, "metrics"))
                return cmd_metrics();
        if (streq(arg_verb, "denials") && arg_record.journal_dir)
                return cmd_denials_journal(arg_record.journal_dir);
        if (streq(arg_verb, "show"))
                return cmd_show(args[0]);
        return run_bus_verb(arg_verb, args);
}

int main(int argc, char *argv[]) {
        int r;

        (void) setlocale(LC_ALL, "");
        log_set_program_name("cgroup-guardctl");
        /* Decided while standard output is still ours: a pager takes it over. */
        colors_init();
        r = run(argc, argv);
        pager_close();
        return r;
}
