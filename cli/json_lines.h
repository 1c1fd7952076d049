/*
 * json_lines.h — the CLI's one JSON writer (json_lines.c), used by every --json output: strings
 * with full escaping, integers, floats that read back exactly (table rows: table_out.h).
 */
#ifndef CDX_CLI_JSON_LINES_H
#define CDX_CLI_JSON_LINES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes `len` bytes as a JSON string literal (with quotes): '"' and '\\' escaped, control
 * characters as \n \r \t \b \f or \u00XX. Paths on POSIX are bytes, not text: each byte that is
 * not part of a well-formed UTF-8 sequence (stray continuation bytes, overlong forms, surrogates,
 * code points above U+10FFFF, truncated sequences) is written as \ufffd, so the output is always
 * valid JSON and valid UTF-8, at the cost of not round-tripping such names. */
void cli_json_string(FILE *out, const char *s, size_t len);
/* Writes `"key":` (the key escaped as above), and `"key":<value>`. */
void cli_json_key(FILE *out, const char *key);
void cli_json_int_member(FILE *out, const char *key, int64_t value);
/* Writes n integer members comma-separated: `"k1":v1,"k2":v2`. */
typedef struct cli_json_int {
    const char *key;
    int64_t value;
} cli_json_int;
void cli_json_int_members(FILE *out, const cli_json_int *members, size_t n);
/* The shortest decimal that reads back as exactly this float32 / float64 (null for NaN, inf). */
void cli_json_f32(FILE *out, float v);
void cli_json_f64(FILE *out, double v);

#endif
