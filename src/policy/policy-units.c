/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "macro.h"
#include "policy-units.h"

/* Where systemd looks for unit files, less what a root that systemd's ProtectSystem=full still
 * lets write (/run: /run/systemd/system, the generators' and *.attached directories) would make
 * into trust; fewer directories than PID 1 searches only ever leave an entry out. Not
 * /run/systemd/transient: that is what systemd-run makes. */
const char *const policy_unit_dirs[POLICY_UNIT_DIRS_MAX + 1] = {
        "/etc/systemd/system",
        "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system",
        "/lib/systemd/system",
        POLICY_TRANSIENT_DIR, /* watched, never searched: see transient_unit_exists() */
        NULL,
};

/* A transient unit that took the name before its unit file arrived (systemd-run --unit=gdm.service
 * on a host without a display manager, then the admin installs one) keeps it: PID 1 loads
 * /run/systemd/transient first. Such a name is not the service's while it lasts; for a
 * template, any transient instance of it. */
static bool transient_unit_exists(const char *name) {
        const char *at = strchr(name, '@');
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (!at || !streq(at, "@.service")) {
                char path[PATH_MAX];

                return snprintf(path, sizeof(path), "%s/%s", POLICY_TRANSIENT_DIR, name) < (int) sizeof(path) &&
                       faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
        }
        d = opendir(POLICY_TRANSIENT_DIR);
        if (!d)
                return false;
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);

                if (strncmp(de->d_name, name, at - name + 1) == 0 && n > strlen(".service") &&
                    streq(de->d_name + n - strlen(".service"), ".service"))
                        return true;
        }
        return false;
}

bool policy_unit_file_exists(const char *name) {
        if (transient_unit_exists(name))
                return false;
        for (const char *const *dir = policy_unit_dirs; *dir; dir++) {
                char path[PATH_MAX];
                struct stat st;

                if (streq(*dir, POLICY_TRANSIENT_DIR))
                        continue;
                /* A symlink counts: an alias (sshd.service -> ssh.service) or a mask both keep
                 * the name from transient units. */
                if (snprintf(path, sizeof(path), "%s/%s", *dir, name) < (int) sizeof(path) &&
                    fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        return true;
        }
        return false;
}

char *policy_units_join(char **list, char *buf, size_t size) {
        buf[0] = '\0';
        for (char **t = list; t && *t; t++)
                snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", t == list ? "" : ", ", *t);
        return buf;
}

int policy_pattern_unit_file(const char *pattern, char **ret_name) {
        const char *last = strrchr(pattern, '/'), *at;
        size_t n;

        last = last ? last + 1 : pattern;
        n = strlen(last);
        if (n <= strlen(".service") || !streq(last + n - strlen(".service"), ".service"))
                return 0;
        at = strchr(last, '@');
        if (!at) {
                if (strpbrk(last, "*?["))
                        return 0;
                *ret_name = strdup(last);
                return *ret_name ? 1 : -ENOMEM;
        }
        /* The template: its prefix must be literal, the instance may be anything. */
        if (at == last || memchr(last, '*', at - last) || memchr(last, '?', at - last) ||
            memchr(last, '[', at - last))
                return 0;
        if (asprintf(ret_name, "%.*s@.service", (int) (at - last), last) < 0)
                return -ENOMEM;
        return 1;
}

/* Moves the entries of *list whose unit has no unit file to *dropped. */
static int drop_missing(char **list, char ***dropped, PolicyUnitFileFunc has_unit_file) {
        size_t kept = 0, n_dropped = 0;

        if (!list)
                return 0;
        for (size_t i = 0; list[i]; i++)
                n_dropped++;
        *dropped = calloc(n_dropped + 1, sizeof(char *));
        if (!*dropped)
                return -ENOMEM;
        n_dropped = 0;
        for (size_t i = 0; list[i]; i++) {
                _cleanup_(freep) char *name = NULL;
                int r = policy_pattern_unit_file(list[i], &name);

                if (r < 0)
                        return r;
                if (r > 0 && !has_unit_file(name))
                        (*dropped)[n_dropped++] = list[i];
                else
                        list[kept++] = list[i];
        }
        list[kept] = NULL;
        if (n_dropped == 0) {
                free(*dropped);
                *dropped = NULL;
        }
        return 0;
}

int policy_resolve_units(Policy *p, PolicyUnitFileFunc has_unit_file) {
        if (!has_unit_file)
                has_unit_file = policy_unit_file_exists;
        for (size_t i = 0; i < p->n_rules; i++) {
                PolicyRule *r = &p->rules[i];
                int k;

                if (r->kind != POLICY_RULE_ALLOW || r->units_resolved)
                        continue; /* once: the lists are cut already */
                r->units_resolved = true;
                k = drop_missing(r->from, &r->from_dropped, has_unit_file);
                if (k >= 0)
                        k = drop_missing(r->to, &r->to_dropped, has_unit_file);
                if (k < 0)
                        return k;
        }
        return 0;
}

static int add_named_unit(char **list, size_t *n, size_t max, size_t *omitted, const char *pattern) {
        _cleanup_(freep) char *name = NULL;
        int r;

        if (!pattern)
                return 0;
        r = policy_pattern_unit_file(pattern, &name);
        if (r <= 0)
                return r;
        for (size_t i = 0; i < *n; i++)
                if (streq(list[i], name))
                        return 0;
        if (*n >= max) {
                (*omitted)++;
                return 0;
        }
        list[(*n)++] = TAKE_PTR(name);
        return 0;
}

int policy_named_units(const Policy *p, size_t max, char ***ret, size_t *ret_omitted) {
        char **list = calloc(max + 1, sizeof(char *));
        size_t n = 0, omitted = 0;
        int r = 0;

        if (!list)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < p->n_rules; i++) {
                const PolicyRule *rule = &p->rules[i];
                char **lists[] = { rule->from, rule->to, rule->from_dropped, rule->to_dropped };

                /* What runs in a protected or locked service is confined whatever defines it. */
                if (rule->kind != POLICY_RULE_ALLOW && rule->kind != POLICY_RULE_DELEGATE)
                        continue;
                r = add_named_unit(list, &n, max, &omitted, rule->cgroup);
                for (size_t l = 0; r >= 0 && l < ELEMENTSOF(lists); l++)
                        for (char **t = lists[l]; r >= 0 && t && *t; t++)
                                r = add_named_unit(list, &n, max, &omitted, *t);
        }
        for (size_t i = 0; r >= 0 && i < p->n_admins; i++)
                r = add_named_unit(list, &n, max, &omitted, p->admins[i].cgroup);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(list[i]);
                free(list);
                return r;
        }
        *ret = list;
        if (ret_omitted)
                *ret_omitted = omitted;
        return (int) n;
}
