/*
 * jsonl_rows.h — a strict, small JSON Lines tokenizer for importing rows: one line holds one flat
 * JSON object whose values are null, integers (kept exact as int64), other numbers (float64),
 * strings (decoded to UTF-8) or arrays of numbers (float32). Anything else is refused.
 */
#ifndef CDX_STORE_JSONL_ROWS_H
#define CDX_STORE_JSONL_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

typedef enum store_json_kind {
    STORE_JSON_NULL,
    STORE_JSON_INT,    /* an integer literal (no '.', 'e', 'E') within int64 */
    STORE_JSON_FLOAT,  /* any other number */
    STORE_JSON_STRING, /* valid UTF-8 without NUL bytes */
    STORE_JSON_ARRAY,  /* an array of numbers, each rounded to float32 */
} store_json_kind;

typedef struct store_json_member {
    const char *key; /* NUL-terminated, valid UTF-8 */
    store_json_kind kind;
    int64_t i;           /* STORE_JSON_INT */
    double d;            /* STORE_JSON_INT and STORE_JSON_FLOAT (an int as the nearest double) */
    const char *s;       /* STORE_JSON_STRING: NUL-terminated */
    size_t len;          /* string bytes, or array elements */
    const float *v;      /* STORE_JSON_ARRAY */
} store_json_member;

/* One parsed line. Reuse it for many lines: its buffers grow and are kept. */
typedef struct store_jsonl_row {
    store_json_member *members;
    size_t n, cap;
    char *text;   /* decoded keys and strings */
    size_t text_len, text_cap;
    float *floats; /* array elements */
    size_t floats_len, floats_cap;
} store_jsonl_row;

void store_jsonl_row_free(store_jsonl_row *row);

/* Parses one line (without its '\n'; a trailing '\r' is allowed) into row. An empty or
 * whitespace-only line sets *blank and row->n = 0. Errors (CDX_ECORRUPT, CDX_ENOMEM) name
 * `src`, the line number and the byte column: "<src>: line N, column C: reason". Duplicate keys
 * are refused. The members point into row's buffers until the next parse. */
int store_jsonl_parse_row(store_jsonl_row *row, const char *line, size_t len, const char *src,
                          uint64_t line_no, int *blank, cdx_error *err);

#endif
