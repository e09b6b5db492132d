/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup-guardctl: the admin's front end to cgroup-guardd over D-Bus. Every error is one line. */

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "cgroup-path.h"
#include "cgroupfs.h"
#include "config.h"
#include "log.h"
#include "macro.h"
#include "policy-check.h"

#define BUS_NAME "org.cgroupguard.Guard1"
#define BUS_PATH "/org/cgroupguard/Guard1"
#define BUS_INTERFACE "org.cgroupguard.Guard1.Manager"

static bool arg_json = false;
static unsigned arg_lines = 10;
static bool arg_follow = false;


static void help(void) {
        printf("Usage: cgroup-guardctl [OPTIONS] COMMAND [ARGS]\n\n"
               "Commands:\n"
               "  status [--json]                              Backend, guarantees, mode, policy, counters\n"
               "  explain migration --pid PID --to CGROUP      Could PID move itself to CGROUP? Which rule says so?\n"
               "  explain setns --pid PID --type TYPE --target-pid PID\n"
               "                                               Could PID join TARGET's TYPE namespace?\n"
               "  reload                                       Re-read the policy directory\n"
               "  unload                                       Detach everything and stop the daemon (root)\n"
               "  mode enforce|audit|policy                    Force every rule into a mode, or back to the files'\n"
               "  denials [-n N] [--follow]                    Recent denials; --follow waits for new ones\n"
               "  thaw CGROUP                                  Release a cgroup frozen by a deny+freeze rule\n"
               "  check [DIR]                                  Validate a policy directory (default: %s)\n",
               POLICY_DIR_DEFAULT);
}

static int bus_error(const sd_bus_error *error, int r, const char *what) {
        log_error("%s: %s", what, error && error->message ? error->message : strerror(-r));
        return 1;
}

static int connect_bus(sd_bus **ret) {
        int r = sd_bus_open_system(ret);

        if (r < 0)
                log_error("Cannot connect to the system bus: %s", strerror(-r));
        return r;
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

static void strv_free(char **l) {
        for (char **s = l; s && *s; s++)
                free(*s);
        free(l);
}

static void json_string(const char *s) {
        putchar('"');
        for (; *s; s++) {
                unsigned char c = *s;
                if (c == '"' || c == '\\')
                        printf("\\%c", c);
                else if (c < 0x20)
                        printf("\\u%04x", c);
                else
                        putchar(c);
        }
        putchar('"');
}

static void json_strv(const char *name, char **l, bool last) {
        printf("\"%s\":[", name);
        for (char **s = l; s && *s; s++) {
                json_string(*s);
                if (s[1])
                        putchar(',');
        }
        printf("]%s", last ? "" : ",");
}

static int cmd_status(sd_bus *bus) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(freep) char *backend = NULL, *mode = NULL, *last_error = NULL;
        char **guarantees = NULL, **missing = NULL, **files = NULL;
        uint64_t generation = 0, denials = 0, audits = 0, lost = 0;
        uint32_t map_size = 0, map_entries = 0;
        int r;

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
                r = bus_error(&error, r, "Cannot read the guard's state (is cgroup-guardd running?)");
                goto finish;
        }

        if (arg_json) {
                printf("{\"backend\":");
                json_string(backend);
                printf(",\"mode\":");
                json_string(mode);
                printf(",\"generation\":%" PRIu64 ",\"denials\":%" PRIu64 ",\"audits\":%" PRIu64 ",\"lost_events\":%" PRIu64 ","
                       "\"policy_map_entries\":%" PRIu32 ",\"policy_map_size\":%" PRIu32 ",",
                       generation, denials, audits, lost, map_entries, map_size);
                printf("\"last_policy_error\":");
                json_string(last_error);
                putchar(',');
                json_strv("policy_files", files, false);
                json_strv("guarantees", guarantees, false);
                json_strv("missing_guarantees", missing, true);
                printf("}\n");
        } else {
                printf("● cgroup-guardd: %s backend, %s\n", backend,
                       strcmp(backend, "observe") == 0 ? "NOT preventing (report and react)" : "enforcing");
                printf("        Mode: %s\n", mode);
                printf("      Policy: generation %" PRIu64 " (%" PRIu32 " of %" PRIu32 " map entries)\n", generation,
                       map_entries, map_size);
                for (char **f = files; f && *f; f++)
                        printf("       Files: %s\n", *f);
                if (*last_error)
                        printf("  Last error: %s\n", last_error);
                printf("    Counters: %" PRIu64 " %s, %" PRIu64 " audited, %" PRIu64 " lost events\n", denials,
                       streq(backend, "observe") ? "violations (not prevented)" : "denied", audits, lost);
                for (char **g = guarantees; g && *g; g++)
                        printf("   Guarantee: %s\n", *g);
                for (char **g = missing; g && *g; g++)
                        printf("     Missing: %s\n", *g);
        }
        r = 0;
finish:
        strv_free(guarantees);
        strv_free(missing);
        strv_free(files);
        sd_bus_error_free(&error);
        return r;
}

static int print_explanation(sd_bus_message *reply) {
        int allowed;
        const char *rule, *reason;
        int r = sd_bus_message_read(reply, "bss", &allowed, &rule, &reason);

        if (r < 0)
                return bus_error(NULL, r, "Bad reply");
        printf("%s%s%s%s: %s\n", allowed ? "allowed" : "denied", *rule ? " by " : "", rule, "", reason);
        return allowed ? 0 : 1;
}

static int parse_u32(const char *s, uint32_t *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || !*s || v > UINT32_MAX)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int cmd_explain(sd_bus *bus, int argc, char *argv[]) {
        static const struct option options[] = {
                { "pid", required_argument, NULL, 'p' },
                { "to", required_argument, NULL, 't' },
                { "type", required_argument, NULL, 'y' },
                { "target-pid", required_argument, NULL, 'T' },
                {}
        };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *to = NULL, *type = NULL;
        uint32_t pid = 0, target = 0;
        int c, r;

        if (argc < 2 || (strcmp(argv[1], "migration") != 0 && strcmp(argv[1], "setns") != 0)) {
                log_error("explain takes \"migration\" or \"setns\".");
                return 2;
        }
        optind = 2;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'p':
                        if (parse_u32(optarg, &pid) < 0)
                                return log_error("Invalid pid \"%s\".", optarg), 2;
                        break;
                case 'T':
                        if (parse_u32(optarg, &target) < 0)
                                return log_error("Invalid pid \"%s\".", optarg), 2;
                        break;
                case 't':
                        to = optarg;
                        break;
                case 'y':
                        type = optarg;
                        break;
                default:
                        return 2;
                }

        if (strcmp(argv[1], "migration") == 0) {
                if (!pid || !to)
                        return log_error("explain migration needs --pid and --to."), 2;
                r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ExplainMigration", &error, &reply,
                                       "us", pid, to);
        } else {
                if (!pid || !type || !target)
                        return log_error("explain setns needs --pid, --type and --target-pid."), 2;
                r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ExplainSetns", &error, &reply,
                                       "usu", pid, type, target);
        }
        if (r < 0) {
                r = bus_error(&error, r, "Cannot explain");
                sd_bus_error_free(&error);
                return r;
        }
        return print_explanation(reply);
}

static int call_simple(sd_bus *bus, const char *method, const char *signature, const char *arg, const char *what) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, method, &error, NULL, signature, arg);

        if (r < 0) {
                r = bus_error(&error, r, what);
                sd_bus_error_free(&error);
                return r;
        }
        return 0;
}

static void print_denial(uint64_t usec, const char *message) {
        time_t t = usec / 1000000;
        struct tm tm;
        char when[64];

        strftime(when, sizeof(when), "%b %d %H:%M:%S", localtime_r(&t, &tm));
        printf("%s %s\n", when, message);
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
                print_denial((uint64_t) ts.tv_sec * 1000000, message);
        }
        return 0;
}

static int cmd_denials(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        /* Subscribe first, so nothing falls between the list and the follow. */
        if (arg_follow) {
                r = sd_bus_match_signal(bus, NULL, BUS_NAME, BUS_PATH, BUS_INTERFACE, "Denied", on_denied, NULL);
                if (r < 0)
                        return bus_error(NULL, r, "Cannot subscribe to denials");
        }
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ListRecentDenials", &error, &reply, "u", arg_lines);
        if (r < 0) {
                r = bus_error(&error, r, "Cannot list denials (is cgroup-guardd running?)");
                sd_bus_error_free(&error);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(tsssss)");
        if (r < 0)
                return bus_error(NULL, r, "Bad reply");
        for (;;) {
                uint64_t usec;
                const char *action, *kind, *rule, *policy, *message;

                r = sd_bus_message_read(reply, "(tsssss)", &usec, &action, &kind, &rule, &policy, &message);
                if (r <= 0)
                        break;
                print_denial(usec, message);
        }
        if (!arg_follow)
                return 0;
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return bus_error(NULL, r, "Lost the bus");
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0)
                        return bus_error(NULL, r, "Lost the bus");
        }
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *verb;
        int i;

        log_set_program_name("cgroup-guardctl");

        /* Global options may come anywhere; pull out the few we have by hand (getopt would stop at
         * the verb's own options). */
        for (i = 1; i < argc; i++) {
                if (streq(argv[i], "-h") || streq(argv[i], "--help")) {
                        help();
                        return 0;
                }
                if (streq(argv[i], "--version")) {
                        printf("cgroup-guardctl %s\n", PACKAGE_VERSION);
                        return 0;
                }
        }
        if (argc < 2) {
                help();
                return 2;
        }
        verb = argv[1];

        if (streq(verb, "check")) {
                if (argc > 3)
                        return log_error("check takes at most one directory."), 2;
                return policy_check_directory(argc == 3 ? argv[2] : POLICY_DIR_DEFAULT, stdout, stderr);
        }

        if (streq(verb, "thaw")) {
                _cleanup_(freep) char *mount = NULL;
                const char *why;
                int r;

                if (argc != 3)
                        return log_error("thaw takes one cgroup path."), 2;
                if ((why = cgroup_path_invalid_reason(argv[2])))
                        return log_error("Invalid cgroup path \"%s\": %s.", argv[2], why), 2;
                r = cgroup2_find_mount(&mount);
                if (r >= 0)
                        r = cgroup2_write_file(mount, argv[2], "cgroup.freeze", "0");
                if (r < 0)
                        return log_error("Cannot thaw %s: %s", argv[2], strerror(-r)), 1;
                printf("Thawed %s.\n", argv[2]);
                return 0;
        }

        if (streq(verb, "status")) {
                for (i = 2; i < argc; i++) {
                        if (!streq(argv[i], "--json"))
                                return log_error("Unknown option \"%s\" for status.", argv[i]), 2;
                        arg_json = true;
                }
        } else if (streq(verb, "denials")) {
                for (i = 2; i < argc; i++) {
                        if (streq(argv[i], "--follow") || streq(argv[i], "-f"))
                                arg_follow = true;
                        else if ((streq(argv[i], "-n") || streq(argv[i], "--lines")) && i + 1 < argc) {
                                uint32_t n;
                                if (parse_u32(argv[++i], &n) < 0)
                                        return log_error("Invalid number \"%s\".", argv[i]), 2;
                                arg_lines = n;
                        } else
                                return log_error("Unknown option \"%s\" for denials.", argv[i]), 2;
                }
        } else if (streq(verb, "mode")) {
                if (argc != 3 || (!streq(argv[2], "enforce") && !streq(argv[2], "audit") && !streq(argv[2], "policy")))
                        return log_error("mode takes one of enforce, audit, policy."), 2;
        } else if (streq(verb, "reload") || streq(verb, "unload")) {
                if (argc != 2)
                        return log_error("%s takes no arguments.", verb), 2;
        } else if (!streq(verb, "explain"))
                return log_error("Unknown command \"%s\"; see cgroup-guardctl --help.", verb), 2;

        if (connect_bus(&bus) < 0)
                return 1;
        if (streq(verb, "status"))
                return cmd_status(bus);
        if (streq(verb, "explain"))
                return cmd_explain(bus, argc - 1, argv + 1);
        if (streq(verb, "reload"))
                return call_simple(bus, "Reload", "", NULL, "Reload failed");
        if (streq(verb, "unload"))
                return call_simple(bus, "Unload", "", NULL, "Unload failed");
        if (streq(verb, "mode"))
                return call_simple(bus, "SetMode", "s", argv[2], "Switching mode failed");
        return cmd_denials(bus);
}
