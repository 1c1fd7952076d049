/*
 * json_out.c — a minimal JSON writer for the CLI's --json output. Strings are escaped per
 * RFC 8259 (quote, backslash, control characters); input that is not valid UTF-8 (RFC 3629) is
 * replaced byte by byte with U+FFFD so that a file name from any file system yields valid JSON.
 */
#include "json_out.h"

#include <inttypes.h>

/* Length of the well-formed UTF-8 sequence starting at s (RFC 3629, Table 3-7 of Unicode), or 0
 * when the byte at s does not start one. */
static int json_utf8_sequence_length(const unsigned char *s) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (s[1] < lo || s[1] > hi) return 0;
        return (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (s[1] < lo || s[1] > hi) return 0;
        if ((s[2] & 0xC0) != 0x80) return 0;
        return (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0; /* 0x80..0xC1 (continuation or overlong lead), 0xF5..0xFF */
}

void json_write_string(FILE *out, const char *str) {
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    while (*s) {
        unsigned char c = *s;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
            s++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n':
                fputs("\\n", out);
                break;
            case '\r':
                fputs("\\r", out);
                break;
            case '\t':
                fputs("\\t", out);
                break;
            case '\b':
                fputs("\\b", out);
                break;
            case '\f':
                fputs("\\f", out);
                break;
            default:
                fprintf(out, "\\u%04x", c);
                break;
            }
            s++;
        } else {
            /* A NUL terminator fails the continuation checks, so no read goes past it. */
            int n = json_utf8_sequence_length(s);
            if (n == 0) {
                fputs("\\ufffd", out);
                s++;
            } else {
                fwrite(s, 1, (size_t)n, out);
                s += n;
            }
        }
    }
    fputc('"', out);
}

void json_write_key(FILE *out, const char *key) {
    json_write_string(out, key);
    fputc(':', out);
}

void json_write_int_member(FILE *out, const char *key, int64_t value) {
    json_write_key(out, key);
    fprintf(out, "%" PRId64, value);
}
