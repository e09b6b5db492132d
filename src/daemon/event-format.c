/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "event-format.h"
#include "macro.h"

const char *event_kind_to_string(uint32_t kind) {
        switch (kind) {
        case GUARD_EVENT_MIGRATION: return "migration";
        case GUARD_EVENT_SETNS: return "setns";
        case GUARD_EVENT_NEW_NAMESPACE: return "namespace";
        case GUARD_EVENT_TAMPER: return "tamper";
        }
        return "unknown";
}

const char *event_verdict_to_string(uint32_t verdict, const char *backend) {
        switch (verdict) {
        case GUARD_VERDICT_DENY:
                return backend && streq(backend, "observe") ? "observed" : "deny";
        case GUARD_VERDICT_AUDIT: return "audit";
        case GUARD_VERDICT_OBSERVED: return "observed";
        }
        return "allow";
}

_printf_(2, 3) static void add_field(EventText *t, const char *format, ...) {
        va_list ap;

        if (t->n_fields >= EVENT_FIELDS_MAX)
                return;
        va_start(ap, format);
        vsnprintf(t->fields[t->n_fields++], sizeof(t->fields[0]), format, ap);
        va_end(ap);
}

static const char *or_unknown(const char *s) {
        return s ? s : "(unknown)";
}

/* "... : /system.slice is protected by rule 'protect[0]' in 10-system.json" */
static void explain_rule(const struct guard_event *e, const PolicyRule *rule, const EventText *t, char *buf, size_t size) {
        if (!rule) {
                snprintf(buf, size, "rule %u of policy generation %u", e->rule_id, e->generation);
                return;
        }
        switch (rule->kind) {
        case POLICY_RULE_PROTECT:
                snprintf(buf, size, "%s is protected by rule '%s' in %s and no allow or delegate rule matches",
                         rule->cgroup, t->rule_name, t->policy_file);
                break;
        case POLICY_RULE_LOCK:
                snprintf(buf, size, "tasks in %s are locked into their namespaces by rule '%s' in %s",
                         rule->cgroup, t->rule_name, t->policy_file);
                break;
        case POLICY_RULE_LOCK_ON_ENTRY:
                snprintf(buf, size, "the task entered a sandbox namespace created from %s and is locked by rule '%s' in %s",
                         rule->cgroup, t->rule_name, t->policy_file);
                break;
        default:
                snprintf(buf, size, "rule '%s' in %s", t->rule_name, t->policy_file);
        }
}

static const char *tamper_what(uint32_t what) {
        switch (what) {
        case GUARD_TAMPER_MAP: return "getting a handle on the guard's map";
        case GUARD_TAMPER_PROG: return "getting a handle on the guard's program";
        case GUARD_TAMPER_LINK: return "getting a handle on the guard's link";
        case GUARD_TAMPER_PIN: return "opening, removing or renaming the guard's pin (inode)";
        case GUARD_TAMPER_SIGNAL: return "signalling cgroup-guardd (pid)";
        case GUARD_TAMPER_PTRACE: return "ptracing cgroup-guardd (pid)";
        }
        return "touching the guard";
}

/* Someone went for the guard itself: a different sentence, same fields. */
static void format_tamper(const struct guard_event *e, const EventNames *n, const char *comm, EventText *t) {
        snprintf(t->rule_name, sizeof(t->rule_name), "protect_self");
        snprintf(t->message, sizeof(t->message),
                 "Refused tamper attempt: %s %" PRIu64 " by pid %u (%s, %s) in %s: only cgroup-guardd may touch "
                 "its own programs, maps, links and pins, and only PID 1 may signal it (protect_self)",
                 tamper_what(e->flags), (uint64_t) e->src_cgroup_id, e->actor_tgid, or_unknown(n->actor_exe), comm,
                 or_unknown(n->actor_cgroup));
        add_field(t, "CGROUP_GUARD_ACTION=deny");
        add_field(t, "CGROUP_GUARD_KIND=tamper");
        add_field(t, "CGROUP_GUARD_RULE=protect_self");
        add_field(t, "CGROUP_GUARD_BACKEND=%s", or_unknown(n->backend));
        add_field(t, "CGROUP_GUARD_ACTOR_PID=%u", e->actor_tgid);
        add_field(t, "CGROUP_GUARD_ACTOR_COMM=%s", comm);
        add_field(t, "CGROUP_GUARD_ACTOR_EXE=%s", or_unknown(n->actor_exe));
        add_field(t, "CGROUP_GUARD_ACTOR_CGROUP=%s", or_unknown(n->actor_cgroup));
        add_field(t, "CGROUP_GUARD_OBJECT=%s %" PRIu64, tamper_what(e->flags), (uint64_t) e->src_cgroup_id);
}

void event_format(const struct guard_event *e, const EventNames *n, EventText *ret) {
        const PolicyRule *rule = n->policy ? policy_rule_by_id(n->policy, e->rule_id) : NULL;
        const char *ns = ns_type_to_string(e->ns_type);
        char why[512], comm[GUARD_COMM_LEN + 1], what[512], lead[64];
        EventText *t = ret;

        memset(t, 0, sizeof(*t));
        memcpy(comm, e->actor_comm, GUARD_COMM_LEN);
        comm[GUARD_COMM_LEN] = '\0';
        memcpy(t->actor_comm, comm, sizeof(t->actor_comm));
        t->kind = event_kind_to_string(e->kind);
        t->action = event_verdict_to_string(e->verdict, n->backend);
        t->priority = e->verdict == GUARD_VERDICT_AUDIT ? LOG_NOTICE : LOG_WARNING;
        if (e->kind == GUARD_EVENT_TAMPER) {
                t->action = "deny";
                format_tamper(e, n, comm, t);
                return;
        }
        if (rule) {
                policy_rule_name(rule, t->rule_name, sizeof(t->rule_name));
                snprintf(t->policy_file, sizeof(t->policy_file), "%s", policy_rule_file(n->policy, rule)->name);
        } else
                snprintf(t->rule_name, sizeof(t->rule_name), "#%u", e->rule_id);
        explain_rule(e, rule, t, why, sizeof(why));

        if (streq(t->action, "audit"))
                snprintf(lead, sizeof(lead), "Audit: would deny");
        else if (streq(t->action, "observed"))
                snprintf(lead, sizeof(lead), "Violation (not prevented):");
        else
                snprintf(lead, sizeof(lead), "Denied");

        switch (e->kind) {
        case GUARD_EVENT_MIGRATION:
                if (e->task_pid)
                        snprintf(what, sizeof(what), "migration of pid %u%s%s%s from %s to %s",
                                 e->task_pid, n->task_comm ? " (" : "", n->task_comm ?: "", n->task_comm ? ")" : "",
                                 or_unknown(n->src_cgroup), or_unknown(n->dst_cgroup));
                else
                        snprintf(what, sizeof(what), "migration from %s to %s", or_unknown(n->src_cgroup),
                                 or_unknown(n->dst_cgroup));
                if (e->flags & GUARD_MIGRATION_CLONE)
                        strncat(what, " (clone3 CLONE_INTO_CGROUP)", sizeof(what) - strlen(what) - 1);
                break;
        case GUARD_EVENT_SETNS:
                snprintf(what, sizeof(what), "joining another %s namespace%s", ns ?: "?", "");
                if (e->ns_inum)
                        snprintf(what + strlen(what), sizeof(what) - strlen(what), " (inode %u)", e->ns_inum);
                break;
        default:
                snprintf(what, sizeof(what), "creating a new %s namespace", ns ?: "?");
        }

        snprintf(t->message, sizeof(t->message), "%s %s by pid %u (%s, %s) in %s: %s%s%s", lead, what, e->actor_tgid,
                 or_unknown(n->actor_exe), comm, or_unknown(n->actor_cgroup), why,
                 n->response ? "; " : "", n->response ?: "");

        add_field(t, "CGROUP_GUARD_ACTION=%s", t->action);
        add_field(t, "CGROUP_GUARD_KIND=%s", t->kind);
        add_field(t, "CGROUP_GUARD_RULE=%s", t->rule_name);
        if (t->policy_file[0])
                add_field(t, "CGROUP_GUARD_POLICY=%s", t->policy_file);
        add_field(t, "CGROUP_GUARD_GENERATION=%u", e->generation);
        add_field(t, "CGROUP_GUARD_BACKEND=%s", or_unknown(n->backend));
        add_field(t, "CGROUP_GUARD_ACTOR_PID=%u", e->actor_tgid);
        add_field(t, "CGROUP_GUARD_ACTOR_COMM=%s", comm);
        add_field(t, "CGROUP_GUARD_ACTOR_EXE=%s", or_unknown(n->actor_exe));
        add_field(t, "CGROUP_GUARD_ACTOR_CGROUP=%s", or_unknown(n->actor_cgroup));
        if (e->kind == GUARD_EVENT_MIGRATION) {
                if (e->task_pid)
                        add_field(t, "CGROUP_GUARD_TASK_PID=%u", e->task_pid);
                add_field(t, "CGROUP_GUARD_SRC_CGROUP=%s", or_unknown(n->src_cgroup));
                add_field(t, "CGROUP_GUARD_DST_CGROUP=%s", or_unknown(n->dst_cgroup));
        } else {
                add_field(t, "CGROUP_GUARD_NS_TYPE=%s", ns ?: "?");
                if (e->ns_inum)
                        add_field(t, "CGROUP_GUARD_NS_INUM=%u", e->ns_inum);
        }
        add_field(t, "CGROUP_GUARD_REASON=%s", why);
        if (n->response)
                add_field(t, "CGROUP_GUARD_RESPONSE=%s", n->response);
}
