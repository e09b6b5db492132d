/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit-status.h"
#include "learn.h"
#include "log.h"
#include "macro.h"
#include "policy-parse.h"
#include "record-journal.h"
#include "record-verbs.h"
#include "replay.h"
#include "string-util.h"

static int read_records(const RecordOptions *o, RecordSet *ret) {
        _cleanup_(freep) char *error = NULL;
        int r = record_journal_read(o->journal_dir, o->since, o->until, ret, &error);

        if (r == -ENOMEM)
                return log_error("Out of memory."), EXIT_DENIED;
        if (r < 0) {
                log_error("%s.", error ?: strerror(-r));
                return r == -EPROTONOSUPPORT ? EXIT_NEWER_FORMAT : r == -ENODATA ? EXIT_NO_RECORDS : EXIT_INVALID;
        }
        if (ret->n_malformed > 0)
                log_warning("Skipped %zu record entr%s that are not well-formed.", ret->n_malformed,
                            ret->n_malformed == 1 ? "y" : "ies");
        return 0;
}

/* Names in what a person reads are the processes' own choices: escaped (string-util.h). */
static void print_escaped(FILE *f, const char *s) {
        _cleanup_(freep) char *e = cescape(s ?: "?");

        fputs(e ?: "?", f);
}

static void print_operation(FILE *f, const Record *r) {
        char types[128] = "";

        fprintf(f, "%s by ", record_kind_to_string(r->kind));
        print_escaped(f, r->actor_exe ?: "(unknown executable)");
        fputs(" in ", f);
        print_escaped(f, r->actor_cgroup);
        if (r->kind == RECORD_MIGRATION) {
                fputs(": ", f);
                print_escaped(f, r->src_cgroup);
                fputs(" -> ", f);
                print_escaped(f, r->dst_cgroup);
        } else {
                record_ns_types_string(r->ns_types, ',', types, sizeof(types));
                fprintf(f, ": %s", types);
        }
}

int verb_replay(const char *policy_dir, const RecordOptions *o) {
        _cleanup_(record_set_done) RecordSet set = {};
        _cleanup_(diag_done) Diagnostics d = {};
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(replay_done) Replay replay = {};
        _cleanup_(freep) char *error = NULL;
        char a[64], b[64];
        int r;

        /* The candidate first: a broken one is the cheaper mistake to report. */
        r = policy_load_directory(policy_dir, &p, &d);
        if (r == -EINVAL) {
                diag_print(&d, stderr);
                log_error("%s: %zu error(s): not a valid policy directory (see cgroup-guardctl check %s).", policy_dir,
                          d.n_errors, policy_dir);
                return EXIT_POLICY_INVALID;
        }
        if (r < 0)
                return log_error("%s: cannot read policy directory: %s.", policy_dir, strerror(-r)), EXIT_POLICY_INVALID;
        if (p.n_files == 0)
                return log_error("%s: no policy files (*.json): nothing to replay.", policy_dir), EXIT_POLICY_INVALID;

        r = read_records(o, &set);
        if (r != 0)
                return r;

        r = replay_run(&p, set.records, set.n_records, &replay, &error);
        if (r == -ENOMEM)
                return log_error("Out of memory."), EXIT_DENIED;
        if (r < 0)
                return log_error("%s: the policy does not compile: %s.", policy_dir, error ?: strerror(-r)),
                       EXIT_POLICY_INVALID;

        printf("Replayed %" PRIu64 " recorded operation(s) (%zu journal entries", replay.n_operations, set.n_entries);
        if (set.n_hosts > 1)
                printf(" from %zu hosts", set.n_hosts);
        printf(", %s to %s) against %s:\n", format_time(set.first_usec, a, sizeof(a)),
               format_time(set.last_usec, b, sizeof(b)), policy_dir);
        if (replay.n_groups == 0)
                printf("nothing would be denied or audited.\n");
        for (size_t i = 0; i < replay.n_groups; i++) {
                const ReplayGroup *g = &replay.groups[i];

                printf("%s would %s %" PRIu64 " operation(s), %zu distinct, first %s, last %s:\n", g->name, g->verdict,
                       g->count, g->n_hits, format_time(g->first_usec, a, sizeof(a)),
                       format_time(g->last_usec, b, sizeof(b)));
                for (size_t k = 0; k < g->n_hits; k++) {
                        const ReplayHit *h = &g->hits[k];

                        printf("  %8" PRIu64 "x ", h->count);
                        print_operation(stdout, h->record);
                        printf(" (first %s, last %s)\n", format_time(h->first_usec, a, sizeof(a)),
                               format_time(h->last_usec, b, sizeof(b)));
                }
        }
        if (replay.n_denied > 0 || replay.n_audited > 0)
                printf("Would deny %" PRIu64 " and audit %" PRIu64 " of %" PRIu64 " operation(s).\n", replay.n_denied,
                       replay.n_audited, replay.n_operations);
        fflush(stdout);
        return replay.n_denied > 0 ? EXIT_DENIED : EXIT_ALLOWED;
}

int verb_learn(const RecordOptions *o) {
        _cleanup_(record_set_done) RecordSet set = {};
        _cleanup_(learn_result_done) LearnResult result = {};
        _cleanup_(freep) char *error = NULL;
        LearnOptions lo = { .protect = o->protect };
        char a[64], b[64];
        int r;

        r = read_records(o, &set);
        if (r != 0)
                return r;
        r = learn_run(set.records, set.n_records, &lo, &result, &error);
        if (r == -ENODATA)
                return log_error("%s.", error ?: strerror(-r)), EXIT_NO_RECORDS;
        if (r < 0)
                return log_error("%s.", error ?: strerror(-r)), EXIT_DENIED;

        /* The summary first, on stderr: what a person reads; the policy alone on stdout. */
        fprintf(stderr, "%zu journal entries", set.n_entries);
        if (set.n_hosts > 1)
                fprintf(stderr, " from %zu hosts", set.n_hosts);
        fprintf(stderr, ", %s to %s.\n", format_time(set.first_usec, a, sizeof(a)), format_time(set.last_usec, b, sizeof(b)));
        fputs(result.summary, stderr);
        fprintf(stderr, "Generated %zu allow, %zu delegate and %zu lock rule(s); check it with \"cgroup-guardctl replay\" "
                "before enforcing it.\n", result.n_allow, result.n_delegate, result.n_lock);
        fputs(result.policy, stdout);
        return fflush(stdout) == 0 ? EXIT_ALLOWED : EXIT_DENIED;
}
