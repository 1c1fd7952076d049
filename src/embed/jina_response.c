/*
 * jina_response.c — reading the Jina API's answers: the embeddings of a 200 (sorted by `index`,
 * counted, dimension-checked: a wrong answer must never become a silently wrong vector), token
 * usage, and the `detail` of an error answer (a string, or FastAPI's list of {loc,msg,type}).
 */
#include "embed/jina.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int jina_why(char *why, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* One data item into its row of vecs; seen[] catches duplicate indices. */
static int jina_parse_item(const cJSON *item, size_t n, size_t dim, float *vecs, uint8_t *seen,
                           char *why, size_t cap) {
    const cJSON *index = cJSON_GetObjectItemCaseSensitive(item, "index");
    const cJSON *emb = cJSON_GetObjectItemCaseSensitive(item, "embedding");
    if (!cJSON_IsNumber(index) || !(index->valuedouble >= 0) || index->valuedouble >= (double)n ||
        index->valuedouble != floor(index->valuedouble))
        return jina_why(why, cap, "a data item has no valid index (0..%zu)", n - 1);
    size_t k = (size_t)index->valuedouble;
    if (seen[k]) return jina_why(why, cap, "index %zu appears twice", k);
    seen[k] = 1;
    if (!cJSON_IsArray(emb)) return jina_why(why, cap, "index %zu has no embedding array", k);
    size_t j = 0;
    float *row = vecs + k * dim;
    for (const cJSON *v = emb->child; v; v = v->next, j++) {
        if (j >= dim) break;
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || fabs(v->valuedouble) > 1e30)
            return jina_why(why, cap, "index %zu: embedding value %zu is not a finite number", k,
                            j);
        row[j] = (float)v->valuedouble;
    }
    size_t got = (size_t)cJSON_GetArraySize(emb);
    if (got != dim)
        return jina_why(why, cap, "index %zu: embedding has %zu values, want %zu", k, got, dim);
    return 0;
}

static int jina_parse_data(const cJSON *data, size_t n, size_t dim, float *vecs, char *why,
                           size_t cap) {
    if (!cJSON_IsArray(data)) return jina_why(why, cap, "no \"data\" array");
    size_t count = (size_t)cJSON_GetArraySize(data);
    if (count != n) return jina_why(why, cap, "%zu embeddings for %zu inputs", count, n);
    uint8_t *seen = calloc(n, 1);
    if (!seen) return jina_why(why, cap, "out of memory");
    int rc = 0;
    for (const cJSON *item = data->child; item && !rc; item = item->next)
        rc = jina_parse_item(item, n, dim, vecs, seen, why, cap);
    free(seen);
    return rc;
}

int jina_parse_embeddings(const char *body, size_t len, size_t n, size_t dim, float *vecs,
                          uint64_t *tokens, char *why, size_t why_cap) {
    if (n == 0 || dim == 0) return jina_why(why, why_cap, "nothing to parse");
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root) return jina_why(why, why_cap, "the answer is not valid JSON");
    int rc =
        jina_parse_data(cJSON_GetObjectItemCaseSensitive(root, "data"), n, dim, vecs, why, why_cap);
    if (rc == 0) {
        const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
        const cJSON *total = cJSON_GetObjectItemCaseSensitive(usage, "total_tokens");
        if (cJSON_IsNumber(total) && total->valuedouble >= 0 && total->valuedouble < 1e18)
            *tokens += (uint64_t)total->valuedouble;
    }
    cJSON_Delete(root);
    return rc;
}

/* Appends s to out (cap bytes, NUL-terminated), control characters as spaces. */
static void jina_append(char *out, size_t cap, const char *s, size_t n) {
    size_t o = strlen(out);
    for (size_t i = 0; i < n && s[i] && o + 1 < cap; i++) {
        out[o] = s[i];
        if ((unsigned char)s[i] < 0x20) out[o] = ' ';
        o++;
    }
    out[o] = '\0';
}

void jina_parse_detail(const char *body, size_t len, char *out, size_t cap) {
    if (cap == 0) return;
    out[0] = '\0';
    cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
    const cJSON *detail = cJSON_GetObjectItemCaseSensitive(root, "detail");
    if (cJSON_IsString(detail)) {
        jina_append(out, cap, detail->valuestring, SIZE_MAX);
    } else if (cJSON_IsArray(detail)) {
        for (const cJSON *d = detail->child; d; d = d->next) {
            const cJSON *msg = cJSON_GetObjectItemCaseSensitive(d, "msg");
            if (!cJSON_IsString(msg)) continue;
            if (out[0]) jina_append(out, cap, "; ", 2);
            jina_append(out, cap, msg->valuestring, SIZE_MAX);
        }
    }
    cJSON_Delete(root);
    if (!out[0] && body) jina_append(out, cap < 201 ? cap : 201, body, len);
}

void jina_scrub(char *msg, const char *key) {
    size_t n = key ? strlen(key) : 0;
    if (n == 0) return;
    for (char *p = strstr(msg, key); p; p = strstr(p + n, key))
        memset(p, '*', n);
}
