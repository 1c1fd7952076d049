/*
 * base64.c — RFC 4648 base64 (standard alphabet, '=' padding, no line breaks), as Python's
 * base64.b64encode produces it for the API payload.
 */
#include "clipdex.h"

#include <stdint.h>
#include <stdlib.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *cdx_base64_encode(const void *data, size_t len, size_t *out_len) {
    const uint8_t *in = data;
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3) return NULL;
    const size_t n = (len + 2) / 3 * 4;
    char *out = malloc(n + 1);
    if (!out) return NULL;
    char *p = out;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        const uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        p[0] = b64_alphabet[v >> 18];
        p[1] = b64_alphabet[(v >> 12) & 63];
        p[2] = b64_alphabet[(v >> 6) & 63];
        p[3] = b64_alphabet[v & 63];
        p += 4;
    }
    if (i < len) {
        const uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
        p[0] = b64_alphabet[v >> 18];
        p[1] = b64_alphabet[(v >> 12) & 63];
        p[2] = '=';
        if (i + 1 < len) p[2] = b64_alphabet[(v >> 6) & 63];
        p[3] = '=';
        p += 4;
    }
    *p = 0;
    if (out_len) *out_len = n;
    return out;
}
