/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "string-util.h"

size_t utf8_sequence_length(const unsigned char *p, size_t n) {
        uint32_t cp;
        size_t len;

        if (n == 0)
                return 0;
        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xc2 && p[0] <= 0xdf)
                len = 2, cp = p[0] & 0x1f;
        else if (p[0] >= 0xe0 && p[0] <= 0xef)
                len = 3, cp = p[0] & 0x0f;
        else if (p[0] >= 0xf0 && p[0] <= 0xf4)
                len = 4, cp = p[0] & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

/* Format characters that change how the text around them is shown, not themselves: the
 * bidirectional controls (U+061C, U+200E..U+200F, U+202A..U+202E, U+2066..U+2069; "Trojan
 * Source") and the line and paragraph separators (U+2028, U+2029), which some viewers break
 * lines at. */
static bool is_layout_control(const unsigned char *p, size_t l) {
        if (l == 2)
                return p[0] == 0xd8 && p[1] == 0x9c;
        if (l != 3 || p[0] != 0xe2)
                return false;
        return (p[1] == 0x80 && ((p[2] >= 0x8e && p[2] <= 0x8f) || (p[2] >= 0xa8 && p[2] <= 0xae))) ||
               (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9);
}

/* Writes the escaped form of the character at p (l bytes) to out, returns the bytes written
 * (at most 12). l == 0: an invalid byte. */
static size_t escape_one(const unsigned char *p, size_t l, EscapeFlags flags, char *out) {
        static const char letters[] = { ['\a'] = 'a', ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n',
                                        ['\v'] = 'v', ['\f'] = 'f', ['\r'] = 'r' };
        size_t n = 0;

        if (l == 0)
                return (size_t) sprintf(out, "\\x%02x", p[0]);
        if (flags & ESCAPE_CONTROL) {
                if (p[0] < sizeof(letters) && letters[p[0]]) {
                        out[0] = '\\';
                        out[1] = letters[p[0]];
                        return 2;
                }
                /* C1 (U+0080..U+009F, 0xc2 0x80..0x9f): 8-bit CSI and friends in some terminals. */
                if (p[0] < 0x20 || p[0] == 0x7f || (l == 2 && p[0] == 0xc2 && p[1] < 0xa0) || is_layout_control(p, l)) {
                        for (size_t i = 0; i < l; i++)
                                n += (size_t) sprintf(out + n, "\\x%02x", p[i]);
                        return n;
                }
        }
        if ((flags & ESCAPE_BACKSLASH) && p[0] == '\\') {
                out[0] = out[1] = '\\';
                return 2;
        }
        memcpy(out, p, l);
        return l;
}

char *str_escape(const char *s, EscapeFlags flags) {
        const unsigned char *p = (const unsigned char *) s;
        size_t len = strlen(s), n = 0;
        char *out;

        /* Each byte becomes at most 4 ("\xNN"). */
        if (len > (SIZE_MAX - 1) / 4)
                return NULL;
        out = malloc(len * 4 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < len;) {
                size_t l = utf8_sequence_length(p + i, len - i);

                n += escape_one(p + i, l, flags, out + n);
                i += l ?: 1;
        }
        out[n] = '\0';
        return out;
}

const char *quoted(const char *s, char buf[static QUOTED_BUF]) {
        const unsigned char *p = (const unsigned char *) s;
        size_t len = strlen(s), n = 0, i = 0;

        while (i < len) {
                size_t l = utf8_sequence_length(p + i, len - i);
                char one[16];
                size_t k;

                if (p[i] == '"')
                        k = (size_t) sprintf(one, "\\x22");
                else
                        k = escape_one(p + i, l, ESCAPE_CONTROL | ESCAPE_BACKSLASH, one);
                if (n + k > QUOTED_MAX)
                        break;
                memcpy(buf + n, one, k);
                n += k;
                i += l ?: 1;
        }
        strcpy(buf + n, i < len ? "..." : "");
        return buf;
}

char *ellipsize_middle(const char *s, size_t max) {
        static const char ellipsis[] = "\u2026";
        size_t len = strlen(s), head, tail;
        char *out;

        if (len <= max || max < 16)
                return strdup(s);
        head = (max - strlen(ellipsis)) / 2;
        tail = max - strlen(ellipsis) - head;
        /* Never split a UTF-8 sequence: move both cuts off continuation bytes. */
        while (head > 0 && ((unsigned char) s[head] & 0xc0) == 0x80)
                head--;
        while (tail > 0 && ((unsigned char) s[len - tail] & 0xc0) == 0x80)
                tail--;
        out = malloc(head + strlen(ellipsis) + tail + 1);
        if (!out)
                return NULL;
        memcpy(out, s, head);
        memcpy(out + head, ellipsis, strlen(ellipsis));
        memcpy(out + head + strlen(ellipsis), s + len - tail, tail);
        out[head + strlen(ellipsis) + tail] = '\0';
        return out;
}

void strv_free(char **v) {
        if (v)
                for (char **t = v; *t; t++)
                        free(*t);
        free(v);
}
