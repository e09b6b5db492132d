/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"
#include "bpf-backend.h"
#include "config.h"
#include "log.h"
#include "manager.h"
#include "metrics-collect.h"
#include "policy-check.h"
#include "preflight.h"
#include "process-util.h"
#include "cgroupfs.h"
#include "guard-files.h"
#include "journal-send.h"
#include "string-util.h"

/* The policy is invalid and the pinned generation stays in force: like sysexits' EX_CONFIG, which
 * systemd knows as "CONFIG"; the unit does not restart on it (RestartPreventExitStatus=). */
#define EXIT_CONFIG 78

static const char *arg_policy_dir = POLICY_DIR_DEFAULT;
static const char *arg_bpffs_dir = BPFFS_DIR_DEFAULT;
static BackendKind arg_backend = BACKEND_AUTO;
static unsigned arg_ratelimit_interval = 10;
static unsigned arg_record_interval = 60;
static unsigned arg_policy_entries_max = GUARD_POLICY_ENTRIES_MAX;
static const char *arg_metrics_file = NULL;
static const char *arg_show_cgroup = NULL;
static unsigned arg_metrics_interval = 15;
static pid_t arg_reload_pid;
static enum { ACTION_RUN, ACTION_CHECK, ACTION_STATUS, ACTION_STATS, ACTION_METRICS, ACTION_SHOW_CGROUP, ACTION_UNLOAD, ACTION_RELOAD } arg_action = ACTION_RUN;

static void help(void) {
        printf("Usage: cgroup-guardd [OPTIONS...]\n\n"
               "Load the cgroup-migration allowlist and namespace lock policies into the kernel and\n"
               "report every denial. Runs in the foreground; enforcement stays when it exits.\n\n"
               "Options:\n"
               "  -h --help                   Show this help\n"
               "     --version                Show the version\n"
               "     --check                  Validate the policy directory and exit\n"
               "     --status                 Show what is loaded (from the pins; no daemon needed)\n"
               "     --unload                 Detach every program and remove the pins\n"
               "     --reload=PID             Ask the daemon PID to reload its policies (SIGHUP; the\n"
               "                              unit's ExecReload=)\n"
               "     --stats                  Per-program run counts and time (kernel.bpf_stats_enabled=1)\n"
               "     --metrics                Print the metrics (Prometheus text format) from the pins\n"
               "     --show-cgroup=CGROUP     The rules in force for CGROUP and its counts, from the kernel\n"
               "     --policy-dir=DIR         Policy directory (default: %s)\n"
               "     --bpffs-dir=DIR          Where links and maps are pinned (default: %s)\n"
               "     --backend=BACKEND        auto, native, compat or observe (default: auto)\n"
               "     --log-level=LEVEL        debug, info, notice, warning, err\n"
               "     --debug                  Same as --log-level=debug (libbpf's messages too)\n"
               "     --ratelimit-interval=SECONDS\n"
               "                              Identical denials beyond 5 per interval are summed up\n"
               "                              (default: 10)\n"
               "     --record-interval=SECONDS\n"
               "                              Recording: one journal entry per distinct operation per\n"
               "                              interval (default: 60)\n"
               "     --metrics-file=PATH      Keep the metrics in PATH (node_exporter's textfile collector)\n"
               "     --metrics-interval=SECONDS\n"
               "                              Rewrite the metrics file at most this often (default: 15)\n"
               "     --policy-entries-max=N   Size of the kernel policy map, %u..%u entries (default: %u);\n"
               "                              takes effect when the programs are loaded, not on adoption\n\n"
               "Exit status: 0 success, 1 failure (--check: invalid policy), 2 invalid arguments\n"
               "(--check: directory unreadable), 3 --status/--stats/--metrics: nothing loaded, 4 --status/--metrics: needs root, 78 invalid\n"
               "policy at start while a pinned one stays in force.\n"
               "See the cgroup-guardd(8) man page for details.\n",
               POLICY_DIR_DEFAULT, BPFFS_DIR_DEFAULT, GUARD_POLICY_ENTRIES_MIN, GUARD_POLICY_ENTRIES_MAX,
               GUARD_POLICY_ENTRIES_MAX);
}

/* The intervals (--ratelimit-interval, --record-interval, --metrics-interval) take whole seconds,
 * from one up to a day. */
#define INTERVAL_SEC_MAX SEC_PER_DAY

static int parse_interval(const char *option, const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        v = strtoul(s, &end, 10);
        if (*end || v == 0 || v > INTERVAL_SEC_MAX)
                return log_error_errno(EINVAL, "--%s takes 1..%u seconds.", option, INTERVAL_SEC_MAX);
        *ret = v;
        return 0;
}

static int parse_log_level(const char *s) {
        static const char *const levels[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };

        for (size_t i = 0; i < ELEMENTSOF(levels); i++)
                if (streq(s, levels[i])) {
                        log_set_max_level(i);
                        return 0;
                }
        return log_error_errno(EINVAL, "Unknown log level \"%s\".", s);
}

static int parse_policy_entries_max(const char *s) {
        char *end;
        unsigned long v;

        v = strtoul(s, &end, 10);
        if (*end || v < GUARD_POLICY_ENTRIES_MIN || v > GUARD_POLICY_ENTRIES_MAX)
                return log_error_errno(EINVAL, "--policy-entries-max takes %u..%u entries.",
                                       GUARD_POLICY_ENTRIES_MIN, GUARD_POLICY_ENTRIES_MAX);
        arg_policy_entries_max = v;
        return 0;
}

static int parse_absolute(const char *option, const char *s, const char **ret) {
        if (s[0] != '/')
                return log_error_errno(EINVAL, "--%s must be an absolute path.", option);
        *ret = s;
        return 0;
}

enum {
        ARG_VERSION = 0x100,
        ARG_CHECK,
        ARG_STATUS,
        ARG_UNLOAD,
        ARG_STATS,
        ARG_POLICY_DIR,
        ARG_BPFFS_DIR,
        ARG_BACKEND,
        ARG_LOG_LEVEL,
        ARG_DEBUG,
        ARG_RATELIMIT_INTERVAL,
        ARG_RECORD_INTERVAL,
        ARG_POLICY_ENTRIES_MAX,
        ARG_METRICS,
        ARG_METRICS_FILE,
        ARG_METRICS_INTERVAL,
        ARG_SHOW_CGROUP,
        ARG_RELOAD,
};

/* One option (getopt_long's c and optarg): 0 to go on, 1 when the answer was printed (--help,
 * --version), or -errno. */
static int parse_option(int c, const char *arg) {
        switch (c) {
        case 'h':
                help();
                return 1;
        case ARG_VERSION:
                printf("cgroup-guardd %s\n", PACKAGE_VERSION);
                return 1;
        case ARG_CHECK:
                arg_action = ACTION_CHECK;
                return 0;
        case ARG_STATUS:
                arg_action = ACTION_STATUS;
                return 0;
        case ARG_UNLOAD:
                arg_action = ACTION_UNLOAD;
                return 0;
        case ARG_STATS:
                arg_action = ACTION_STATS;
                return 0;
        case ARG_METRICS:
                arg_action = ACTION_METRICS;
                return 0;
        case ARG_SHOW_CGROUP:
                if (arg[0] != '/')
                        return log_error_errno(EINVAL, "--show-cgroup takes a cgroup as policies spell it (/system.slice/...).");
                arg_show_cgroup = arg;
                arg_action = ACTION_SHOW_CGROUP;
                return 0;
        case ARG_RELOAD: {
                char *end;
                unsigned long pid;

                errno = 0;
                pid = strtoul(arg, &end, 10);
                if (errno != 0 || end == arg || *end != '\0' || pid < 2 || pid > INT32_MAX)
                        return log_error_errno(EINVAL, "--reload takes the daemon's pid (systemd's $MAINPID), not \"%s\".", arg);
                arg_reload_pid = (pid_t) pid;
                arg_action = ACTION_RELOAD;
                return 0;
        }
        case ARG_METRICS_FILE:
                return parse_absolute("metrics-file", arg, &arg_metrics_file);
        case ARG_METRICS_INTERVAL:
                return parse_interval("metrics-interval", arg, &arg_metrics_interval);
        case ARG_POLICY_DIR:
                arg_policy_dir = arg;
                return 0;
        case ARG_BPFFS_DIR:
                return parse_absolute("bpffs-dir", arg, &arg_bpffs_dir);
        case ARG_BACKEND:
                arg_backend = backend_kind_from_string(arg);
                if (arg_backend == _BACKEND_INVALID)
                        return log_error_errno(EINVAL, "Unknown backend \"%s\" (auto, native, compat, observe).", arg);
                return 0;
        case ARG_LOG_LEVEL:
                return parse_log_level(arg);
        case ARG_DEBUG:
                log_set_max_level(LOG_DEBUG);
                return 0;
        case ARG_RATELIMIT_INTERVAL:
                return parse_interval("ratelimit-interval", arg, &arg_ratelimit_interval);
        case ARG_RECORD_INTERVAL:
                return parse_interval("record-interval", arg, &arg_record_interval);
        case ARG_POLICY_ENTRIES_MAX:
                return parse_policy_entries_max(arg);
        default:
                return -EINVAL;
        }
}

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "check", no_argument, NULL, ARG_CHECK },
                { "status", no_argument, NULL, ARG_STATUS },
                { "unload", no_argument, NULL, ARG_UNLOAD },
                { "stats", no_argument, NULL, ARG_STATS },
                { "policy-dir", required_argument, NULL, ARG_POLICY_DIR },
                { "bpffs-dir", required_argument, NULL, ARG_BPFFS_DIR },
                { "backend", required_argument, NULL, ARG_BACKEND },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "debug", no_argument, NULL, ARG_DEBUG },
                { "ratelimit-interval", required_argument, NULL, ARG_RATELIMIT_INTERVAL },
                { "record-interval", required_argument, NULL, ARG_RECORD_INTERVAL },
                { "policy-entries-max", required_argument, NULL, ARG_POLICY_ENTRIES_MAX },
                { "metrics", no_argument, NULL, ARG_METRICS },
                { "metrics-file", required_argument, NULL, ARG_METRICS_FILE },
                { "metrics-interval", required_argument, NULL, ARG_METRICS_INTERVAL },
                { "show-cgroup", required_argument, NULL, ARG_SHOW_CGROUP },
                { "reload", required_argument, NULL, ARG_RELOAD },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                int r = parse_option(c, optarg);

                if (r != 0)
                        return r < 0 ? r : 0;
        }
        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument: %s", argv[optind]);
        return 1;
}

static int print_status(void) {
        _cleanup_(freep) char *v1 = backend_missing_cgroup_v1();
        BackendPinned p;
        int r = backend_read_pinned(arg_bpffs_dir, &p);

        if (r == -EACCES || r == -EPERM) {
                /* Not "not loaded": a user other than root cannot look (the bpffs is root's). */
                printf("cgroup-guard: unknown: reading the pins at %s needs root (%s); cgroup-guardctl status asks "
                       "the daemon\n", arg_bpffs_dir, strerror(-r));
                return 4;
        }
        if (r == -EPROTO) {
                /* A build record at the name that is none of ours: nothing anyone can tell is the guard. */
                printf("cgroup-guard: not loaded (what is pinned at %s is no guard's: its build record is not one)\n",
                       arg_bpffs_dir);
                return 3;
        }
        if (r < 0) {
                printf("cgroup-guard: not loaded (nothing pinned at %s)\n", arg_bpffs_dir);
                return 3;
        }
        printf("cgroup-guard: loaded, pins at %s\n", arg_bpffs_dir);
        printf("     Backend: %s%s\n", backend_kind_to_string(p.kind),
               backend_prevents(p.kind) ? " (preventing)" : " (NOT preventing: report and react only)");
        printf("       Links: %u attached programs\n", p.n_links);
        printf("      Policy: generation %u, %u rules, %u of %u map entries\n", p.generation, p.n_rules, p.n_entries,
               p.map_entries_max);
        /* The observe backend counts what it would deny as denials; nothing was prevented. */
        printf("    Counters: %" PRIu64 " %s, %" PRIu64 " audited, %" PRIu64 " lost events\n",
               p.counters.denied + p.counters.observed,
               backend_prevents(p.kind) ? "denied" : "violations (not prevented)", p.counters.audited,
               p.counters.lost_events);
        /* Records, not decisions: the counters above count every decision. */
        printf("     Records: %" PRIu64 " suppressed by the kernel's rate limit, %" PRIu64 " lost cgroup records\n",
               p.counters.suppressed, p.counters.lost_cgroup_events);
        /* Full, new objects of the guard's (a restart's) and files it runs go unguarded. */
        if (p.guarded_max > 0)
                printf("   Protected: %u of %u objects and files of the guard registered%s\n", p.n_guarded, p.guarded_max,
                       p.n_guarded >= p.guarded_max ? " (FULL: what is new is not guarded)" : "");
        if (p.counters.map_full > 0)
                printf("    Map full: %" PRIu64 " new cgroups got no entry (unclassified: denied, fail closed)\n",
                       p.counters.map_full);
        _cleanup_(backend_guarantees_done) BackendGuarantees here = {};
        (void) backend_pinned_guarantees(arg_bpffs_dir, p.kind, &here);
        for (unsigned i = 0; i < here.n_held; i++)
                printf("   Guarantee: %s\n", here.held[i]);
        for (unsigned i = 0; i < here.n_not_held; i++)
                printf("     Missing: %s\n", here.not_held[i]);
        for (const char *const *g = backend_missing_guarantees(p.kind); *g; g++)
                printf("     Missing: %s\n", *g);
        if (v1)
                printf("     Missing: %s\n", v1);
        return 0;
}

/* With the daemon stopped (cgroup-guardctl metrics runs this then): what the pins say. */
static int print_metrics(void) {
        _cleanup_(freep) char *text = NULL;
        MetricsData d;
        int r = metrics_collect(arg_bpffs_dir, &d);

        if (r == -EACCES || r == -EPERM) {
                log_error_errno(r, "Reading the pins at %s needs root: %m", arg_bpffs_dir);
                return 4;
        }
        if (r < 0) {
                log_error_errno(r, "Nothing pinned at %s: %m", arg_bpffs_dir);
                return 3;
        }
        text = metrics_render(&d.in);
        metrics_data_done(&d);
        if (!text)
                return log_oom(), 1;
        fputs(text, stdout);
        return 0;
}

/* A value of the iterator's "key=value" words, or NULL. */
static const char *state_word(char **words, size_t n, const char *key) {
        size_t k = strlen(key);

        for (size_t i = 0; i < n; i++)
                if (strneq(words[i], key, k) && words[i][k] == '=')
                        return words[i] + k + 1;
        return NULL;
}

/* One cgroup as the kernel sees it (cgroup-guardctl show runs this: only the guard's own
 * executable may use its program). */
static int show_cgroup(void) {
        _cleanup_(freep) char *mount = NULL, *dir = NULL, *text = NULL, *safe = NULL;
        char *words[16], *line = NULL, *save = NULL;
        size_t n = 0;
        int r;

        r = cgroup2_find_mount(&mount);
        if (r < 0)
                return log_error_errno(r, "No cgroup2 hierarchy is mounted: %m"), 1;
        if (asprintf(&dir, "%s%s", mount, arg_show_cgroup) < 0)
                return log_oom(), 1;
        r = backend_read_cgroup_state(arg_bpffs_dir, dir, &text);
        if (r == -EACCES || r == -EPERM)
                return log_error_errno(r, "Reading the pins at %s needs root: %m", arg_bpffs_dir), 4;
        if (r == -ENOENT || r == -ENOTDIR)
                return log_error("Cannot show %s: no such cgroup, or nothing pinned at %s.", arg_show_cgroup, arg_bpffs_dir), 3;
        if (r < 0)
                return log_error_errno(r, "Cannot read the cgroup state of %s: %m", arg_show_cgroup), 1;
        /* The one cgroup's line: what follows the iterator's comments. */
        for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (l[0] != '#') {
                        line = l;
                        break;
                }
        if (!line)
                return log_error("The kernel's cgroup iterator said nothing about %s.", arg_show_cgroup), 1;
        char *text_copy = line;
        /* "ID LEVEL NAME entry=... protect=...": the name is a cgroup's, anyone's to choose, spaces,
         * newlines and "entry=" words included (a review made one read as protected): the fields
         * are what follows the last " entry=", the id what precedes the first space. */
        char *fields = NULL;
        for (char *p = strstr(text_copy, " entry="); p; p = strstr(p + 1, " entry="))
                fields = p + 1;
        if (!fields)
                return log_error("The kernel's cgroup iterator said nothing about %s.", arg_show_cgroup), 1;
        words[n++] = text_copy;
        text_copy[strcspn(text_copy, " ")] = '\0';
        save = NULL;
        for (char *w = strtok_r(fields, " \n", &save); w && n < ELEMENTSOF(words); w = strtok_r(NULL, " \n", &save))
                words[n++] = w;
        const char *entry = state_word(words, n, "entry"), *protect = state_word(words, n, "protect"),
                   *mode = state_word(words, n, "mode"), *lock = state_word(words, n, "lock");
        safe = str_escape(arg_show_cgroup, ESCAPE_CONTROL);
        printf("%s (id %s)\n", safe ?: "?", n > 0 ? words[0] : "?");
        printf("       Entry: %s\n", entry && streq(entry, "own") ? "its own" :
                                  entry && streq(entry, "inherited") ? "its nearest ancestor's" :
                                  entry && streq(entry, "unclassified") ? "unclassified (denied: fail closed)" : "none (not governed)");
        /* Rule names come from policy files: no control character reaches the terminal. */
        _cleanup_(freep) char *protect_safe = str_escape(protect ?: "-", ESCAPE_CONTROL),
                              *lock_safe = str_escape(lock ?: "-", ESCAPE_CONTROL);
        if (protect && !streq(protect, "-"))
                printf("     Protect: %s (%s)\n", protect_safe ?: "?", mode ?: "?");
        else
                printf("     Protect: -\n");
        printf("        Lock: %s\n", lock_safe ?: "?");
        printf("    Counters: %s denied, %s audited, %s observed (actors in this cgroup)\n",
               state_word(words, n, "denied") ?: "0", state_word(words, n, "audited") ?: "0",
               state_word(words, n, "observed") ?: "0");
        return 0;
}

#define DISABLE_FILE "/etc/cgroup-guard/disable"

/* The kernel's command line, from our own proc file system (proc_fopen(): nothing mounted over it, or the
 * verified /proc read without crossing a mount): a confined root that binds a file saying
 * cgroup_guard.disable over /proc/cmdline in PID 1's mount namespace, then gets the daemon
 * restarted, unloaded the guard (a review found it). What cannot be read so is not there. */
static bool kernel_cmdline_has(const char *word) {
        _cleanup_(fclosep) FILE *f = proc_fopen("cmdline");
        char line[4096], *save = NULL;

        if (!f) {
                log_warning_errno(errno, "Cannot read the kernel command line from this pid namespace's /proc "
                                  "(something mounted over it or over /proc/cmdline?): %m; %s there is ignored.", word);
                return false;
        }
        if (!fgets(line, sizeof(line), f))
                return false;
        for (char *w = strtok_r(line, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
                if (streq(w, word) || (strneq(w, word, strlen(word)) && streq(w + strlen(word), "=1")))
                        return true;
        return false;
}

/* libbpf's own messages (verifier logs included) are details behind our one-line reasons. */
static int libbpf_print(enum libbpf_print_level level, const char *format, va_list ap) {
        _cleanup_(freep) char *buf = NULL;
        size_t n;

        if (log_get_max_level() < LOG_DEBUG || vasprintf(&buf, format, ap) < 0)
                return 0;
        n = strlen(buf);
        if (n > 0 && buf[n - 1] == '\n')
                buf[n - 1] = '\0';
        log_debug("%s", buf);
        return 0;
}

static int print_stats(void) {
        int r = backend_print_stats(arg_bpffs_dir, stdout);

        if (r < 0) {
                log_error_errno(r, "Nothing pinned at %s: %m", arg_bpffs_dir);
                return 3;
        }
        return 0;
}

static int unload(void) {
        unsigned removed = 0;
        int r = backend_unload(arg_bpffs_dir, &removed);

        if (r == -EBUSY) {
                log_error("Removed %u pins under %s; nothing is enforced any more, but after %d s the kernel still "
                          "holds programs of the guard (another process has a handle on them): not detached yet.",
                          removed, arg_bpffs_dir, UNLOAD_DETACH_WAIT_SEC);
                return 1;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to remove pins under %s: %m", arg_bpffs_dir);
                return 1;
        }
        log_info("Removed %u pins under %s; cgroup-guard programs are detached.", removed, arg_bpffs_dir);
        return 0;
}

/* The daemon itself: unless disabled, after the preflight checks, the manager's loop. */
static int run_daemon(void) {
        _cleanup_(freep) char *why = NULL;
        unsigned removed = 0;
        Manager *m = NULL;
        int r;

        /* A frozen journald must not stop the daemon at a log line (journal-send.h). */
        journal_stderr_nonblocking();

        /* The documented recovery path: a file, or cgroup_guard.disable on the kernel command line. */
        if (access(DISABLE_FILE, F_OK) == 0 || kernel_cmdline_has("cgroup_guard.disable")) {
                (void) backend_unload(arg_bpffs_dir, &removed);
                log_notice("Disabled by %s or cgroup_guard.disable: removed %u pins, not loading anything.",
                           DISABLE_FILE, removed);
                /* Under systemd (Type=notify) an exit without READY=1 is a failed start, and
                 * Restart=on-failure would start us again every second: say we are done. */
                (void) notify_sendf("READY=1\nSTATUS=Disabled by %s: removed %u pins, nothing loaded", DISABLE_FILE,
                                  removed);
                (void) notify_flush();
                return 0;
        }

        /* What is missing on this machine, in one line, before libbpf's errno from deep inside a load. */
        r = preflight_check(arg_backend, arg_bpffs_dir, &why);
        if (r < 0) {
                log_error("%s", why ?: strerror(-r));
                return 1;
        }
        if (arg_backend == BACKEND_AUTO) {
                _cleanup_(freep) char *lsms = NULL;

                if (bpf_lsm_enabled(&lsms) == 0)
                        log_notice("BPF LSM is not enabled (active LSMs: %s): only the observe backend can load, and it "
                                   "prevents nothing. To enforce, add bpf to the lsm= kernel command line (e.g. "
                                   "\"lsm=%s,bpf\") and reboot.", lsms, lsms);
        }

        /* Sealed with the files the guard runs, from its first registration on. */
        r = set_guard_config_dirs(arg_policy_dir, DISABLE_FILE);
        if (r < 0) {
                log_oom();
                return 1;
        }
        r = manager_new(&m);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the event loop: %m");
                return 1;
        }
        m->policy_dir = strdup(arg_policy_dir);
        m->bpffs_dir = strdup(arg_bpffs_dir);
        m->requested = arg_backend;
        m->ratelimit.interval_usec = arg_ratelimit_interval * USEC_PER_SEC;
        m->recorder.interval_usec = arg_record_interval * USEC_PER_SEC;
        m->policy_entries_max = arg_policy_entries_max;
        m->metrics_interval_sec = arg_metrics_interval;
        m->metrics_file = arg_metrics_file ? strdup(arg_metrics_file) : NULL;
        if (!m->policy_dir || !m->bpffs_dir || (arg_metrics_file && !m->metrics_file)) {
                manager_free(m);
                return 1;
        }
        r = manager_start(m);
        if (r >= 0)
                r = manager_run(m);
        manager_free(m);
        return r == -EBADMSG ? EXIT_CONFIG : r < 0 ? 1 : 0;
}

int main(int argc, char *argv[]) {
        int r;

        log_set_program_name("cgroup-guardd");
        libbpf_set_print(libbpf_print);
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        switch (arg_action) {
        case ACTION_CHECK:
                return policy_check_directory(arg_policy_dir, stdout, stderr);
        case ACTION_STATUS:
                return print_status();
        case ACTION_STATS:
                return print_stats();
        case ACTION_METRICS:
                return print_metrics();
        case ACTION_SHOW_CGROUP:
                return show_cgroup();
        case ACTION_UNLOAD:
                return unload();
        case ACTION_RELOAD:
                /* The unit's ExecReload=: it runs in the guard's own cgroup, an admin cgroup, so
                 * it must be a file the guard runs itself (registered, refused to confined
                 * writers), not /bin/kill, which a confined root may rewrite. */
                if (kill(arg_reload_pid, SIGHUP) < 0)
                        return log_error_errno(errno, "Cannot signal pid %d: %m", (int) arg_reload_pid), 1;
                return 0;
        case ACTION_RUN:
                break;
        }
        r = run_daemon();
        /* Opened once for the whole run, wherever it ended (a leak check counts descriptors at exit). */
        journal_close();
        proc_close_root();
        return r;
}
