/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event-format.h"
#include "guard-event.h"
#include "macro.h"
#include "metrics.h"

const char *metrics_tamper_what(uint32_t what) {
        switch (what) {
        case GUARD_TAMPER_MAP: return "map";
        case GUARD_TAMPER_PROG: return "prog";
        case GUARD_TAMPER_LINK: return "link";
        case GUARD_TAMPER_PIN: return "pin";
        case GUARD_TAMPER_SIGNAL: return "signal";
        case GUARD_TAMPER_PTRACE: return "ptrace";
        case GUARD_TAMPER_SIGIO: return "sigio";
        case GUARD_TAMPER_RLIMIT: return "rlimit";
        case GUARD_TAMPER_CGROUP_FILE: return "cgroup_file";
        case GUARD_TAMPER_MOUNT: return "mount";
        case GUARD_TAMPER_JOIN: return "join";
        case GUARD_TAMPER_EXE: return "exe";
        case GUARD_TAMPER_PID1_CHILD: return "pid1_child";
        case GUARD_TAMPER_TRACED_EXEC: return "traced_exec";
        case GUARD_TAMPER_LEAVE: return "leave";
        case GUARD_TAMPER_SCHED: return "sched";
        case GUARD_TAMPER_OOM: return "oom";
        case GUARD_TAMPER_CGROUP1: return "cgroup1_mount";
        case GUARD_TAMPER_NAMESPACE: return "namespace";
        case GUARD_TAMPER_ATTACH: return "attach";
        case GUARD_TAMPER_FILE: return "file";
        case GUARD_TAMPER_ADMIN_JOIN: return "admin_join";
        case GUARD_TAMPER_ADMIN_ATTACH: return "admin_attach";
        case GUARD_TAMPER_HELPER: return "usermode_helper";
        case GUARD_TAMPER_BINFMT: return "binfmt_misc";
        case GUARD_TAMPER_PROG_LOAD: return "prog_load";
        case GUARD_TAMPER_PID1_EXEC: return "pid1_exec";
        case GUARD_TAMPER_ROOT_PRIVATE: return "root_private";
        case GUARD_TAMPER_DEBUGFS: return "debugfs";
        case GUARD_TAMPER_FTRACE: return "ftrace";
        case GUARD_TAMPER_SIGNAL_ALL: return "signal_all";
        case GUARD_TAMPER_NO_WINDOW: return "no_window";
        case GUARD_TAMPER_CGROUP_MOUNT: return "cgroup_mount";
        case GUARD_TAMPER_LOCKDOWN: return "lockdown";
        case GUARD_TAMPER_FANOTIFY_PERM: return "fanotify_perm";
        case GUARD_TAMPER_PROC_MOUNT: return "proc_mount";
        case GUARD_TAMPER_MOUNT_LIMIT: return "mount_limit";
        case GUARD_TAMPER_LEASE: return "lease";
        case GUARD_TAMPER_LIMIT: return "limit";
        case GUARD_TAMPER_KPTR: return "kptr_restrict";
        case GUARD_TAMPER_LINK_CHANGE: return "link_change";
        case GUARD_TAMPER_COVERED_MOUNT: return "covered_mount";
        case GUARD_TAMPER_MOUNT_RACE: return "mount_race";
        case GUARD_TAMPER_KEXEC: return "kexec";
        case GUARD_TAMPER_CGROUP_PROG: return "cgroup_prog";
        case GUARD_TAMPER_UNIT_DIR: return "unit_dir";
        case GUARD_TAMPER_GUARD_CGROUP_DIR: return "guard_cgroup_dir";
        }
        return "other";
}

/* A label value: backslash, double quote and newline escaped, as the format wants. Names come
 * from policy files (anyone with write access there): anything else is passed through, bytes
 * below 0x20 become '?'. */
static void put_label(FILE *f, const char *name, const char *value) {
        fprintf(f, "%s=\"", name);
        for (const char *c = value; *c; c++)
                if (*c == '\\' || *c == '"')
                        fprintf(f, "\\%c", *c);
                else if (*c == '\n')
                        fputs("\\n", f);
                else
                        fputc((unsigned char) *c < 0x20 ? '?' : *c, f);
        fputc('"', f);
}

static void header(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *f, const char *name, uint64_t value) {
        fprintf(f, "%s %" PRIu64 "\n", name, value);
}

/* The observe backend decides as the others do but prevents nothing: its deny verdicts are
 * violations. */
static uint32_t effective_verdict(const MetricsInput *in, uint32_t verdict) {
        return verdict == GUARD_VERDICT_DENY && in->backend && streq(in->backend, "observe") ? GUARD_VERDICT_OBSERVED : verdict;
}

static void rule_series(FILE *f, const MetricsInput *in, const char *name, uint32_t verdict) {
        for (size_t i = 0; i < in->n_rules_counts; i++) {
                const MetricsRuleCount *c = &in->rules[i];

                if (effective_verdict(in, c->verdict) != verdict || c->kind == GUARD_EVENT_TAMPER)
                        continue;
                /* Labels in name order, as Prometheus and node_exporter print them. */
                fprintf(f, "%s{", name);
                put_label(f, "kind", event_kind_to_string(c->kind));
                fputc(',', f);
                put_label(f, "policy", c->policy);
                fputc(',', f);
                put_label(f, "rule", c->rule);
                fprintf(f, "} %" PRIu64 "\n", c->count);
        }
}

/* Entries of one label set may come more than once (the same name in two rule ids of different
 * generations is one hash, but callers may not merge): summed here, in order of appearance. */
static MetricsRuleCount *merged_counts(const MetricsInput *in, size_t *ret_n) {
        MetricsRuleCount *out = calloc(in->n_rules_counts ?: 1, sizeof(*out));
        size_t n = 0;

        if (!out)
                return NULL;
        for (size_t i = 0; i < in->n_rules_counts; i++) {
                const MetricsRuleCount *c = &in->rules[i];
                size_t j;

                for (j = 0; j < n; j++)
                        if (out[j].kind == c->kind && out[j].verdict == c->verdict && out[j].detail == c->detail &&
                            streq(out[j].policy, c->policy) && streq(out[j].rule, c->rule))
                                break;
                if (j == n)
                        out[n++] = *c;
                else
                        out[j].count += c->count;
        }
        *ret_n = n;
        return out;
}

static void program_series(FILE *f, const MetricsInput *in, bool time) {
        for (size_t i = 0; i < in->n_programs; i++) {
                fputs(time ? "cgroup_guard_program_run_seconds_total{" : "cgroup_guard_program_runs_total{", f);
                put_label(f, "program", in->programs[i].name);
                if (time)
                        fprintf(f, "} %" PRIu64 ".%09" PRIu64 "\n", in->programs[i].run_time_ns / NSEC_PER_SEC,
                                in->programs[i].run_time_ns % NSEC_PER_SEC);
                else
                        fprintf(f, "} %" PRIu64 "\n", in->programs[i].run_count);
        }
}

/* The backend, the daemon, the version, and each guarantee held or not. */
static void render_identity(FILE *f, const MetricsInput *m) {
        header(f, "cgroup_guard_info", "gauge", "The loaded guard: backend and version (always 1).");
        fputs("cgroup_guard_info{", f);
        put_label(f, "backend", m->backend ?: "");
        fputc(',', f);
        put_label(f, "daemon", m->daemon_running ? "running" : "stopped");
        fputc(',', f);
        put_label(f, "version", m->version ?: "");
        fputs("} 1\n", f);

        header(f, "cgroup_guard_guarantee", "gauge",
               "Each guarantee of the backend: 1 if it holds on this host, 0 if it is missing (cgroup-guardctl status words them).");
        for (size_t i = 0; i < m->n_guarantees; i++) {
                fputs("cgroup_guard_guarantee{", f);
                put_label(f, "backend", m->backend ?: "");
                fputc(',', f);
                put_label(f, "guarantee", m->guarantees[i].id);
                fprintf(f, "} %d\n", m->guarantees[i].held ? 1 : 0);
        }
}

/* The kernel's decisions: per rule (denials, audits, violations), per verdict, tamper refusals. */
static void render_decisions(FILE *f, const MetricsInput *m) {
        header(f, "cgroup_guard_denials_total", "counter",
               "Operations the kernel denied, by policy file, rule and kind of operation.");
        rule_series(f, m, "cgroup_guard_denials_total", GUARD_VERDICT_DENY);
        header(f, "cgroup_guard_audits_total", "counter",
               "Operations a rule in audit mode would have denied (allowed, reported), by policy file, rule and kind.");
        rule_series(f, m, "cgroup_guard_audits_total", GUARD_VERDICT_AUDIT);
        header(f, "cgroup_guard_violations_total", "counter",
               "Observe backend: forbidden operations seen after the fact (not prevented), by policy file, rule and kind.");
        rule_series(f, m, "cgroup_guard_violations_total", GUARD_VERDICT_OBSERVED);

        header(f, "cgroup_guard_decisions_total", "counter",
               "Every non-allow decision of the kernel, by verdict (exact, tamper refusals included; observe: violations).");
        fprintf(f, "cgroup_guard_decisions_total{verdict=\"deny\"} %" PRIu64 "\n",
                effective_verdict(m, GUARD_VERDICT_DENY) == GUARD_VERDICT_DENY ? m->denied : 0);
        fprintf(f, "cgroup_guard_decisions_total{verdict=\"audit\"} %" PRIu64 "\n", m->audited);
        fprintf(f, "cgroup_guard_decisions_total{verdict=\"observed\"} %" PRIu64 "\n",
                m->observed + (effective_verdict(m, GUARD_VERDICT_DENY) == GUARD_VERDICT_DENY ? 0 : m->denied));

        header(f, "cgroup_guard_tamper_refusals_total", "counter",
               "Attempts on the guard itself that the kernel refused, by what was touched.");
        for (size_t i = 0; i < m->n_rules_counts; i++)
                if (m->rules[i].kind == GUARD_EVENT_TAMPER)
                        fprintf(f, "cgroup_guard_tamper_refusals_total{what=\"%s\"} %" PRIu64 "\n",
                                metrics_tamper_what(m->rules[i].detail), m->rules[i].count);
}

/* What the kernel could not report or record (every decision is counted all the same). */
static void render_losses(FILE *f, const MetricsInput *m) {
        header(f, "cgroup_guard_lost_events_total", "counter",
               "Denial records the kernel's ring buffer could not take (the decisions are counted all the same).");
        sample(f, "cgroup_guard_lost_events_total", m->lost_events);
        header(f, "cgroup_guard_lost_cgroup_events_total", "counter", "cgroup mkdir/rmdir records the ring buffer could not take.");
        sample(f, "cgroup_guard_lost_cgroup_events_total", m->lost_cgroup_events);
        header(f, "cgroup_guard_suppressed_records_total", "counter",
               "Denial records held back by the kernel's rate limit (the decisions are counted all the same).");
        sample(f, "cgroup_guard_suppressed_records_total", m->suppressed);
        header(f, "cgroup_guard_map_full_total", "counter",
               "New cgroups that got no policy map entry (unclassified: denied, fail closed).");
        sample(f, "cgroup_guard_map_full_total", m->map_full);
        header(f, "cgroup_guard_counts_full_total", "counter",
               "Decisions the per-rule or per-cgroup count maps had no room for.");
        sample(f, "cgroup_guard_counts_full_total", m->counts_full);
}

/* The generation in force, its map, and the last policy load. */
static void render_policy(FILE *f, const MetricsInput *m) {
        header(f, "cgroup_guard_policy_generation", "gauge", "The policy generation in force.");
        sample(f, "cgroup_guard_policy_generation", m->generation);
        header(f, "cgroup_guard_policy_rules", "gauge", "Rules in the generation in force.");
        sample(f, "cgroup_guard_policy_rules", m->n_rules);
        header(f, "cgroup_guard_policy_map_entries", "gauge", "Entries in the kernel policy map (the generation in force).");
        sample(f, "cgroup_guard_policy_map_entries", m->map_entries);
        header(f, "cgroup_guard_policy_map_entries_max", "gauge", "Size of the kernel policy map (--policy-entries-max).");
        sample(f, "cgroup_guard_policy_map_entries_max", m->map_entries_max);
        header(f, "cgroup_guard_policy_map_fill_ratio", "gauge", "Entries over size of the kernel policy map.");
        fprintf(f, "cgroup_guard_policy_map_fill_ratio %.6f\n",
                m->map_entries_max ? (double) m->map_entries / m->map_entries_max : 0.0);

        if (m->have_reload) {
                header(f, "cgroup_guard_last_reload_success", "gauge",
                       "1 if the last policy load succeeded, 0 if it failed (the earlier generation stays in force).");
                sample(f, "cgroup_guard_last_reload_success", m->last_reload_ok);
                header(f, "cgroup_guard_last_reload_timestamp_seconds", "gauge", "When the last policy load was tried.");
                fprintf(f, "cgroup_guard_last_reload_timestamp_seconds %" PRIu64 ".%06" PRIu64 "\n",
                        m->last_reload_realtime_usec / USEC_PER_SEC, m->last_reload_realtime_usec % USEC_PER_SEC);
                header(f, "cgroup_guard_reloads_total", "counter", "Policy loads since the daemon started, by result.");
                fprintf(f, "cgroup_guard_reloads_total{result=\"success\"} %" PRIu64 "\n", m->reloads_ok);
                fprintf(f, "cgroup_guard_reloads_total{result=\"failure\"} %" PRIu64 "\n", m->reloads_failed);
        }
}

/* The programs' runs and time, when bpf_stats counts them. */
static void render_programs(FILE *f, const MetricsInput *m) {
        header(f, "cgroup_guard_bpf_stats_enabled", "gauge",
               "1 if kernel.bpf_stats_enabled counts program runs and time (the program series exist only then).");
        sample(f, "cgroup_guard_bpf_stats_enabled", m->bpf_stats);
        if (m->bpf_stats) {
                header(f, "cgroup_guard_program_runs_total", "counter", "Runs of each attached program (bpf_stats).");
                program_series(f, m, false);
                header(f, "cgroup_guard_program_run_seconds_total", "counter", "Time spent in each attached program (bpf_stats).");
                program_series(f, m, true);
        }
}

char *metrics_render(const MetricsInput *in) {
        _cleanup_(freep) MetricsRuleCount *merged = NULL;
        MetricsInput m = *in;
        char *buf = NULL;
        size_t size = 0, n_merged = 0;
        FILE *f;

        merged = merged_counts(in, &n_merged);
        if (!merged)
                return NULL;
        m.rules = merged;
        m.n_rules_counts = n_merged;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;

        render_identity(f, &m);
        render_decisions(f, &m);
        render_losses(f, &m);
        render_policy(f, &m);
        render_programs(f, &m);

        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

int metrics_write_file(const char *path, const char *text) {
        _cleanup_(freep) char *tmp = NULL;
        _cleanup_(closep) int fd = -EBADF;
        size_t left = strlen(text);
        const char *p = text;

        /* The collector reads *.prom only: the temporary name must not end so. */
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (left > 0) {
                ssize_t k = write(fd, p, left);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        goto fail;
                }
                p += k;
                left -= k;
        }
        if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
                goto fail;
        if (rename(tmp, path) < 0)
                goto fail;
        return 0;
fail: {
        int r = -errno;
        (void) unlink(tmp);
        return r;
}
}
