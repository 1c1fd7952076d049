/*
 * json_out.h — the few JSON-writing helpers the CLI needs for --json output: strings with full
 * escaping (control characters as \uXXXX, invalid UTF-8 bytes as U+FFFD) and integers.
 */
#ifndef CDX_CLI_JSON_OUT_H
#define CDX_CLI_JSON_OUT_H

#include <stdint.h>
#include <stdio.h>

/* Writes `s` as a JSON string literal (with quotes). Paths on POSIX are bytes, not text: each
 * byte that is not part of a well-formed UTF-8 sequence (stray continuation bytes, overlong forms,
 * surrogates, code points above U+10FFFF, truncated sequences) is written as \ufffd, so the output
 * is always valid JSON (and valid UTF-8) at the cost of not round-tripping such names. */
void json_write_string(FILE *out, const char *s);

/* Writes `"key":` (the key escaped as above). */
void json_write_key(FILE *out, const char *key);

/* Writes `"key":<value>`. */
void json_write_int_member(FILE *out, const char *key, int64_t value);

#endif
