/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup-path.h"
#include "json-pos.h"
#include "guard-maps.h"
#include "policy-parse.h"
#include "string-util.h"

/* Where cgroup2 is mounted on most systems: policies name cgroups relative to it. */
#define CGROUP_FS_PREFIX "/sys/fs/cgroup"
#define UTF8_BOM "\xef\xbb\xbf"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free);

typedef struct Parser {
        Policy *policy;          /* rules are appended here */
        size_t file;             /* index of the file being parsed */
        unsigned version;        /* the file's "version" */
        const char *path;
        JsonPosIndex index;
        Diagnostics *diag;
        int error;               /* first fatal (non-EINVAL) error */
} Parser;

typedef struct Field {
        const char *name;
        json_type type;          /* json_type_null: any, checked by the handler */
        bool v2;                 /* only in "version": 2 files */
} Field;

_printf_(5, 0) static void report_va(Parser *ps, DiagSeverity severity, const char *pointer, bool at_key,
                                     const char *format, va_list ap) {
        _cleanup_(freep) char *message = NULL;
        JsonPos pos = json_pos_lookup(&ps->index, pointer, at_key);

        if (vasprintf(&message, format, ap) < 0 ||
            diag_add(ps->diag, severity, ps->path, pos.line, pos.column, "%s", message) == -ENOMEM)
                ps->error = -ENOMEM;
}

_printf_(4, 5) static void report(Parser *ps, const char *pointer, bool at_key, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        report_va(ps, DIAG_ERROR, pointer, at_key, format, ap);
        va_end(ap);
}

_printf_(3, 4) static void warn(Parser *ps, const char *pointer, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        report_va(ps, DIAG_WARNING, pointer, false, format, ap);
        va_end(ap);
}

static const char *json_type_name(json_type t) {
        switch (t) {
        case json_type_null: return "null";
        case json_type_boolean: return "a boolean";
        case json_type_double: return "a number";
        case json_type_int: return "an integer";
        case json_type_object: return "an object";
        case json_type_array: return "an array";
        case json_type_string: return "a string";
        }
        return "something else";
}

static void child_pointer(char *buf, size_t size, const char *parent, const char *token) {
        snprintf(buf, size, "%s", parent);
        if (!json_pointer_append(buf, size, token))
                buf[0] = '\0';
}

static bool check_type(Parser *ps, json_object *v, json_type want, const char *pointer, const char *what) {
        json_type got = json_object_get_type(v);

        if (got == want)
                return true;
        report(ps, pointer, false, "%s must be %s, not %s", what, json_type_name(want), json_type_name(got));
        return false;
}

/* Rejects unknown members and checks the types of known ones. Members in error are removed from
 * obj, so the caller can go on parsing the rest and report every error of the file in one run. */
static bool check_fields(Parser *ps, json_object *obj, const char *pointer, const char *what,
                         const Field *fields, size_t n_fields) {
        _cleanup_(freep) char **bad = NULL;
        size_t n_bad = 0;
        bool ok = true;

        bad = calloc(json_object_object_length(obj) + 1, sizeof(char *));
        if (!bad) {
                ps->error = -ENOMEM;
                return false;
        }
        json_object_object_foreach(obj, key, value) {
                char child[1024], q[QUOTED_BUF];
                const Field *f = NULL;

                child_pointer(child, sizeof(child), pointer, key);
                for (size_t i = 0; i < n_fields; i++)
                        if (streq(fields[i].name, key))
                                f = &fields[i];
                if (!f) {
                        _cleanup_(freep) char *known = NULL;
                        size_t len = 0;

                        for (size_t i = 0; i < n_fields; i++)
                                len += strlen(fields[i].name) + 4;
                        known = calloc(1, len + 1);
                        for (size_t i = 0; known && i < n_fields; i++) {
                                strcat(known, i ? ", \"" : "\"");
                                strcat(known, fields[i].name);
                                strcat(known, "\"");
                        }
                        report(ps, child, true, "unknown field \"%s\" in %s (known: %s)", quoted(key, q), what,
                               known ? known : "?");
                        bad[n_bad++] = key;
                        continue;
                }
                if (f->v2 && ps->version < 2) {
                        report(ps, child, true, "\"%s\" in %s needs \"version\": 2 (this file says version %u)",
                               quoted(key, q), what, ps->version);
                        bad[n_bad++] = key;
                        continue;
                }
                if (f->type != json_type_null && !check_type(ps, value, f->type, child, key))
                        bad[n_bad++] = key;
        }
        /* Deleting a member frees its key: not while walking the object. */
        while (n_bad > 0) {
                ok = false;
                json_object_object_del(obj, bad[--n_bad]);
        }
        return ok;
}

static char *strdup_or_fail(Parser *ps, const char *s) {
        char *c = strdup(s);

        if (!c)
                ps->error = -ENOMEM;
        return c;
}

/* Valid, but surely not what was meant. */
static void warn_cgroup_path(Parser *ps, const char *s, const char *pointer, const char *what) {
        char q[QUOTED_BUF], q2[QUOTED_BUF];
        const char *rest;

        rest = strneq(s, CGROUP_FS_PREFIX, strlen(CGROUP_FS_PREFIX)) ? s + strlen(CGROUP_FS_PREFIX) : NULL;
        if (rest && (*rest == '\0' || *rest == '/'))
                warn(ps, pointer, "%s \"%s\" is a filesystem path; cgroup paths start at the cgroup2 root: \"%s\"",
                     what, quoted(s, q), *rest ? quoted(rest, q2) : "/");
        if (strstr(s, "**"))
                warn(ps, pointer, "%s \"%s\": \"**\" is the same as \"*\" (one path component or part of one); "
                     "a rule covers the whole subtree below what it names anyway", what, quoted(s, q));
}

/* Validates a cgroup path or pattern string at pointer; returns a copy or NULL. */
static char *parse_cgroup_path(Parser *ps, json_object *v, const char *pointer, const char *what) {
        const char *s, *why;
        char q[QUOTED_BUF];

        if (!check_type(ps, v, json_type_string, pointer, what))
                return NULL;
        s = json_object_get_string(v);
        why = cgroup_path_invalid_reason(s);
        if (why) {
                report(ps, pointer, false, "%s \"%s\": %s", what, quoted(s, q), why);
                return NULL;
        }
        warn_cgroup_path(ps, s, pointer, what);
        return strdup_or_fail(ps, s);
}

static char *parse_exe_path(Parser *ps, json_object *v, const char *pointer) {
        const char *s = json_object_get_string(v);
        size_t n = strlen(s);
        char q[QUOTED_BUF];

        if (s[0] != '/') {
                report(ps, pointer, false, "exe \"%s\" must be an absolute path", quoted(s, q));
                return NULL;
        }
        if (n >= PATH_MAX) {
                report(ps, pointer, false, "exe path is longer than %d bytes", PATH_MAX - 1);
                return NULL;
        }
        if (strstr(s, "/../") || strstr(s, "/./") || strstr(s, "//") ||
            (n >= 3 && streq(s + n - 3, "/..")) || (n >= 2 && streq(s + n - 2, "/.")) || s[n - 1] == '/') {
                report(ps, pointer, false, "exe \"%s\" must be a normalized path to a file (no '.', '..', '//' or trailing '/')", quoted(s, q));
                return NULL;
        }
        for (const char *c = s; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f) {
                        report(ps, pointer, false, "exe path must not contain control characters");
                        return NULL;
                }
        return strdup_or_fail(ps, s);
}

/* Arrays we accept must be non-empty: an empty list is a mistake, not a policy. */
static bool check_array(Parser *ps, json_object *v, const char *pointer, const char *what) {
        if (!check_type(ps, v, json_type_array, pointer, what))
                return false;
        if (json_object_array_length(v) == 0) {
                report(ps, pointer, false, "%s must not be an empty list (omit the field instead)", what);
                return false;
        }
        return true;
}

/* Appends a rule named name (taken; NULL: the default name from file and position). parent: the
 * protect rule a local entry belongs to (POLICY_NO_PARENT: global). */
static PolicyRule *add_rule(Parser *ps, PolicyRuleKind kind, unsigned index, const char *pointer, size_t parent,
                            char *name) {
        JsonPos pos = json_pos_lookup(&ps->index, pointer, false);
        PolicyRule *rules = GREEDY_REALLOC(ps->policy->rules, ps->policy->n_rules_allocated, ps->policy->n_rules + 1);
        const char *file = ps->policy->files[ps->file].name;
        bool named = name;
        int r;

        if (!rules) {
                free(name);
                ps->error = -ENOMEM;
                return NULL;
        }
        if (name)
                r = 0;
        else if (parent == POLICY_NO_PARENT)
                r = asprintf(&name, "%s:%s/%u", file, policy_rule_kind_to_string(kind), index);
        else
                r = asprintf(&name, "%s:protect/%u/%s/%u", file, rules[parent].index,
                             policy_rule_kind_to_string(kind), index);
        if (r < 0) {
                ps->error = -ENOMEM;
                return NULL;
        }
        rules[ps->policy->n_rules] = (PolicyRule) {
                .kind = kind,
                .index = index,
                .file = ps->file,
                .line = pos.line,
                .column = pos.column,
                .name = name,
                .named = named,
                .parent = parent,
        };
        return &rules[ps->policy->n_rules++];
}

/* A rule's "name" (version 2): what denials, explain and D-Bus show. Returns a copy, or NULL
 * (reported, or not given: *ret_ok says which). */
static char *parse_name(Parser *ps, json_object *obj, const char *pointer, bool *ret_ok) {
        char child[1024], q[QUOTED_BUF];
        json_object *v;
        const char *s;

        *ret_ok = true;
        if (!json_object_object_get_ex(obj, "name", &v))
                return NULL;
        child_pointer(child, sizeof(child), pointer, "name");
        s = json_object_get_string(v);
        if (strlen(s) == 0 || strlen(s) > POLICY_RULE_NAME_MAX) {
                report(ps, child, false, "name must be 1 to %d bytes long", POLICY_RULE_NAME_MAX);
                *ret_ok = false;
                return NULL;
        }
        for (const char *c = s; *c; c++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@/+-", *c)) {
                        report(ps, child, false,
                               "name \"%s\" may contain only letters, digits and . _ : @ / + -", quoted(s, q));
                        *ret_ok = false;
                        return NULL;
                }
        return strdup_or_fail(ps, s);
}

/* A delegate entry: a path, or (version 2) { "cgroup": PATH, "name": NAME }. parent: the protect
 * rule a local list belongs to; a local delegated subtree must lie inside that protect entry's. */
static void parse_delegate(Parser *ps, json_object *arr, const char *pointer, size_t parent) {
        static const Field fields[] = {
                { "cgroup", json_type_string },
                { "name", json_type_string, true },
        };

        if (!check_array(ps, arr, pointer, "delegate"))
                return;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *e = json_object_array_get_idx(arr, i), *cg = e;
                char child[1024], sub[1024], token[32], q[QUOTED_BUF], q2[QUOTED_BUF];
                char *path = NULL, *name = NULL;
                bool ok = true;

                snprintf(token, sizeof(token), "%zu", i);
                child_pointer(child, sizeof(child), pointer, token);
                snprintf(sub, sizeof(sub), "%s", child);
                if (json_object_get_type(e) == json_type_object && ps->version >= 2) {
                        ok = check_fields(ps, e, child, "delegate entry", fields, ELEMENTSOF(fields));
                        if (!json_object_object_get_ex(e, "cgroup", &cg)) {
                                if (ok)
                                        report(ps, child, false, "delegate entry needs \"cgroup\"");
                                continue;
                        }
                        child_pointer(sub, sizeof(sub), child, "cgroup");
                        name = parse_name(ps, e, child, &ok);
                } else if (json_object_get_type(e) != json_type_string) {
                        report(ps, child, false, "delegate entries must be %s, not %s",
                               ps->version >= 2 ? "strings or objects" : "strings (objects need \"version\": 2)",
                               json_type_name(json_object_get_type(e)));
                        continue;
                }
                path = parse_cgroup_path(ps, cg, sub, "delegate");
                if (path && parent != POLICY_NO_PARENT &&
                    !cgroup_pattern_covers(ps->policy->rules[parent].cgroup, path, NULL)) {
                        report(ps, sub, false, "local delegate \"%s\" lies outside its protect entry's subtree \"%s\"",
                               quoted(path, q), quoted(ps->policy->rules[parent].cgroup, q2));
                        ok = false;
                }
                if (!ok || !path) {
                        free(path);
                        free(name);
                        continue;
                }
                PolicyRule *r = add_rule(ps, POLICY_RULE_DELEGATE, i, child, parent, name);
                if (!r) {
                        free(path);
                        return;
                }
                r->cgroup = path;
        }
}

static void parse_allow(Parser *ps, json_object *arr, const char *pointer, size_t parent);

/* A protect entry: a path, or (version 2) an object with its own name, seal and local allow and
 * delegate lists. */
static void parse_protect(Parser *ps, json_object *arr, const char *pointer) {
        static const Field fields[] = {
                { "cgroup", json_type_string },
                { "name", json_type_string, true },
                { "seal", json_type_boolean, true },
                { "allow", json_type_array, true },
                { "delegate", json_type_array, true },
        };

        if (!check_array(ps, arr, pointer, "protect"))
                return;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *e = json_object_array_get_idx(arr, i), *cg = e, *v;
                char child[1024], sub[1024], token[32];
                char *path = NULL, *name = NULL;
                bool ok = true, is_object = false;
                size_t index;

                snprintf(token, sizeof(token), "%zu", i);
                child_pointer(child, sizeof(child), pointer, token);
                snprintf(sub, sizeof(sub), "%s", child);
                if (json_object_get_type(e) == json_type_object && ps->version >= 2) {
                        is_object = true;
                        ok = check_fields(ps, e, child, "protect entry", fields, ELEMENTSOF(fields));
                        if (!json_object_object_get_ex(e, "cgroup", &cg)) {
                                if (ok)
                                        report(ps, child, false, "protect entry needs \"cgroup\"");
                                continue;
                        }
                        child_pointer(sub, sizeof(sub), child, "cgroup");
                        name = parse_name(ps, e, child, &ok);
                } else if (json_object_get_type(e) != json_type_string) {
                        report(ps, child, false, "protect entries must be %s, not %s",
                               ps->version >= 2 ? "strings or objects" : "strings (objects need \"version\": 2)",
                               json_type_name(json_object_get_type(e)));
                        continue;
                }
                path = parse_cgroup_path(ps, cg, sub, "protect");
                if (!ok || !path) {
                        free(path);
                        free(name);
                        continue;
                }
                PolicyRule *r = add_rule(ps, POLICY_RULE_PROTECT, i, child, POLICY_NO_PARENT, name);
                if (!r) {
                        free(path);
                        return;
                }
                r->cgroup = path;
                if (!is_object)
                        continue;
                if (json_object_object_get_ex(e, "seal", &v))
                        r->seal = json_object_get_boolean(v);
                /* Local entries follow their protect rule; they refer to it by index (the rules
                 * array moves as it grows). */
                index = ps->policy->n_rules - 1;
                if (json_object_object_get_ex(e, "allow", &v)) {
                        child_pointer(sub, sizeof(sub), child, "allow");
                        parse_allow(ps, v, sub, index);
                }
                if (json_object_object_get_ex(e, "delegate", &v)) {
                        child_pointer(sub, sizeof(sub), child, "delegate");
                        parse_delegate(ps, v, sub, index);
                }
        }
}

static char **parse_to_list(Parser *ps, json_object *arr, const char *pointer, const char *what) {
        size_t n;
        char **list;
        bool ok = true;

        if (!check_array(ps, arr, pointer, what))
                return NULL;
        n = json_object_array_length(arr);
        list = calloc(n + 1, sizeof(char *));
        if (!list) {
                ps->error = -ENOMEM;
                return NULL;
        }
        for (size_t i = 0; i < n; i++) {
                char child[1024], token[32];

                snprintf(token, sizeof(token), "%zu", i);
                child_pointer(child, sizeof(child), pointer, token);
                list[i] = parse_cgroup_path(ps, json_object_array_get_idx(arr, i), child, what);
                if (!list[i])
                        ok = false;
        }
        if (ok)
                return list;
        for (size_t i = 0; i < n; i++)
                free(list[i]);
        free(list);
        return NULL;
}

/* migration.allow[] (parent POLICY_NO_PARENT) or a protect entry's local allow[]. */
static void parse_allow(Parser *ps, json_object *arr, const char *pointer, size_t parent) {
        static const Field fields[] = {
                { "exe", json_type_string },
                { "cgroup", json_type_string },
                { "to", json_type_array },
                { "from", json_type_array, true },
                { "name", json_type_string, true },
        };

        if (!check_array(ps, arr, pointer, "allow"))
                return;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *e = json_object_array_get_idx(arr, i), *exe, *cgroup, *to, *from;
                char child[1024], sub[1024], token[32];
                char *exe_path = NULL, *cgroup_path = NULL, **to_list = NULL, **from_list = NULL, *name = NULL;
                bool ok, name_ok;
                PolicyRule *r;

                snprintf(token, sizeof(token), "%zu", i);
                child_pointer(child, sizeof(child), pointer, token);
                if (!check_type(ps, e, json_type_object, child, "allow entry"))
                        continue;
                ok = check_fields(ps, e, child, "allow entry", fields, ELEMENTSOF(fields));

                exe = json_object_object_get(e, "exe");
                cgroup = json_object_object_get(e, "cgroup");
                to = json_object_object_get(e, "to");
                from = json_object_object_get(e, "from");
                if (ok && !exe && !cgroup) {
                        /* An entry with only "to" would let every process in: surely a mistake. */
                        report(ps, child, false, "allow entry must name \"exe\" or \"cgroup\" (or both)");
                        continue;
                }
                if (exe) {
                        child_pointer(sub, sizeof(sub), child, "exe");
                        exe_path = parse_exe_path(ps, exe, sub);
                        ok = ok && exe_path;
                }
                if (cgroup) {
                        child_pointer(sub, sizeof(sub), child, "cgroup");
                        cgroup_path = parse_cgroup_path(ps, cgroup, sub, "cgroup");
                        ok = ok && cgroup_path;
                }
                if (to) {
                        child_pointer(sub, sizeof(sub), child, "to");
                        to_list = parse_to_list(ps, to, sub, "to");
                        ok = ok && to_list;
                }
                if (from) {
                        child_pointer(sub, sizeof(sub), child, "from");
                        from_list = parse_to_list(ps, from, sub, "from");
                        ok = ok && from_list;
                }
                name = parse_name(ps, e, child, &name_ok);
                ok = ok && name_ok;
                r = ok ? add_rule(ps, POLICY_RULE_ALLOW, i, child, parent, TAKE_PTR(name)) : NULL;
                if (!r) {
                        free(name);
                        free(exe_path);
                        free(cgroup_path);
                        strv_free(to_list);
                        strv_free(from_list);
                        continue;
                }
                r->exe = exe_path;
                r->cgroup = cgroup_path;
                r->to = to_list;
                r->from = from_list;
        }
}

static uint32_t parse_ns_types(Parser *ps, json_object *arr, const char *pointer) {
        uint32_t mask = 0;

        if (!check_array(ps, arr, pointer, "types"))
                return 0;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *v = json_object_array_get_idx(arr, i);
                char child[1024], token[32], q[QUOTED_BUF];
                uint32_t t;

                snprintf(token, sizeof(token), "%zu", i);
                child_pointer(child, sizeof(child), pointer, token);
                if (!check_type(ps, v, json_type_string, child, "namespace type"))
                        return 0;
                t = ns_type_from_string(json_object_get_string(v));
                if (t == 0) {
                        report(ps, child, false,
                               "unknown namespace type \"%s\" (known: mnt, uts, ipc, net, pid, user, cgroup, time)",
                               quoted(json_object_get_string(v), q));
                        return 0;
                }
                if (mask & t) {
                        report(ps, child, false, "namespace type \"%s\" listed twice", ns_type_to_string(t));
                        return 0;
                }
                mask |= t;
        }
        return mask;
}

/* namespaces.lock[] and namespaces.lock_on_entry[]: same shape but for where the cgroup sits. */
static void parse_ns_rules(Parser *ps, json_object *arr, const char *pointer, PolicyRuleKind kind) {
        static const Field lock_fields[] = {
                { "cgroup", json_type_string },
                { "types", json_type_array },
                { "name", json_type_string, true },
        };
        static const Field entry_fields[] = {
                { "created_by", json_type_object },
                { "types", json_type_array },
                { "name", json_type_string, true },
        };
        static const Field created_by_fields[] = {
                { "cgroup", json_type_string },
        };
        bool on_entry = kind == POLICY_RULE_LOCK_ON_ENTRY;
        const char *what = on_entry ? "lock_on_entry entry" : "lock entry";

        if (!check_array(ps, arr, pointer, on_entry ? "lock_on_entry" : "lock"))
                return;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *e = json_object_array_get_idx(arr, i), *holder, *cgroup, *types;
                char child[1024], holder_ptr[1024], sub[1024], token[32];
                char *path = NULL, *name = NULL;
                uint32_t mask = 0;
                PolicyRule *r;
                bool ok, name_ok;

                snprintf(token, sizeof(token), "%zu", i);
                child_pointer(child, sizeof(child), pointer, token);
                if (!check_type(ps, e, json_type_object, child, what))
                        continue;
                /* A member removed for its type counts as reported, not as missing. */
                ok = check_fields(ps, e, child, what, on_entry ? entry_fields : lock_fields, ELEMENTSOF(lock_fields));

                holder = e;
                snprintf(holder_ptr, sizeof(holder_ptr), "%s", child);
                if (on_entry) {
                        if (!json_object_object_get_ex(e, "created_by", &holder)) {
                                if (ok)
                                        report(ps, child, false, "%s needs \"created_by\"", what);
                                continue;
                        }
                        child_pointer(holder_ptr, sizeof(holder_ptr), child, "created_by");
                        ok = check_fields(ps, holder, holder_ptr, "created_by", created_by_fields, 1) && ok;
                }
                if (!json_object_object_get_ex(holder, "cgroup", &cgroup)) {
                        if (ok)
                                report(ps, holder_ptr, false, "%s needs \"cgroup\"", on_entry ? "created_by" : what);
                        continue;
                }
                if (!json_object_object_get_ex(e, "types", &types)) {
                        if (ok)
                                report(ps, child, false, "%s needs \"types\"", what);
                        continue;
                }
                child_pointer(sub, sizeof(sub), holder_ptr, "cgroup");
                path = parse_cgroup_path(ps, cgroup, sub, "cgroup");
                child_pointer(sub, sizeof(sub), child, "types");
                mask = parse_ns_types(ps, types, sub);
                name = parse_name(ps, e, child, &name_ok);
                r = ok && name_ok && path && mask ? add_rule(ps, kind, i, child, POLICY_NO_PARENT, TAKE_PTR(name)) : NULL;
                if (!r) {
                        free(name);
                        free(path);
                        continue;
                }
                r->cgroup = path;
                r->ns_types = mask;
        }
}

static void parse_migration(Parser *ps, json_object *m) {
        static const Field fields[] = {
                { "protect", json_type_array },
                { "allow", json_type_array },
                { "delegate", json_type_array },
        };
        json_object *v;

        (void) check_fields(ps, m, "/migration", "\"migration\"", fields, ELEMENTSOF(fields));
        if (json_object_object_get_ex(m, "protect", &v))
                parse_protect(ps, v, "/migration/protect");
        if (json_object_object_get_ex(m, "allow", &v))
                parse_allow(ps, v, "/migration/allow", POLICY_NO_PARENT);
        if (json_object_object_get_ex(m, "delegate", &v))
                parse_delegate(ps, v, "/migration/delegate", POLICY_NO_PARENT);
}

static void parse_namespaces(Parser *ps, json_object *n) {
        static const Field fields[] = {
                { "lock", json_type_array },
                { "lock_on_entry", json_type_array },
        };
        json_object *v;

        (void) check_fields(ps, n, "/namespaces", "\"namespaces\"", fields, ELEMENTSOF(fields));
        if (json_object_object_get_ex(n, "lock", &v))
                parse_ns_rules(ps, v, "/namespaces/lock", POLICY_RULE_LOCK);
        if (json_object_object_get_ex(n, "lock_on_entry", &v))
                parse_ns_rules(ps, v, "/namespaces/lock_on_entry", POLICY_RULE_LOCK_ON_ENTRY);
}

/* "admin" (version 2): the cgroups whose tasks may switch the guard off (bpf/guard-decide.h,
 * guard_cgroup_admin()). Paths or patterns like every cgroup of a policy; never the root cgroup. */
static void parse_admin(Parser *ps, json_object *arr, const char *pointer) {
        Policy *p = ps->policy;

        if (ps->version < 2) {
                report(ps, pointer, true, "\"admin\" in the policy document needs \"version\": 2 (this file says version %u)",
                       ps->version);
                return;
        }
        if (!check_array(ps, arr, pointer, "admin"))
                return;
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *e = json_object_array_get_idx(arr, i);
                char child[1024], token[32];
                PolicyAdmin *admins;
                JsonPos pos;
                char *path;

                snprintf(token, sizeof(token), "%zu", i);
                child_pointer(child, sizeof(child), pointer, token);
                path = parse_cgroup_path(ps, e, child, "admin");
                if (!path)
                        continue;
                if (streq(path, "/")) {
                        report(ps, child, false, "admin \"/\": the root cgroup is never an admin cgroup (kernel threads "
                               "and the kernel's usermode helpers, such as a core_pattern pipe, run there)");
                        free(path);
                        continue;
                }
                admins = realloc(p->admins, (p->n_admins + 1) * sizeof(*admins));
                if (!admins) {
                        free(path);
                        ps->error = -ENOMEM;
                        return;
                }
                p->admins = admins;
                pos = json_pos_lookup(&ps->index, child, false);
                admins[p->n_admins++] = (PolicyAdmin) {
                        .cgroup = path,
                        .file = ps->file,
                        .index = i,
                        .line = pos.line,
                        .column = pos.column,
                };
        }
}

static void parse_document(Parser *ps, json_object *root) {
        static const Field fields[] = {
                { "version", json_type_null },
                { "mode", json_type_string },
                { "action", json_type_string },
                { "require", json_type_string },
                { "protect_self", json_type_boolean },
                { "record", json_type_boolean },
                { "admin", json_type_array },   /* version 2: checked in parse_admin(), the version
                                                  * is not known yet here */
                { "migration", json_type_object },
                { "namespaces", json_type_object },
        };
        PolicyFile *file = &ps->policy->files[ps->file];
        char q[QUOTED_BUF];
        json_object *v;

        if (!check_type(ps, root, json_type_object, "", "a policy document"))
                return;
        (void) check_fields(ps, root, "", "the policy document", fields, ELEMENTSOF(fields));

        if (!json_object_object_get_ex(root, "version", &v)) {
                report(ps, "", false, "missing \"version\" (this build reads versions 1 and %d)", POLICY_FORMAT_VERSION);
                return;
        }
        if (json_object_get_type(v) != json_type_int) {
                report(ps, "/version", false, "version must be an integer, not %s", json_type_name(json_object_get_type(v)));
                return;
        }
        if (json_object_get_int64(v) < 1 || json_object_get_int64(v) > POLICY_FORMAT_VERSION) {
                report(ps, "/version", false, "unsupported version %" PRId64 " (this build reads versions 1 and %d)",
                       json_object_get_int64(v), POLICY_FORMAT_VERSION);
                return;
        }
        ps->version = file->version = (unsigned) json_object_get_int64(v);

        if (json_object_object_get_ex(root, "mode", &v)) {
                file->mode = policy_mode_from_string(json_object_get_string(v));
                if (file->mode < 0)
                        report(ps, "/mode", false, "unknown mode \"%s\" (known: enforce, audit, off)",
                               quoted(json_object_get_string(v), q));
        }
        if (json_object_object_get_ex(root, "action", &v)) {
                file->action = policy_action_from_string(json_object_get_string(v));
                if (file->action < 0)
                        report(ps, "/action", false, "unknown action \"%s\" (known: deny, deny+freeze, deny+kill)",
                               quoted(json_object_get_string(v), q));
        }
        if (json_object_object_get_ex(root, "require", &v)) {
                const char *s = json_object_get_string(v);

                if (streq(s, "enforce"))
                        file->require_enforce = true;
                else if (!streq(s, "none"))
                        report(ps, "/require", false, "unknown requirement \"%s\" (known: enforce, none)", quoted(s, q));
        }
        if (json_object_object_get_ex(root, "protect_self", &v))
                file->protect_self = json_object_get_boolean(v);
        if (json_object_object_get_ex(root, "record", &v))
                file->record = json_object_get_boolean(v);
        if (json_object_object_get_ex(root, "admin", &v))
                parse_admin(ps, v, "/admin");
        if (json_object_object_get_ex(root, "migration", &v))
                parse_migration(ps, v);
        if (json_object_object_get_ex(root, "namespaces", &v))
                parse_namespaces(ps, v);
}

/* What the compiler and the kernel map can hold, counted over every file loaded so far: a
 * directory --check accepts is one the daemon loads. first_new is the first rule of this file. */
static int check_limits(const Policy *p, size_t first_new, Diagnostics *d) {
        size_t n_allow = 0;
        int r;

        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *rule = &p->rules[i];

                if (rule->kind == POLICY_RULE_ALLOW && ++n_allow == GUARD_ALLOW_MAX + 1 && i >= first_new) {
                        r = diag_add(d, DIAG_ERROR, policy_rule_file(p, rule)->path, rule->line, rule->column,
                                     "too many allow entries: this is allow entry %zu of all files, at most %d are supported",
                                     n_allow, GUARD_ALLOW_MAX);
                        return r < 0 ? r : -EINVAL;
                }
                /* Each rule is one map entry, and the generation needs a config entry too. */
                if (i + 2 > GUARD_POLICY_ENTRIES_MAX && i >= first_new) {
                        r = diag_add(d, DIAG_ERROR, policy_rule_file(p, rule)->path, rule->line, rule->column,
                                     "too many rules: the kernel policy map holds at most %d entries",
                                     GUARD_POLICY_ENTRIES_MAX);
                        return r < 0 ? r : -EINVAL;
                }
        }
        return 0;
}

static const Policy *names_policy;

static int compare_rule_names(const void *a, const void *b) {
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        int r = strcmp(names_policy->rules[x].name, names_policy->rules[y].name);

        return r ? r : (x > y) - (x < y);
}

/* Rule names are unique across files (denials, explain and D-Bus name a rule by it alone), and
 * sealed subtrees do not overlap (a task is inside one seal at most: the kernel keeps one per
 * cgroup). Errors go to the later rule, which must be in this file (from first_new on). */
static int check_names_and_seals(const Policy *p, size_t first_new, Diagnostics *d) {
        _cleanup_(freep) size_t *order = NULL;
        char q[QUOTED_BUF], q2[QUOTED_BUF];
        int r, ret = 0;

        order = malloc((p->n_rules + 1) * sizeof(size_t));
        if (!order)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_rules; i++)
                order[i] = i;
        names_policy = p;
        if (p->n_rules > 1)
                qsort(order, p->n_rules, sizeof(size_t), compare_rule_names);
        for (size_t k = 1; k < p->n_rules; k++) {
                const PolicyRule *a = &p->rules[order[k - 1]], *b = &p->rules[order[k]];

                if (order[k] < first_new || !streq(a->name, b->name))
                        continue;
                r = diag_add(d, DIAG_ERROR, policy_rule_file(p, b)->path, b->line, b->column,
                             "rule name \"%s\" is already used by the rule at %s:%u:%u (names are unique across files)",
                             quoted(b->name, q), policy_rule_file(p, a)->path, a->line, a->column);
                if (r < 0)
                        return r;
                ret = -EINVAL;
        }
        for (size_t j = first_new; j < p->n_rules; j++) {
                const PolicyRule *b = &p->rules[j];

                if (b->kind != POLICY_RULE_PROTECT || !b->seal)
                        continue;
                for (size_t i = 0; i < j; i++) {
                        const PolicyRule *a = &p->rules[i];

                        if (a->kind != POLICY_RULE_PROTECT || !a->seal || !cgroup_patterns_overlap(a->cgroup, b->cgroup))
                                continue;
                        r = diag_add(d, DIAG_ERROR, policy_rule_file(p, b)->path, b->line, b->column,
                                     "sealed subtree \"%s\" overlaps sealed subtree \"%s\" of rule \"%s\" at %s:%u:%u "
                                     "(sealed subtrees must not overlap)", quoted(b->cgroup, q), quoted(a->cgroup, q2),
                                     a->name, policy_rule_file(p, a)->path, a->line, a->column);
                        if (r < 0)
                                return r;
                        ret = -EINVAL;
                        break;
                }
        }
        return ret;
}

static int add_file(Policy *p, const char *path) {
        const char *slash = strrchr(path, '/');
        PolicyFile *files = realloc(p->files, (p->n_files + 1) * sizeof(*files));
        char *path_copy, *name_copy;

        if (!files)
                return -ENOMEM;
        p->files = files;
        path_copy = strdup(path);
        name_copy = strdup(slash ? slash + 1 : path);
        if (!path_copy || !name_copy) {
                free(path_copy);
                free(name_copy);
                return -ENOMEM;
        }
        files[p->n_files++] = (PolicyFile) {
                .path = path_copy,
                .name = name_copy,
                .mode = POLICY_MODE_ENFORCE,
                .action = POLICY_ACTION_DENY,
                .protect_self = -1,
                .version = 1,
        };
        return 0;
}

int policy_parse_buffer(Policy *p, const char *path, const char *text, size_t len, Diagnostics *d) {
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        _cleanup_(json_object_putp) json_object *root = NULL;
        size_t n_files = p->n_files, n_rules = p->n_rules, n_errors = d->n_errors;
        JsonPosError perr = {};
        Parser ps = {
                .policy = p,
                .file = p->n_files,
                .path = path,
                .diag = d,
        };
        int r;

        if (len > POLICY_FILE_SIZE_MAX)
                return diag_add(d, DIAG_ERROR, path, 1, 1, "file is larger than %d bytes", POLICY_FILE_SIZE_MAX);
        if (strlen(strrchr(path, '/') ? strrchr(path, '/') + 1 : path) > POLICY_FILE_NAME_MAX)
                return diag_add(d, DIAG_ERROR, path, 1, 1,
                                "file name is longer than %d bytes (it labels the rules' counts); rename the file",
                                POLICY_FILE_NAME_MAX);

        /* Some editors write one. JSON (RFC 8259) forbids it, but it is not worth refusing a
         * policy over: skip it, say so. Positions stay those an editor shows. */
        if (len >= 3 && memcmp(text, UTF8_BOM, 3) == 0) {
                r = diag_add(d, DIAG_WARNING, path, 1, 1,
                             "file starts with a UTF-8 byte order mark (BOM); skipped, but JSON does not allow one: "
                             "save the file without it");
                if (r < 0)
                        return r;
                text += 3;
                len -= 3;
        }

        /* Our scanner first: it knows positions and rejects what json-c's strict mode lets by. */
        r = json_pos_index_build(text, len, &ps.index, &perr);
        if (r == -EINVAL)
                return diag_add(d, DIAG_ERROR, path, perr.pos.line, perr.pos.column, "%s", perr.message);
        if (r < 0)
                return r;

        tok = json_tokener_new_ex(JSON_POS_MAX_DEPTH + 2);
        if (!tok) {
                r = -ENOMEM;
                goto finish;
        }
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        root = json_tokener_parse_ex(tok, text, (int) len);
        if (!root || json_tokener_get_error(tok) != json_tokener_success) {
                /* Should not happen after our scanner accepted the text; still, never trust it. */
                r = diag_add(d, DIAG_ERROR, path, 1, 1, "JSON parser rejected the document: %s",
                             json_tokener_error_desc(json_tokener_get_error(tok)));
                goto finish;
        }

        r = add_file(p, path);
        if (r < 0)
                goto finish;
        parse_document(&ps, root);
        r = ps.error < 0 ? ps.error : d->n_errors > n_errors ? -EINVAL : 0;
        if (r == 0)
                r = check_names_and_seals(p, n_rules, d);
        if (r == 0)
                r = check_limits(p, n_rules, d);
        if (r == 0)
                policy_number_rules(p);

finish:
        if (r < 0)
                policy_truncate(p, n_files, n_rules);
        json_pos_index_done(&ps.index);
        return r;
}

bool policy_file_name_wanted(const char *name) {
        size_t n = strlen(name);

        /* Hidden files cover editor state such as ".#x.json" (Emacs) and ".x.json.swp" (vim);
         * "x.json~" and friends fail the suffix test. */
        return name[0] != '.' && n > 5 && streq(name + n - 5, ".json");
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Opens name in the policy directory without ever following a symlink the directory's writer
 * could swap in between a check and the open: the check is the open (O_NOFOLLOW), and what is
 * read is the descriptor's file. A symlink is followed one step, to a plain name in the same
 * directory (a shared policy switched on by linking), never outside it: the directory is the
 * trust boundary. Returns the fd, or a diagnostic's -EINVAL. */
static int open_policy_file(int dir_fd, const char *name, const char *path, const char *dir_real, Diagnostics *d) {
        /* O_NONBLOCK: a FIFO named x.json must not hang us; the caller's fstat() rejects it. */
        const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW;
        char target[PATH_MAX], q[QUOTED_BUF];
        const char *link_name = target;
        size_t n_dir = strlen(dir_real);
        ssize_t n;
        int fd;

        fd = openat(dir_fd, name, flags);
        if (fd >= 0)
                return fd;
        /* Listed a moment ago, gone now: the directory is being changed (an editor, a rename).
         * Not an error of the file: the caller reads the directory again. */
        if (errno == ENOENT)
                return -EAGAIN;
        if (errno != ELOOP)
                return diag_add(d, DIAG_ERROR, path, 1, 1, "cannot open file: %s", strerror(errno));

        n = readlinkat(dir_fd, name, target, sizeof(target) - 1);
        if (n < 0)
                return diag_add(d, DIAG_ERROR, path, 1, 1, "cannot resolve symlink: %s", strerror(errno));
        target[n] = '\0';
        if (strneq(target, dir_real, n_dir) && target[n_dir] == '/')
                link_name = target + n_dir + 1;
        if (!*link_name || strchr(link_name, '/') || streq(link_name, ".") || streq(link_name, ".."))
                return diag_add(d, DIAG_ERROR, path, 1, 1, "symlink points outside the policy directory (to %s)",
                                quoted(target, q));
        fd = openat(dir_fd, link_name, flags);
        if (fd < 0 && errno == ELOOP)
                return diag_add(d, DIAG_ERROR, path, 1, 1, "symlink points to another symlink (%s); not followed",
                                quoted(target, q));
        if (fd < 0)
                return diag_add(d, DIAG_ERROR, path, 1, 1, "cannot resolve symlink: %s", strerror(errno));
        return fd;
}

static int read_policy_file(int dir_fd, const char *name, const char *path, const char *dir_real,
                            char **ret_text, size_t *ret_len, Diagnostics *d) {
        _cleanup_(closep) int fd = -EBADF;
        _cleanup_(freep) char *text = NULL;
        struct stat st;
        size_t len = 0;

        fd = open_policy_file(dir_fd, name, path, dir_real, d);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return diag_add(d, DIAG_ERROR, path, 1, 1, "cannot stat file: %s", strerror(errno));
        if (S_ISDIR(st.st_mode))
                return diag_add(d, DIAG_ERROR, path, 1, 1, "is a directory, not a policy file");
        if (!S_ISREG(st.st_mode))
                return diag_add(d, DIAG_ERROR, path, 1, 1, "not a regular file");
        if (st.st_mode & S_IWOTH)
                return diag_add(d, DIAG_ERROR, path, 1, 1, "file is writable by everyone; refusing to trust it");
        if (st.st_size > POLICY_FILE_SIZE_MAX)
                return diag_add(d, DIAG_ERROR, path, 1, 1, "file is larger than %d bytes", POLICY_FILE_SIZE_MAX);

        /* Read up to one byte past the limit: the file may grow between fstat() and read(). */
        text = malloc(POLICY_FILE_SIZE_MAX + 2);
        if (!text)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, text + len, POLICY_FILE_SIZE_MAX + 1 - len);

                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        return diag_add(d, DIAG_ERROR, path, 1, 1, "cannot read file: %s", strerror(errno));
                }
                if (n == 0)
                        break;
                len += n;
                if (len > POLICY_FILE_SIZE_MAX)
                        return diag_add(d, DIAG_ERROR, path, 1, 1, "file is larger than %d bytes", POLICY_FILE_SIZE_MAX);
        }
        text[len] = '\0';
        *ret_text = TAKE_PTR(text);
        *ret_len = len;
        return 0;
}

static void names_free(char **names, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* The names of the policy files in dh (dir), sorted; every other name but hidden ones and
 * directories said to be ignored (counted in *n_ignored). */
static int list_policy_files(DIR *dh, const char *dir, char ***ret, size_t *ret_n, size_t *n_ignored, Diagnostics *d) {
        char **names = NULL;
        size_t n_names = 0;
        struct dirent *de;
        int r = 0;

        errno = 0;
        while ((de = readdir(dh))) {
                char **n;

                if (!policy_file_name_wanted(de->d_name)) {
                        /* Hidden files are editor state; anything else was probably meant as a
                         * policy ("x.JSON", "x.conf", a backup "x.json~"): say it is not read. */
                        if (de->d_name[0] != '.' && de->d_type != DT_DIR) {
                                _cleanup_(freep) char *ignored = NULL;

                                (*n_ignored)++;
                                if (asprintf(&ignored, "%s/%s", dir, de->d_name) < 0 ||
                                    diag_add(d, DIAG_WARNING, ignored, 1, 1,
                                             "ignored: only files named *.json are read") < 0) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                        }
                        errno = 0;
                        continue;
                }
                if (n_names >= POLICY_FILES_MAX) {
                        r = diag_add(d, DIAG_ERROR, dir, 1, 1, "more than %d policy files", POLICY_FILES_MAX);
                        goto fail;
                }
                n = realloc(names, (n_names + 1) * sizeof(*n));
                if (!n) {
                        r = -ENOMEM;
                        goto fail;
                }
                names = n;
                names[n_names] = strdup(de->d_name);
                if (!names[n_names]) {
                        r = -ENOMEM;
                        goto fail;
                }
                n_names++;
        }
        if (errno != 0) {
                r = -errno;
                goto fail;
        }
        if (n_names > 0) /* qsort(NULL, 0, ...) is undefined (UBSan) */
                qsort(names, n_names, sizeof(*names), compare_names);
        *ret = names;
        *ret_n = n_names;
        return 0;
fail:
        names_free(names, n_names);
        return r;
}

static int load_directory_once(const char *dir, Policy *ret, Diagnostics *d) {
        _cleanup_(closedirp) DIR *dh = NULL;
        _cleanup_(freep) char *dir_real = NULL;
        char **names = NULL;
        size_t n_names = 0;
        Policy policy = {};
        int r;

        dh = opendir(dir);
        if (!dh)
                return -errno;
        dir_real = realpath(dir, NULL);
        if (!dir_real)
                return -errno;
        r = list_policy_files(dh, dir, &names, &n_names, &policy.n_ignored, d);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_names; i++) {
                _cleanup_(freep) char *path = NULL, *text = NULL;
                size_t len = 0;
                int q;

                if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                q = read_policy_file(dirfd(dh), names[i], path, dir_real, &text, &len, d);
                if (q == 0)
                        q = policy_parse_buffer(&policy, path, text, len, d);
                if (q == -ENOMEM || q == -EAGAIN) {
                        r = q;
                        break;
                }
                if (q < 0)
                        r = q;
        }
        names_free(names, n_names);
        if (r < 0) {
                policy_done(&policy);
                return r;
        }
        *ret = policy;
        return 0;
}

int policy_load_directory(const char *dir, Policy *ret, Diagnostics *d) {
        /* A file that vanishes between listing and opening means the directory is changing under
         * us: read it again, a few times; then let the caller wait for it to settle. */
        for (unsigned attempt = 0;; attempt++) {
                Diagnostics attempt_d = {};
                int r = load_directory_once(dir, ret, &attempt_d);

                if (r != -EAGAIN || attempt == 4) {
                        diag_done(d);
                        *d = attempt_d;
                        return r;
                }
                diag_done(&attempt_d);
        }
}
