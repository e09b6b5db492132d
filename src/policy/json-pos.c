/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-pos.h"
#include "macro.h"
#include "string-util.h"

#define POINTER_MAX 1024

typedef struct Scanner {
        const char *text;
        size_t len;
        size_t off;
        JsonPos pos;
        JsonPosIndex *index;
        size_t allocated;
        JsonPosError *error;
        char pointer[POINTER_MAX];
} Scanner;

typedef struct KeyRef {
        char *key;
        JsonPos pos;
} KeyRef;

_printf_(3, 4) static int fail_at(Scanner *s, JsonPos pos, const char *format, ...) {
        va_list ap;

        s->error->pos = pos;
        va_start(ap, format);
        vsnprintf(s->error->message, sizeof(s->error->message), format, ap);
        va_end(ap);
        return -EINVAL;
}

static int peek(Scanner *s) {
        return s->off < s->len ? (unsigned char) s->text[s->off] : -1;
}

/* People annotate JSON by hand and then get "unexpected character": name what they wrote. */
static const char *comment_at(const Scanner *s) {
        const char *p = s->text + s->off;
        size_t left = s->len - s->off;

        if (left >= 2 && p[0] == '/' && p[1] == '/')
                return "'//'";
        if (left >= 2 && p[0] == '/' && p[1] == '*')
                return "'/* */'";
        if (left >= 1 && p[0] == '#')
                return "'#'";
        return NULL;
}

/* Fails at the current position with message, unless a comment starts there. */
static int fail_here(Scanner *s, const char *message) {
        const char *comment = comment_at(s);

        if (comment)
                return fail_at(s, s->pos, "a %s comment, but JSON has no comments; remove it", comment);
        return fail_at(s, s->pos, "%s", message);
}

static void advance(Scanner *s) {
        unsigned char c = s->text[s->off++];

        if (c == '\n') {
                s->pos.line++;
                s->pos.column = 1;
        } else if ((c & 0xc0) != 0x80) /* UTF-8 continuation bytes do not start a character */
                s->pos.column++;
}

static void skip_whitespace(Scanner *s) {
        for (int c = peek(s); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek(s))
                advance(s);
}

static int expect_literal(Scanner *s, const char *word) {
        JsonPos start = s->pos;
        size_t n = strlen(word);

        if (s->len - s->off < n || memcmp(s->text + s->off, word, n) != 0)
                return fail_at(s, start, "invalid literal (expected '%s')", word);
        for (size_t i = 0; i < n; i++)
                advance(s);
        return 0;
}

static int add_entry(Scanner *s, JsonPos key, JsonPos value) {
        char *copy;

        if (!GREEDY_REALLOC(s->index->entries, s->allocated, s->index->n_entries + 1))
                return -ENOMEM;
        copy = strdup(s->pointer);
        if (!copy)
                return -ENOMEM;
        s->index->entries[s->index->n_entries++] = (JsonPosEntry) { copy, value, key };
        return 0;
}

static int hex_value(int c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static unsigned hex4(const char *p) {
        unsigned v = 0;

        for (int i = 0; i < 4; i++)
                v = v << 4 | (unsigned) hex_value((unsigned char) p[i]);
        return v;
}

static char *put_utf8(char *o, unsigned cp) {
        if (cp < 0x80)
                *o++ = cp;
        else if (cp < 0x800) {
                *o++ = 0xc0 | cp >> 6;
                *o++ = 0x80 | (cp & 0x3f);
        } else if (cp < 0x10000) {
                *o++ = 0xe0 | cp >> 12;
                *o++ = 0x80 | ((cp >> 6) & 0x3f);
                *o++ = 0x80 | (cp & 0x3f);
        } else {
                *o++ = 0xf0 | cp >> 18;
                *o++ = 0x80 | ((cp >> 12) & 0x3f);
                *o++ = 0x80 | ((cp >> 6) & 0x3f);
                *o++ = 0x80 | (cp & 0x3f);
        }
        return o;
}

/* Decodes the inside of a string that scan_string() accepted, exactly as json-c will: keys must
 * compare the way json-c sees them, or "\u006dode" would slip past the duplicate check for
 * "mode". A lone surrogate becomes U+FFFD. */
static char *decode_string(const char *raw, size_t n) {
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                unsigned cp;

                if (raw[i] != '\\') {
                        *o++ = raw[i];
                        continue;
                }
                switch (raw[++i]) {
                case 'b': *o++ = '\b'; break;
                case 'f': *o++ = '\f'; break;
                case 'n': *o++ = '\n'; break;
                case 'r': *o++ = '\r'; break;
                case 't': *o++ = '\t'; break;
                case 'u':
                        cp = hex4(raw + i + 1);
                        i += 4;
                        if (cp >= 0xd800 && cp <= 0xdbff && i + 6 < n && raw[i + 1] == '\\' && raw[i + 2] == 'u') {
                                unsigned lo = hex4(raw + i + 3);

                                if (lo >= 0xdc00 && lo <= 0xdfff) {
                                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                        i += 6;
                                }
                        }
                        if (cp >= 0xd800 && cp <= 0xdfff)
                                cp = 0xfffd;
                        o = put_utf8(o, cp);
                        break;
                default: *o++ = raw[i]; break;
                }
        }
        *o = '\0';
        return out;
}

/* Scans a string; on success, ret_begin/ret_end (if non-NULL) delimit its raw inside. */
static int scan_string(Scanner *s, size_t *ret_begin, size_t *ret_end) {
        JsonPos start = s->pos;
        size_t begin;

        advance(s); /* opening quote */
        begin = s->off;
        for (;;) {
                int c = peek(s);

                if (c < 0)
                        return fail_at(s, start, "unterminated string");
                if (c == '"')
                        break;
                if (c < 0x20)
                        return fail_at(s, s->pos, "raw control character (0x%02x) in string; use an escape", c);
                if (c == '\\') {
                        JsonPos esc = s->pos;

                        advance(s);
                        c = peek(s);
                        if (c == 'u') {
                                unsigned cp = 0;

                                advance(s);
                                for (int i = 0; i < 4; i++) {
                                        if (hex_value(peek(s)) < 0)
                                                return fail_at(s, esc, "invalid \\u escape in string");
                                        cp = cp << 4 | hex_value(peek(s));
                                        advance(s);
                                }
                                /* Every string becomes a C string: "/a\u0000b" would protect "/a". */
                                if (cp == 0)
                                        return fail_at(s, esc, "\\u0000 (NUL) in a string is not allowed");
                                continue;
                        }
                        if (c < 0 || !strchr("\"\\/bfnrt", c))
                                return fail_at(s, esc, "invalid escape in string");
                        advance(s);
                        continue;
                }
                if (c >= 0x80) {
                        size_t l = utf8_sequence_length((const unsigned char *) s->text + s->off, s->len - s->off);

                        if (l == 0)
                                return fail_at(s, s->pos, "invalid UTF-8 in string");
                        for (size_t i = 0; i < l; i++)
                                advance(s);
                        continue;
                }
                advance(s);
        }
        if (ret_begin)
                *ret_begin = begin;
        if (ret_end)
                *ret_end = s->off;
        advance(s); /* closing quote */
        return 0;
}

static int scan_number(Scanner *s) {
        JsonPos start = s->pos;
        int c;

        if (peek(s) == '-')
                advance(s);
        c = peek(s);
        if (c == '0')
                advance(s);
        else if (c >= '1' && c <= '9')
                while (peek(s) >= '0' && peek(s) <= '9')
                        advance(s);
        else
                return fail_at(s, start, "invalid number");
        if (peek(s) == '.') {
                advance(s);
                if (!(peek(s) >= '0' && peek(s) <= '9'))
                        return fail_at(s, start, "invalid number");
                while (peek(s) >= '0' && peek(s) <= '9')
                        advance(s);
        }
        if (peek(s) == 'e' || peek(s) == 'E') {
                advance(s);
                if (peek(s) == '+' || peek(s) == '-')
                        advance(s);
                if (!(peek(s) >= '0' && peek(s) <= '9'))
                        return fail_at(s, start, "invalid number");
                while (peek(s) >= '0' && peek(s) <= '9')
                        advance(s);
        }
        return 0;
}

static int scan_value(Scanner *s, JsonPos key, unsigned depth);

static int compare_keyrefs(const void *a, const void *b) {
        const KeyRef *x = a, *y = b;
        int r = strcmp(x->key, y->key);

        /* Equal keys: order by position so the later duplicate is reported. */
        if (r != 0)
                return r;
        if (x->pos.line != y->pos.line)
                return x->pos.line < y->pos.line ? -1 : 1;
        return x->pos.column < y->pos.column ? -1 : (x->pos.column > y->pos.column);
}

static void keyrefs_free(KeyRef *keys, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(keys[i].key);
        free(keys);
}

/* One "key": value member of an object; the key joins keys for the duplicate check. Restores the
 * pointer buffer to its length on entry when the member is done. */
static int scan_member(Scanner *s, unsigned depth, KeyRef **keys, size_t *n_keys, size_t *allocated) {
        size_t base = strlen(s->pointer);
        JsonPos key_pos = s->pos;
        size_t begin, end;
        char *key;
        int r;

        if (peek(s) != '"')
                return fail_here(s, "expected a string key in object");
        r = scan_string(s, &begin, &end);
        if (r < 0)
                return r;
        key = decode_string(s->text + begin, end - begin);
        if (!key)
                return -ENOMEM;
        if (!GREEDY_REALLOC(*keys, *allocated, *n_keys + 1)) {
                free(key);
                return -ENOMEM;
        }
        (*keys)[(*n_keys)++] = (KeyRef) { key, key_pos };

        skip_whitespace(s);
        if (peek(s) != ':')
                return fail_at(s, s->pos, "expected ':' after object key");
        advance(s);
        skip_whitespace(s);

        if (!json_pointer_append(s->pointer, sizeof(s->pointer), key))
                return fail_at(s, key_pos, "document nested too deeply or keys too long");
        r = scan_value(s, key_pos, depth + 1);
        s->pointer[base] = '\0';
        return r;
}

/* Sorting instead of pairwise comparison keeps objects with many keys linear-ish. */
static int check_duplicate_keys(Scanner *s, KeyRef *keys, size_t n_keys) {
        if (n_keys < 2)
                return 0;
        qsort(keys, n_keys, sizeof(*keys), compare_keyrefs);
        for (size_t i = 1; i < n_keys; i++)
                if (streq(keys[i].key, keys[i - 1].key)) {
                        char q[QUOTED_BUF];

                        return fail_at(s, keys[i].pos, "duplicate key \"%s\" (first at line %u, column %u)",
                                       quoted(keys[i].key, q), keys[i - 1].pos.line, keys[i - 1].pos.column);
                }
        return 0;
}

static int scan_object(Scanner *s, unsigned depth) {
        KeyRef *keys = NULL;
        size_t n_keys = 0, allocated = 0;
        int r;

        advance(s); /* '{' */
        skip_whitespace(s);
        if (peek(s) == '}') {
                advance(s);
                return 0;
        }
        for (;;) {
                r = scan_member(s, depth, &keys, &n_keys, &allocated);
                if (r < 0)
                        break;

                skip_whitespace(s);
                if (peek(s) == ',') {
                        advance(s);
                        skip_whitespace(s);
                        if (peek(s) == '}') {
                                r = fail_at(s, s->pos, "trailing comma in object");
                                break;
                        }
                        continue;
                }
                if (peek(s) == '}') {
                        advance(s);
                        break;
                }
                r = fail_here(s, "expected ',' or '}' in object");
                break;
        }

        if (r >= 0) {
                int d = check_duplicate_keys(s, keys, n_keys);

                if (d < 0)
                        r = d;
        }
        keyrefs_free(keys, n_keys);
        return r;
}

static int scan_array(Scanner *s, unsigned depth) {
        size_t base = strlen(s->pointer);
        char token[32];

        advance(s); /* '[' */
        skip_whitespace(s);
        if (peek(s) == ']') {
                advance(s);
                return 0;
        }
        for (size_t i = 0;; i++) {
                int r;

                snprintf(token, sizeof(token), "%zu", i);
                if (!json_pointer_append(s->pointer, sizeof(s->pointer), token))
                        return fail_at(s, s->pos, "document nested too deeply");
                r = scan_value(s, s->pos, depth + 1);
                s->pointer[base] = '\0';
                if (r < 0)
                        return r;

                skip_whitespace(s);
                if (peek(s) == ',') {
                        advance(s);
                        skip_whitespace(s);
                        if (peek(s) == ']')
                                return fail_at(s, s->pos, "trailing comma in array");
                        continue;
                }
                if (peek(s) == ']') {
                        advance(s);
                        return 0;
                }
                return fail_here(s, "expected ',' or ']' in array");
        }
}

static int scan_value(Scanner *s, JsonPos key, unsigned depth) {
        JsonPos start = s->pos;
        int c = peek(s), r;

        if (depth > JSON_POS_MAX_DEPTH)
                return fail_at(s, start, "document nested deeper than %d levels", JSON_POS_MAX_DEPTH);

        r = add_entry(s, key, start);
        if (r < 0)
                return r;

        switch (c) {
        case '{':
                return scan_object(s, depth);
        case '[':
                return scan_array(s, depth);
        case '"':
                return scan_string(s, NULL, NULL);
        case 't':
                return expect_literal(s, "true");
        case 'f':
                return expect_literal(s, "false");
        case 'n':
                return expect_literal(s, "null");
        case -1:
                return fail_at(s, start, "unexpected end of file, expected a value");
        default:
                if (c == '-' || (c >= '0' && c <= '9'))
                        return scan_number(s);
                if (c == '\'')
                        return fail_at(s, start, "single-quoted strings are not JSON; use double quotes");
                /* Not even one byte of it: the file may not be a policy at all. */
                return fail_here(s, "unexpected character, expected a value");
        }
}

static int compare_entries(const void *a, const void *b) {
        return strcmp(((const JsonPosEntry *) a)->pointer, ((const JsonPosEntry *) b)->pointer);
}

int json_pos_index_build(const char *text, size_t len, JsonPosIndex *ret, JsonPosError *ret_error) {
        JsonPosIndex index = {};
        Scanner s = {
                .text = text,
                .len = len,
                .pos = { 1, 1 },
                .index = &index,
                .error = ret_error,
        };
        int r;

        /* NUL bytes would silently truncate the document for C string code further down. */
        const char *nul = memchr(text, '\0', len);
        if (nul) {
                while (s.off < (size_t) (nul - text))
                        advance(&s);
                return fail_at(&s, s.pos, "NUL byte in file");
        }

        /* A UTF-8 byte order mark is tolerated, like most JSON readers do. */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                s.off = 3;

        skip_whitespace(&s);
        r = scan_value(&s, s.pos, 0);
        if (r >= 0) {
                skip_whitespace(&s);
                if (s.off < s.len)
                        r = fail_here(&s, "unexpected content after the JSON document");
        }
        if (r < 0) {
                json_pos_index_done(&index);
                return r;
        }

        qsort(index.entries, index.n_entries, sizeof(*index.entries), compare_entries);
        *ret = index;
        return 0;
}

void json_pos_index_done(JsonPosIndex *index) {
        for (size_t i = 0; i < index->n_entries; i++)
                free(index->entries[i].pointer);
        free(index->entries);
        *index = (JsonPosIndex) {};
}

JsonPos json_pos_lookup(const JsonPosIndex *index, const char *pointer, bool key) {
        char buf[POINTER_MAX];

        snprintf(buf, sizeof(buf), "%s", pointer);
        for (;;) {
                JsonPosEntry probe = { .pointer = buf };
                const JsonPosEntry *e = bsearch(&probe, index->entries, index->n_entries,
                                                sizeof(*index->entries), compare_entries);
                char *slash;

                if (e)
                        return key ? e->key : e->value;
                slash = strrchr(buf, '/');
                if (!slash)
                        return (JsonPos) { 1, 1 };
                *slash = '\0';
                key = false;
        }
}

bool json_pointer_append(char *buf, size_t size, const char *token) {
        size_t n = strlen(buf);

        if (n + 1 >= size)
                return false;
        buf[n++] = '/';
        for (const char *t = token; *t; t++) {
                const char *esc = *t == '~' ? "~0" : *t == '/' ? "~1" : NULL;
                size_t l = esc ? 2 : 1;

                if (n + l >= size)
                        return false;
                if (esc)
                        memcpy(buf + n, esc, 2);
                else
                        buf[n] = *t;
                n += l;
        }
        buf[n] = '\0';
        return true;
}
