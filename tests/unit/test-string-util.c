/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Escaping what attackers name: D-Bus-safe UTF-8, terminal-safe text, visible shortening. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "macro.h"
#include "string-util.h"

static bool valid_utf8(const char *s) {
        size_t len = strlen(s);

        for (size_t i = 0, l; i < len; i += l)
                if ((l = utf8_sequence_length((const unsigned char *) s + i, len - i)) == 0)
                        return false;
        return true;
}

static bool has_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

static void test_utf8_escape_invalid(void **state) {
        struct {
                const char *in, *out;
        } cases[] = {
                { "", "" },
                { "/plain/path", "/plain/path" },
                { "/bad\xff", "/bad\\xff" },
                { "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },           /* été stays */
                { "\xc3", "\\xc3" },                                     /* truncated sequence */
                { "\xc0\xaf", "\\xc0\\xaf" },                            /* overlong '/' */
                { "\xed\xa0\x80", "\\xed\\xa0\\x80" },                   /* surrogate */
                { "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },          /* > U+10FFFF */
                { "a\x1b[31mb\r\n", "a\x1b[31mb\r\n" },                  /* valid UTF-8: left alone */
                { "back\\slash", "back\\slash" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(freep) char *e = utf8_escape_invalid(cases[i].in);

                assert_non_null(e);
                assert_string_equal(e, cases[i].out);
                assert_true(valid_utf8(e));
        }
}

static void test_cescape(void **state) {
        struct {
                const char *in, *out;
        } cases[] = {
                { "/system.slice", "/system.slice" },
                { "spoof\x1b[2K\rJan 01 00:00:00 x", "spoof\\x1b[2K\\rJan 01 00:00:00 x" },
                { "/usr/bin/a\n\xe2\x96\x91\xe2\x96\x91 Support: x", "/usr/bin/a\\n\xe2\x96\x91\xe2\x96\x91 Support: x" },
                { "\t\a\b\v\f\x01\x7f", "\\t\\a\\b\\v\\f\\x01\\x7f" },
                { "csi\xc2\x9b" "31m", "csi\\xc2\\x9b31m" },              /* C1 CSI */
                { "nbsp\xc2\xa0", "nbsp\xc2\xa0" },                       /* U+00A0 is printable */
                { "a\\x1b", "a\\\\x1b" },                                 /* a literal backslash reads back */
                { "bad\xff", "bad\\xff" },
                /* Bidirectional controls reorder what a person reads ("Trojan Source"): a denial
                 * naming "/system.slice/\u202egol.service" must not show as "/system.slice/log...". */
                { "/x/\xe2\x80\xae" "evil", "/x/\\xe2\\x80\\xaeevil" },                /* U+202E RLO */
                { "\xe2\x80\xaa\xe2\x80\xac\xe2\x81\xa6\xe2\x81\xa9", "\\xe2\\x80\\xaa\\xe2\\x80\\xac\\xe2\\x81\\xa6\\xe2\\x81\\xa9" },
                { "\xe2\x80\x8f\xd8\x9c", "\\xe2\\x80\\x8f\\xd8\\x9c" },        /* RLM, ALM */
                { "line\xe2\x80\xa8sep", "line\\xe2\\x80\\xa8sep" },             /* U+2028 */
                { "dash\xe2\x80\x94ok", "dash\xe2\x80\x94ok" },                      /* U+2014 is printable */
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(freep) char *e = cescape(cases[i].in);

                assert_non_null(e);
                assert_string_equal(e, cases[i].out);
                assert_true(valid_utf8(e));
                assert_false(has_control(e));
        }

        /* Every byte value, alone: never a control character or invalid UTF-8 out. */
        for (unsigned c = 1; c < 256; c++) {
                char in[2] = { (char) c, 0 };
                _cleanup_(freep) char *e = cescape(in);

                assert_true(valid_utf8(e));
                assert_false(has_control(e));
        }
}

static void test_quoted(void **state) {
        char q[QUOTED_BUF], long_in[300];

        assert_string_equal(quoted("a\"b\\c\x1b\xff", q), "a\\x22b\\\\c\\x1b\\xff");
        memset(long_in, '\x1b', sizeof(long_in) - 1);
        long_in[sizeof(long_in) - 1] = '\0';
        quoted(long_in, q);
        assert_true(strlen(q) <= QUOTED_MAX + 3);
        assert_string_equal(q + strlen(q) - 3, "...");
        assert_false(has_control(q));
}

static void test_ellipsize_middle(void **state) {
        _cleanup_(freep) char *path = malloc(3801), *short_one = NULL, *e = NULL, *utf8 = NULL;
        const char *ellipsis = "\xe2\x80\xa6";
        char multi[200] = "";

        assert_non_null(path);
        path[0] = '/';
        for (size_t i = 1; i < 3800; i++)
                path[i] = i % 50 == 0 ? '/' : 'a' + i % 26;
        path[3800] = '\0';
        memcpy(path + 1, "HEAD", 4);
        memcpy(path + 3796, "TAIL", 4);

        short_one = ellipsize_middle("/short", 64);
        assert_string_equal(short_one, "/short");

        e = ellipsize_middle(path, 256);
        assert_non_null(e);
        assert_true(strlen(e) <= 256);
        assert_non_null(strstr(e, ellipsis));
        assert_true(strncmp(e, "/HEAD", 5) == 0);
        assert_string_equal(e + strlen(e) - 4, "TAIL");

        /* A cut never splits a UTF-8 character. */
        for (int i = 0; i < 60; i++)
                strcat(multi, "\xc3\xa9");
        utf8 = ellipsize_middle(multi, 33);
        assert_true(valid_utf8(utf8));
        assert_true(strlen(utf8) <= 33);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_utf8_escape_invalid),
                cmocka_unit_test(test_cescape),
                cmocka_unit_test(test_quoted),
                cmocka_unit_test(test_ellipsize_middle),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
