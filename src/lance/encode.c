/*
 * encode.c — pieces shared by the Lance page encoders (encode.h): growable byte buffers, the
 * google.protobuf.Any wrapping every page encoding carries, and null counting over row ranges.
 */
#include "lance/encode.h"

#include <stdlib.h>
#include <string.h>

#include "google/protobuf/any.pb-c.h"
#include "core/error.h"

uint8_t *lance_wbuf_grow(lance_wbuf *b, size_t n)
{
    if (n > SIZE_MAX - b->len) return NULL;
    if (b->len + n > b->cap || !b->p) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) {
            if (cap > SIZE_MAX / 2) { cap = b->len + n; break; }
            cap *= 2;
        }
        uint8_t *p = realloc(b->p, cap);
        if (!p) return NULL;
        b->p = p;
        b->cap = cap;
    }
    uint8_t *at = b->p + b->len;
    b->len += n;
    return at;
}

int lance_wbuf_put(lance_wbuf *b, const void *p, size_t n)
{
    uint8_t *at = lance_wbuf_grow(b, n);
    if (!at) return -1;
    if (n) memcpy(at, p, n);
    return 0;
}

int lance_wbuf_put_u16(lance_wbuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return lance_wbuf_put(b, x, 2);
}

int lance_wbuf_put_u32(lance_wbuf *b, uint32_t v)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++) x[i] = (uint8_t)(v >> (8 * i));
    return lance_wbuf_put(b, x, 4);
}

int lance_wbuf_put_u64(lance_wbuf *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (8 * i));
    return lance_wbuf_put(b, x, 8);
}

int lance_wbuf_pad(lance_wbuf *b, size_t align, uint8_t fill)
{
    size_t r = (align - b->len % align) % align;
    uint8_t *at = lance_wbuf_grow(b, r);
    if (!at) return -1;
    memset(at, fill, r);
    return 0;
}

void lance_wbuf_free(lance_wbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void lance_page_out_free(lance_page_out *p)
{
    for (size_t i = 0; i < LANCE_PAGE_MAX_BUFFERS; i++) lance_wbuf_free(&p->bufs[i].own);
    free(p->encoding);
    memset(p, 0, sizeof *p);
}

int lance_pack_any(const char *type_name, const ProtobufCMessage *m, uint8_t **out, size_t *len,
                   cdx_error *err)
{
    *out = NULL;
    *len = 0;
    size_t n = protobuf_c_message_get_packed_size(m);
    size_t url_len = strlen(type_name) + 2;
    char *url = malloc(url_len);
    uint8_t *value = malloc(n ? n : 1);
    if (!url || !value) {
        free(url);
        free(value);
        return cdx_fail(err, CDX_ENOMEM, "lance writer: out of memory packing %s", type_name);
    }
    url[0] = '/';
    memcpy(url + 1, type_name, url_len - 1);
    protobuf_c_message_pack(m, value);
    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = url;
    any.value.data = value;
    any.value.len = n;
    size_t total = google__protobuf__any__get_packed_size(&any);
    *out = malloc(total);
    if (*out) {
        google__protobuf__any__pack(&any, *out);
        *len = total;
    }
    free(url);
    free(value);
    if (!*out) return cdx_fail(err, CDX_ENOMEM, "lance writer: out of memory packing %s", type_name);
    return 0;
}

uint64_t lance_enc_count_nulls(const lance_column *col, uint64_t start, uint64_t n)
{
    if (!col->validity) return 0;
    uint64_t nulls = 0;
    for (uint64_t r = start; r < start + n; r++) nulls += !lance_column_is_valid(col, r);
    return nulls;
}

int lance_enc_item_valid(const lance_column *col, uint64_t row, uint32_t j)
{
    if (!lance_column_is_valid(col, row)) return 0;
    if (!col->item_validity) return 1;
    uint64_t bit = row * col->dim + j;
    return (col->item_validity[bit / 8] >> (bit % 8)) & 1;
}
