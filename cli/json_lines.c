/*
 * json_lines.c — the JSON pieces clipdex prints: escaped strings, integers, and floats in the
 * shortest form that round-trips (so float32 vectors read back bit-exact).
 * JSON has no NaN or infinity; those print as null. Escaping rules: see json_lines.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <inttypes.h>

#include "json_lines.h"

/* Length of the valid UTF-8 sequence starting at s (at most len bytes), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
    size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
                                 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || n > len || (n == 2 && s[0] < 0xc2)) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) return 0;
    if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || s[0] > 0xf4 || (s[0] == 0xf4 && s[1] >= 0x90)))
        return 0;
    return n;
}

void cli_json_string(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
            i++;
        } else if (c < 0x20) {
            const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r"
                              : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
            if (named) fputs(named, out);
            else fprintf(out, "\\u%04x", c);
            i++;
        } else {
            size_t n = utf8_seq_len(p + i, len - i);
            if (n == 0) {
                fputs("\\ufffd", out);
                i++;
            } else {
                fwrite(p + i, 1, n, out);
                i += n;
            }
        }
    }
    fputc('"', out);
}

void cli_json_key(FILE *out, const char *key)
{
    cli_json_string(out, key, strlen(key));
    fputc(':', out);
}

void cli_json_int_member(FILE *out, const char *key, int64_t value)
{
    cli_json_key(out, key);
    fprintf(out, "%" PRId64, value);
}

void cli_json_int_members(FILE *out, const cli_json_int *members, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i) fputc(',', out);
        cli_json_int_member(out, members[i].key, members[i].value);
    }
}

void cli_json_f32(FILE *out, float v)
{
    if (!isfinite(v)) {
        fputs("null", out);
        return;
    }
    char buf[32];
    /* 9 significant digits always round-trip a float32; use fewer when they already do. */
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)v);
        if (strtof(buf, NULL) == v) break;
    }
    fputs(buf, out);
}

void cli_json_f64(FILE *out, double v)
{
    if (!isfinite(v)) {
        fputs("null", out);
        return;
    }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, out);
}
