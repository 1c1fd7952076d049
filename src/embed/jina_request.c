/*
 * jina_request.c — the request bodies sent to the Jina API: exactly
 * {"model":"jina-clip-v1","input":[…],"embedding_type":"float","normalized":true} (the service
 * rejects unknown keys), inputs {"text":"…"} or {"image":"<base64 PNG>"}, where the PNG is the
 * Pillow-exact 224 thumbnail (one 1,000-token tile) encoded at the fast zlib level.
 */
#include "embed/jina.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static const char jina_head[] = "{\"model\":\"" JINA_MODEL "\",\"input\":[";
static const char jina_tail[] = "],\"embedding_type\":\"float\",\"normalized\":true}";

/* Bytes a JSON string literal of s takes (quotes included), or SIZE_MAX on overflow. */
static size_t jina_json_len(const char *s) {
    size_t n = 2;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t add = (*p == '"' || *p == '\\') ? 2 : *p < 0x20 ? 6 : 1;
        if (n > SIZE_MAX - add) return SIZE_MAX;
        n += add;
    }
    return n;
}

static char *jina_json_write(char *o, const char *s) {
    static const char hex[] = "0123456789abcdef";
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *o++ = '\\';
            *o++ = (char)*p;
        } else if (*p < 0x20) {
            *o++ = '\\';
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        } else {
            *o++ = (char)*p;
        }
    }
    *o++ = '"';
    return o;
}

/* {"<key>":<value as a JSON string>} into a new item. */
static int jina_item_make(const char *key, const char *value, size_t i, jina_item *item,
                          cdx_error *err) {
    size_t vlen = jina_json_len(value), klen = strlen(key);
    if (vlen > SIZE_MAX - klen - 8)
        return cdx_fail(err, CDX_ETOOLARGE, "jina: input %zu is too large", i);
    char *buf = malloc(vlen + klen + 8);
    if (!buf) return cdx_fail(err, CDX_ENOMEM, "jina: out of memory");
    char *o = buf;
    *o++ = '{';
    *o++ = '"';
    memcpy(o, key, klen);
    o += klen;
    *o++ = '"';
    *o++ = ':';
    o = jina_json_write(o, value);
    *o++ = '}';
    *o = '\0';
    item->json = buf;
    item->len = (size_t)(o - buf);
    item->index = i;
    return CDX_OK;
}

/* The image's thumbnail as base64 PNG; a decode failure goes to item_err, others to err. */
static int jina_image_b64(const jina_inputs *in, size_t i, char **b64, cdx_error *item_err,
                          cdx_error *err) {
    const cdx_blob *b = &in->images[i];
    const char *name = b->name ? b->name : "image";
    cdx_image *thumb = NULL;
    *b64 = NULL;
    int rc = cdx_thumbnail_mem(b->data, b->size, name, 224, in->image_opts, &thumb, item_err);
    if (rc == CDX_ENOMEM) return cdx_fail(err, rc, "%s: out of memory", name);
    if (rc != CDX_OK) return CDX_OK;
    uint8_t *png = NULL;
    size_t png_len = 0;
    rc = cdx_png_encode(thumb, CDX_PNG_LEVEL_FAST, &png, &png_len, err);
    cdx_image_free(thumb);
    if (rc != CDX_OK) return rc;
    *b64 = cdx_base64_encode(png, png_len, NULL);
    free(png);
    if (!*b64) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", name);
    return CDX_OK;
}

int jina_item_encode(const jina_inputs *in, size_t i, jina_item *item, cdx_error *err) {
    item->json = NULL;
    item->len = 0;
    item->index = i;
    if (in->texts) {
        if (!in->texts[i]) return cdx_fail(err, CDX_EINVAL, "jina: text %zu is NULL", i);
        return jina_item_make("text", in->texts[i], i, item, err);
    }
    cdx_error local = {0};
    cdx_error *item_err = in->item_errs ? &in->item_errs[i] : &local;
    char *b64 = NULL;
    int rc = jina_image_b64(in, i, &b64, item_err, err);
    if (rc != CDX_OK || !b64) return rc;
    rc = jina_item_make("image", b64, i, item, err);
    free(b64);
    return rc;
}

int jina_request_init(jina_request *r, size_t max_items, cdx_error *err) {
    memset(r, 0, sizeof *r);
    r->cap = 65536;
    r->body = malloc(r->cap);
    r->idx = malloc(max_items * sizeof *r->idx);
    if (!r->body || !r->idx) {
        jina_request_free(r);
        return cdx_fail(err, CDX_ENOMEM, "jina: out of memory");
    }
    memcpy(r->body, jina_head, sizeof jina_head - 1);
    r->len = sizeof jina_head - 1;
    return CDX_OK;
}

int jina_request_fits(const jina_request *r, const jina_item *item, size_t max_bytes) {
    if (r->count == 0) return 1;
    size_t need = r->len + 1 + item->len + sizeof jina_tail;
    return need >= r->len && need <= max_bytes;
}

static int jina_request_reserve(jina_request *r, size_t more, cdx_error *err) {
    if (more > SIZE_MAX - r->len - 1)
        return cdx_fail(err, CDX_ETOOLARGE, "jina: request too large");
    size_t need = r->len + more + 1;
    if (need <= r->cap) return CDX_OK;
    size_t cap = r->cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(r->body, cap);
    if (!p) return cdx_fail(err, CDX_ENOMEM, "jina: out of memory");
    r->body = p;
    r->cap = cap;
    return CDX_OK;
}

int jina_request_add(jina_request *r, const jina_item *item, cdx_error *err) {
    int rc = jina_request_reserve(r, item->len + 1, err);
    if (rc != CDX_OK) return rc;
    if (r->count) r->body[r->len++] = ',';
    memcpy(r->body + r->len, item->json, item->len);
    r->len += item->len;
    r->idx[r->count++] = item->index;
    return CDX_OK;
}

int jina_request_finish(jina_request *r, cdx_error *err) {
    int rc = jina_request_reserve(r, sizeof jina_tail, err);
    if (rc != CDX_OK) return rc;
    memcpy(r->body + r->len, jina_tail, sizeof jina_tail);
    r->len += sizeof jina_tail - 1;
    return CDX_OK;
}

void jina_request_free(jina_request *r) {
    free(r->body);
    free(r->idx);
    memset(r, 0, sizeof *r);
}

void jina_input_name(const jina_inputs *in, size_t i, char *buf, size_t cap) {
    if (in->images) {
        snprintf(buf, cap, "%s", in->images[i].name ? in->images[i].name : "image");
        return;
    }
    char text[48];
    size_t k = 0;
    for (const char *p = in->texts[i]; *p && k + 1 < sizeof text; p++) {
        text[k] = *p;
        if ((unsigned char)*p < 0x20) text[k] = ' ';
        k++;
    }
    if (in->texts[i][k]) /* cut: not inside a UTF-8 sequence */
        while (k && ((unsigned char)in->texts[i][k] & 0xC0) == 0x80)
            k--;
    text[k] = '\0';
    snprintf(buf, cap, "text \"%s%s\"", text, in->texts[i][k] ? "..." : "");
}
