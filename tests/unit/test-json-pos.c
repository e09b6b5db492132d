/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json-pos.h"

static void test_positions(void **state) {
        static const char text[] = "{\n  \"a\": [1, {\"b\": \"x\"}],\n\t\"c~/d\": true,\n  \"é\": null\n}";
        JsonPosIndex idx = {};
        JsonPosError err = {};
        JsonPos p;

        assert_int_equal(json_pos_index_build(text, strlen(text), &idx, &err), 0);
        p = json_pos_lookup(&idx, "", false);
        assert_int_equal(p.line, 1);
        assert_int_equal(p.column, 1);
        p = json_pos_lookup(&idx, "/a", false);
        assert_int_equal(p.line, 2);
        assert_int_equal(p.column, 8);
        p = json_pos_lookup(&idx, "/a", true);
        assert_int_equal(p.column, 3);
        p = json_pos_lookup(&idx, "/a/1/b", false);
        assert_int_equal(p.column, 18);
        p = json_pos_lookup(&idx, "/c~0~1d", false);
        assert_int_equal(p.line, 3);
        assert_int_equal(p.column, 10);
        /* columns count characters: "é" is one */
        p = json_pos_lookup(&idx, "/é", false);
        assert_int_equal(p.line, 4);
        assert_int_equal(p.column, 8);
        /* unknown pointers fall back to the nearest indexed ancestor */
        p = json_pos_lookup(&idx, "/a/1/zzz", true);
        assert_int_equal(p.column, 12);
        json_pos_index_done(&idx);
}

static void expect_error(const char *text, size_t len, unsigned line, unsigned column, const char *message) {
        JsonPosIndex idx = {};
        JsonPosError err = {};

        assert_int_equal(json_pos_index_build(text, len, &idx, &err), -EINVAL);
        if (err.pos.line != line || err.pos.column != column || !strstr(err.message, message))
                fail_msg("for %.40s: got %u:%u %s, expected %u:%u %s", text, err.pos.line, err.pos.column,
                         err.message, line, column, message);
}

#define EXPECT_ERROR(text, line, column, message) expect_error(text, sizeof(text) - 1, line, column, message)

static void test_errors(void **state) {
        EXPECT_ERROR("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key \"a\"");
        EXPECT_ERROR("{\"a\": 1,}", 1, 9, "trailing comma");
        /* Keys compare as json-c decodes them: an escape must not hide a duplicate. */
        EXPECT_ERROR("{\"mode\": 1, \"\\u006dode\": 2}", 1, 13, "duplicate key \"mode\"");
        EXPECT_ERROR("{\"\\ud83d\\ude00\": 1, \"\xf0\x9f\x98\x80\": 2}", 1, 21, "duplicate key");
        EXPECT_ERROR("[1, 2,]", 1, 7, "trailing comma");
        EXPECT_ERROR("{'a': 1}", 1, 2, "expected a string key");
        EXPECT_ERROR("['a']", 1, 2, "single-quoted");
        EXPECT_ERROR("{\"a\": \"x\ny\"}", 1, 9, "raw control character");
        EXPECT_ERROR("{\"a\": 1} x", 1, 10, "after the JSON document");
        EXPECT_ERROR("{\"a\": 1", 1, 8, "expected ',' or '}'");
        EXPECT_ERROR("{\"a\" 1}", 1, 6, "expected ':'");
        EXPECT_ERROR("\"abc", 1, 1, "unterminated string");
        EXPECT_ERROR("[01]", 1, 3, "expected ',' or ']'");
        EXPECT_ERROR("[1.]", 1, 2, "invalid number");
        EXPECT_ERROR("[tru]", 1, 2, "invalid literal");
        EXPECT_ERROR("[\"\\x\"]", 1, 3, "invalid escape");
        EXPECT_ERROR("[\"\\u12g4\"]", 1, 3, "invalid \\u escape");
        EXPECT_ERROR("[\"\xff\"]", 1, 3, "invalid UTF-8");
        EXPECT_ERROR("[\"\xc0\xaf\"]", 1, 3, "invalid UTF-8");
        EXPECT_ERROR("[\"\xed\xa0\x80\"]", 1, 3, "invalid UTF-8");
        EXPECT_ERROR("\xff", 1, 1, "unexpected character");
        EXPECT_ERROR("", 1, 1, "unexpected end of file");
        EXPECT_ERROR("{\"a\":\n  [1, 2\x00]}", 2, 8, "NUL byte");
}

static void test_depth(void **state) {
        char deep[2 * (JSON_POS_MAX_DEPTH + 2) + 1];
        JsonPosIndex idx = {};
        JsonPosError err = {};
        size_t n = JSON_POS_MAX_DEPTH + 2;

        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = '\0';
        assert_int_equal(json_pos_index_build(deep, strlen(deep), &idx, &err), -EINVAL);
        assert_non_null(strstr(err.message, "nested deeper"));

        n = JSON_POS_MAX_DEPTH;
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = '\0';
        assert_int_equal(json_pos_index_build(deep, strlen(deep), &idx, &err), 0);
        json_pos_index_done(&idx);
}

static void test_many_keys_linear(void **state) {
        /* 50k distinct keys and one duplicate at the end: must be found, and quickly. */
        size_t n = 50000, size = n * 16 + 64, off = 0;
        char *text = malloc(size);
        JsonPosIndex idx = {};
        JsonPosError err = {};

        assert_non_null(text);
        off += snprintf(text + off, size - off, "{");
        for (size_t i = 0; i < n; i++)
                off += snprintf(text + off, size - off, "\"k%zu\":0,", i);
        off += snprintf(text + off, size - off, "\"k7\":1}");
        assert_int_equal(json_pos_index_build(text, off, &idx, &err), -EINVAL);
        assert_non_null(strstr(err.message, "duplicate key \"k7\""));
        free(text);
}

static void test_pointer_append(void **state) {
        char buf[8] = "";

        assert_true(json_pointer_append(buf, sizeof(buf), "a/b"));
        assert_string_equal(buf, "/a~1b");
        assert_false(json_pointer_append(buf, sizeof(buf), "xyz"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_positions),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_depth),
                cmocka_unit_test(test_many_keys_linear),
                cmocka_unit_test(test_pointer_append),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
