/*
 * jsonl_rows.c — the strict JSON Lines tokenizer behind `clipdex import` (RFC 8259 grammar, one
 * flat object per line). Unlike general JSON libraries it keeps integer literals exact as int64
 * (ids beyond 2^53 survive), refuses what a table row cannot hold (nesting, lone surrogates,
 * invalid UTF-8, NUL in strings) and names the line and byte column of every problem.
 */
#include "store/jsonl_rows.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

typedef struct jsonl_parser {
    const char *p, *start, *end;
    const char *src;
    uint64_t line_no;
    store_jsonl_row *row;
    cdx_error *err;
} jsonl_parser;

/* Offsets into the row's buffers while parsing (they may move as they grow). */
typedef struct jsonl_pending {
    size_t key, s, v;
} jsonl_pending;

#define JSONL_FAIL(ps, ...) jsonl_fail(ps, __VA_ARGS__)

static int jsonl_fail(jsonl_parser *ps, const char *fmt, const char *what)
{
    char reason[256];
    snprintf(reason, sizeof reason, fmt, what);
    return cdx_fail(ps->err, CDX_ECORRUPT, "%s: line %llu, column %zu: %s", ps->src,
                    (unsigned long long)ps->line_no, (size_t)(ps->p - ps->start) + 1, reason);
}

static int jsonl_nomem(jsonl_parser *ps)
{
    return cdx_fail(ps->err, CDX_ENOMEM, "%s: line %llu: out of memory", ps->src,
                    (unsigned long long)ps->line_no);
}

static void jsonl_skip_ws(jsonl_parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n'))
        ps->p++;
}

static int jsonl_text_reserve(jsonl_parser *ps, size_t more)
{
    store_jsonl_row *r = ps->row;
    if (more > SIZE_MAX / 2 - r->text_len) return jsonl_nomem(ps);
    if (r->text_len + more <= r->text_cap) return 0;
    size_t cap = r->text_cap ? r->text_cap : 256;
    while (cap < r->text_len + more) cap *= 2;
    char *t = realloc(r->text, cap);
    if (!t) return jsonl_nomem(ps);
    r->text = t;
    r->text_cap = cap;
    return 0;
}

static int jsonl_float_push(jsonl_parser *ps, float v)
{
    store_jsonl_row *r = ps->row;
    if (r->floats_len == r->floats_cap) {
        size_t cap = r->floats_cap ? r->floats_cap * 2 : 1024;
        if (cap > SIZE_MAX / sizeof(float)) return jsonl_nomem(ps);
        float *f = realloc(r->floats, cap * sizeof(float));
        if (!f) return jsonl_nomem(ps);
        r->floats = f;
        r->floats_cap = cap;
    }
    r->floats[r->floats_len++] = v;
    return 0;
}

/* Appends code point cp as UTF-8 to the text buffer (space reserved by the caller). */
static void jsonl_put_utf8(store_jsonl_row *r, uint32_t cp)
{
    char *o = r->text + r->text_len;
    if (cp < 0x80) {
        o[0] = (char)cp;
        r->text_len += 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        r->text_len += 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        r->text_len += 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        r->text_len += 4;
    }
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes; RFC 3629), or 0. */
static size_t jsonl_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 &&
                       (s[3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

static int jsonl_hex4(jsonl_parser *ps, uint32_t *out)
{
    if (ps->end - ps->p < 4) return JSONL_FAIL(ps, "%s", "truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = ps->p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return JSONL_FAIL(ps, "%s", "bad hex digit in \\u escape");
        v = v * 16 + (uint32_t)d;
    }
    ps->p += 4;
    *out = v;
    return 0;
}

/* The code point of a \u escape (p just after "\u"), joining a surrogate pair. */
static int jsonl_unicode_escape(jsonl_parser *ps, uint32_t *cp)
{
    int rc = jsonl_hex4(ps, cp);
    if (rc) return rc;
    if (*cp >= 0xDC00 && *cp <= 0xDFFF) return JSONL_FAIL(ps, "%s", "lone low surrogate");
    if (*cp >= 0xD800 && *cp <= 0xDBFF) {
        if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
            return JSONL_FAIL(ps, "%s", "high surrogate without a low surrogate");
        ps->p += 2;
        uint32_t lo;
        if ((rc = jsonl_hex4(ps, &lo))) return rc;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return JSONL_FAIL(ps, "%s", "high surrogate without a low surrogate");
        *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (*cp == 0) return JSONL_FAIL(ps, "%s", "\\u0000 (NUL) is not allowed in strings");
    return 0;
}

/* Parses a string (p at the opening quote) into the text buffer; *off gets its offset. */
static int jsonl_string(jsonl_parser *ps, size_t *off, size_t *len)
{
    ps->p++;
    *off = ps->row->text_len;
    for (;;) {
        if (ps->p >= ps->end) return JSONL_FAIL(ps, "%s", "unterminated string");
        int rc = jsonl_text_reserve(ps, 5);
        if (rc) return rc;
        store_jsonl_row *r = ps->row;
        unsigned char c = (unsigned char)*ps->p;
        if (c == '"') {
            ps->p++;
            *len = r->text_len - *off;
            r->text[r->text_len++] = 0;
            return 0;
        }
        if (c < 0x20) return JSONL_FAIL(ps, "%s", "control character in string");
        if (c != '\\') {
            size_t n = jsonl_utf8_len((const unsigned char *)ps->p, (size_t)(ps->end - ps->p));
            if (!n) return JSONL_FAIL(ps, "%s", "invalid UTF-8 in string");
            memcpy(r->text + r->text_len, ps->p, n);
            r->text_len += n;
            ps->p += n;
            continue;
        }
        if (ps->end - ps->p < 2) return JSONL_FAIL(ps, "%s", "unterminated string");
        char e = ps->p[1];
        ps->p += 2;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char out[] = "\"\\/\b\f\n\r\t";
            r->text[r->text_len++] = out[simple - "\"\\/bfnrt"];
        } else if (e == 'u') {
            uint32_t cp;
            if ((rc = jsonl_unicode_escape(ps, &cp))) return rc;
            jsonl_put_utf8(r, cp);
        } else {
            ps->p -= 1;
            return JSONL_FAIL(ps, "%s", "invalid escape in string");
        }
    }
}

/* Checks the RFC 8259 number grammar at p; *span gets its length, *integer whether it has no
 * fraction or exponent. */
static int jsonl_number_span(jsonl_parser *ps, size_t *span, int *integer)
{
    const char *q = ps->p, *e = ps->end;
    *integer = 1;
    if (q < e && *q == '-') q++;
    if (q >= e || *q < '0' || *q > '9') return JSONL_FAIL(ps, "%s", "invalid number");
    if (*q == '0') q++;
    else
        while (q < e && *q >= '0' && *q <= '9') q++;
    if (q < e && *q == '.') {
        *integer = 0;
        q++;
        if (q >= e || *q < '0' || *q > '9') return JSONL_FAIL(ps, "%s", "invalid number");
        while (q < e && *q >= '0' && *q <= '9') q++;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        *integer = 0;
        q++;
        if (q < e && (*q == '+' || *q == '-')) q++;
        if (q >= e || *q < '0' || *q > '9') return JSONL_FAIL(ps, "%s", "invalid number");
        while (q < e && *q >= '0' && *q <= '9') q++;
    }
    *span = (size_t)(q - ps->p);
    return 0;
}

/* Exact int64 of a validated integer literal; fails outside [INT64_MIN, INT64_MAX]. */
static int jsonl_int64(jsonl_parser *ps, size_t span, int64_t *out)
{
    const char *q = ps->p, *e = ps->p + span;
    int neg = *q == '-';
    if (neg) q++;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; q < e; q++) {
        uint64_t d = (uint64_t)(*q - '0');
        if (v > (limit - d) / 10) return JSONL_FAIL(ps, "%s", "integer out of int64 range");
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 0;
}

/* A validated number literal as double or float via strtod/strtof (C locale digits). The
 * literal is copied so the conversion cannot read past the line. */
static int jsonl_real(jsonl_parser *ps, size_t span, int single, double *out)
{
    char buf[512];
    if (span >= sizeof buf) return JSONL_FAIL(ps, "%s", "number literal too long");
    memcpy(buf, ps->p, span);
    buf[span] = 0;
    errno = 0;
    double v = single ? (double)strtof(buf, NULL) : strtod(buf, NULL);
    if (isinf(v)) /* underflow to 0 or a subnormal is fine; overflow is not */
        return JSONL_FAIL(ps, "%s", single ? "number out of float32 range"
                                           : "number out of float64 range");
    *out = v;
    return 0;
}

static int jsonl_array(jsonl_parser *ps, size_t *off, size_t *count)
{
    ps->p++;
    *off = ps->row->floats_len;
    *count = 0;
    jsonl_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return 0;
    }
    for (;;) {
        jsonl_skip_ws(ps);
        if (ps->p >= ps->end) return JSONL_FAIL(ps, "%s", "unterminated array");
        if (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9'))
            return JSONL_FAIL(ps, "%s", "arrays may only hold numbers");
        size_t span;
        int integer;
        double v;
        int rc = jsonl_number_span(ps, &span, &integer);
        if (!rc) rc = jsonl_real(ps, span, 1, &v);
        if (!rc) rc = jsonl_float_push(ps, (float)v);
        if (rc) return rc;
        ps->p += span;
        (*count)++;
        jsonl_skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
        } else if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return 0;
        } else {
            return JSONL_FAIL(ps, "%s", "expected ',' or ']' in array");
        }
    }
}

static int jsonl_literal(jsonl_parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return JSONL_FAIL(ps, "%s", "invalid value");
    ps->p += n;
    return 0;
}

/* Parses one member value into m (strings and arrays as offsets in pend). */
static int jsonl_value(jsonl_parser *ps, store_json_member *m, jsonl_pending *pend)
{
    if (ps->p >= ps->end) return JSONL_FAIL(ps, "%s", "missing value");
    char c = *ps->p;
    if (c == '"') {
        m->kind = STORE_JSON_STRING;
        return jsonl_string(ps, &pend->s, &m->len);
    }
    if (c == '[') {
        m->kind = STORE_JSON_ARRAY;
        return jsonl_array(ps, &pend->v, &m->len);
    }
    if (c == 'n') {
        m->kind = STORE_JSON_NULL;
        return jsonl_literal(ps, "null");
    }
    if (c == '{') return JSONL_FAIL(ps, "%s", "nested objects are not allowed");
    if (c == 't' || c == 'f') return JSONL_FAIL(ps, "%s", "booleans are not supported");
    size_t span;
    int integer, rc = jsonl_number_span(ps, &span, &integer);
    if (rc) return rc;
    if (integer) {
        m->kind = STORE_JSON_INT;
        rc = jsonl_int64(ps, span, &m->i);
        m->d = (double)m->i;
    } else {
        m->kind = STORE_JSON_FLOAT;
        rc = jsonl_real(ps, span, 0, &m->d);
    }
    if (!rc) ps->p += span;
    return rc;
}

static int jsonl_member_push(jsonl_parser *ps, jsonl_pending **pend, size_t *pend_cap)
{
    store_jsonl_row *r = ps->row;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        store_json_member *m = realloc(r->members, cap * sizeof *m);
        if (!m) return jsonl_nomem(ps);
        r->members = m;
        r->cap = cap;
    }
    if (r->n >= *pend_cap) { /* pend grows with the members; starts empty for each row */
        size_t cap = *pend_cap ? *pend_cap * 2 : 16;
        jsonl_pending *p = realloc(*pend, cap * sizeof *p);
        if (!p) return jsonl_nomem(ps);
        *pend = p;
        *pend_cap = cap;
    }
    memset(&r->members[r->n], 0, sizeof r->members[0]);
    memset(&(*pend)[r->n], 0, sizeof **pend);
    r->n++;
    return 0;
}

/* Parses the object's members (p just after '{'). */
static int jsonl_members(jsonl_parser *ps, jsonl_pending **pend, size_t *pend_cap)
{
    jsonl_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return 0;
    }
    for (;;) {
        jsonl_skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') return JSONL_FAIL(ps, "%s", "expected a key");
        int rc = jsonl_member_push(ps, pend, pend_cap);
        if (rc) return rc;
        store_json_member *m = &ps->row->members[ps->row->n - 1];
        jsonl_pending *pd = &(*pend)[ps->row->n - 1];
        size_t klen;
        const char *key_at = ps->p;
        if ((rc = jsonl_string(ps, &pd->key, &klen))) return rc;
        if (!klen) {
            ps->p = key_at;
            return JSONL_FAIL(ps, "%s", "empty key");
        }
        for (size_t i = 0; i + 1 < ps->row->n; i++)
            if (!strcmp(ps->row->text + (*pend)[i].key, ps->row->text + pd->key)) {
                ps->p = key_at;
                return JSONL_FAIL(ps, "duplicate key '%s'", ps->row->text + pd->key);
            }
        jsonl_skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') return JSONL_FAIL(ps, "%s", "expected ':'");
        ps->p++;
        jsonl_skip_ws(ps);
        if ((rc = jsonl_value(ps, m, pd))) return rc;
        jsonl_skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
        } else if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return 0;
        } else {
            return JSONL_FAIL(ps, "%s", "expected ',' or '}'");
        }
    }
}

int store_jsonl_parse_row(store_jsonl_row *row, const char *line, size_t len, const char *src,
                          uint64_t line_no, int *blank, cdx_error *err)
{
    jsonl_parser ps = {line, line, line + len, src ? src : "(input)", line_no, row, err};
    row->n = row->text_len = row->floats_len = 0;
    *blank = 0;
    jsonl_skip_ws(&ps);
    if (ps.p == ps.end) {
        *blank = 1;
        return 0;
    }
    if (*ps.p != '{') return jsonl_fail(&ps, "%s", "expected a JSON object");
    ps.p++;
    jsonl_pending *pend = NULL;
    size_t pend_cap = 0;
    int rc = jsonl_members(&ps, &pend, &pend_cap);
    if (!rc) {
        jsonl_skip_ws(&ps);
        if (ps.p != ps.end) rc = jsonl_fail(&ps, "%s", "trailing characters after the object");
    }
    for (size_t i = 0; !rc && i < row->n; i++) {
        store_json_member *m = &row->members[i];
        m->key = row->text + pend[i].key;
        if (m->kind == STORE_JSON_STRING) m->s = row->text + pend[i].s;
        if (m->kind == STORE_JSON_ARRAY) m->v = row->floats ? row->floats + pend[i].v : NULL;
    }
    free(pend);
    if (rc) row->n = 0;
    return rc;
}

void store_jsonl_row_free(store_jsonl_row *row)
{
    if (!row) return;
    free(row->members);
    free(row->text);
    free(row->floats);
    memset(row, 0, sizeof *row);
}
