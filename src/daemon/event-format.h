/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A ring-buffer record into what a person reads: one sentence (who, what, which rule, why) and
 * the structured CGROUP_GUARD_* fields journald and D-Bus carry. Pure: names come from the
 * caller's lookups, so it is unit tested without a kernel. */

#include <stdint.h>

#include "guard-event.h"
#include "policy.h"

/* Stable forever: journalctl MESSAGE_ID=... and the catalog entry key on these. */
#define GUARD_MESSAGE_DENIAL "e8540ee91e3f4008a0c051b6c2107e76"
#define GUARD_MESSAGE_STARTED "b434a8df4b514eae9959c754ee877501"
#define GUARD_MESSAGE_RELOADED "ae180e694d4c4d10a2f378d388ba22d5"
#define GUARD_MESSAGE_POLICY_ERROR "86c95865b4954a588471ba835789a773"
#define GUARD_MESSAGE_SUPPRESSED "9dbe950c2342421198bae95a4035b39d"
#define GUARD_MESSAGE_GUARANTEES "1396fa51003545cb8f7251261ab81e97"
#define GUARD_MESSAGE_LOST_EVENTS "b99da7034d634cd7b113705f1c5c7810"
/* Privileged D-Bus calls, with the caller (CGROUP_GUARD_CALLER_UID/PID/EXE). */
#define GUARD_MESSAGE_MODE_CHANGED "bebbc1d48cc24f9db89064ac8977f002"
#define GUARD_MESSAGE_RELOAD_REQUESTED "8ae67af6587e496f8fa5f174fbb625f9"
#define GUARD_MESSAGE_UNLOADED "8db1cc5ed9e94319bee8240bfaf601ad"
#define GUARD_MESSAGE_THAWED "c05abfd796094dfbbd88ab137e642448"
#define GUARD_MESSAGE_RECORD_CHANGED "59078f907e5e405fb1ef37065747ac98"
#define GUARD_MESSAGE_REFUSED "df33eb0f996c4d548922acf40d2e6d9b"

#define EVENT_FIELDS_MAX 24

typedef struct EventNames {
        const char *backend;
        const char *actor_exe;          /* NULL if unknown */
        const char *actor_cgroup;       /* paths; NULL if unknown */
        const char *src_cgroup;
        const char *dst_cgroup;
        const Policy *policy;           /* for rule names, may be NULL */
        const char *response;           /* "froze /x", "killed /x", NULL */
} EventNames;

/* Names in the sentence are shortened to this many bytes (middle replaced by "…") before escaping;
 * the fields carry them whole. */
#define EVENT_NAME_DISPLAY_MAX 256

typedef struct EventText {
        char *message;                  /* names escaped (cescape()), long ones shortened */
        int priority;                   /* LOG_WARNING for denials, LOG_NOTICE for audits */
        char *fields[EVENT_FIELDS_MAX]; /* "CGROUP_GUARD_X=value", values raw and whole */
        unsigned n_fields;
        char rule_name[320];
        char actor_comm[GUARD_COMM_LEN + 1];
        char task_comm[GUARD_COMM_LEN + 1]; /* the moved task's, as the kernel recorded it ("": none) */
        char policy_file[256];
        const char *kind;               /* "migration", "setns", "namespace" */
        const char *action;             /* "deny", "audit", "observed" */
} EventText;

/* Returns 0, or -ENOMEM (then ret->message is NULL; event_text_done() is still needed). */
int event_format(const struct guard_event *e, const EventNames *names, EventText *ret);
void event_text_done(EventText *t);
const char *event_kind_to_string(uint32_t kind);
const char *event_verdict_to_string(uint32_t verdict, const char *backend);
