/*
 * encode.h — the seam between the Lance data-file writer (writer.c) and its page encoders
 * (encode20.c, encode21*.c): a growable byte buffer, the encoded form of one page (its buffers
 * plus the serialized google.protobuf.Any of its encoding) and the per-version page encoders.
 */
#ifndef CDX_LANCE_ENCODE_H
#define CDX_LANCE_ENCODE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"
#include "lance/column.h"
#include "lance/writer.h"

/* A growable byte buffer; zero-initialise, free with lance_wbuf_free. */
typedef struct lance_wbuf {
    uint8_t *p;
    size_t len, cap;
} lance_wbuf;

/* Make room for `n` more bytes; returns a pointer to them (len is advanced) or NULL. */
uint8_t *lance_wbuf_grow(lance_wbuf *b, size_t n);
int lance_wbuf_put(lance_wbuf *b, const void *p, size_t n);
int lance_wbuf_put_u16(lance_wbuf *b, uint16_t v);
int lance_wbuf_put_u32(lance_wbuf *b, uint32_t v);
int lance_wbuf_put_u64(lance_wbuf *b, uint64_t v);
/* Pads with `fill` to a multiple of `align`. */
int lance_wbuf_pad(lance_wbuf *b, size_t align, uint8_t fill);
void lance_wbuf_free(lance_wbuf *b);

#define LANCE_PAGE_MAX_BUFFERS 3

/* One encoded page. Each buffer is either `own` (ptr == own.p) or borrowed from the column
 * being encoded (ptr into its values; valid while that column is). */
typedef struct lance_page_out {
    struct {
        lance_wbuf own;
        const uint8_t *ptr;
        size_t len;
    } bufs[LANCE_PAGE_MAX_BUFFERS];
    size_t n_bufs;
    uint8_t *encoding; /* serialized google.protobuf.Any */
    size_t encoding_len;
} lance_page_out;

void lance_page_out_free(lance_page_out *p);

/* Serializes `m` wrapped in a google.protobuf.Any with type_url "/<type_name>" into *out
 * (malloc'd). */
int lance_pack_any(const char *type_name, const ProtobufCMessage *m, uint8_t **out, size_t *len,
                   cdx_error *err);

/* Number of null rows among rows [start, start+n) of `col`. */
uint64_t lance_enc_count_nulls(const lance_column *col, uint64_t start, uint64_t n);

/* Whether item `item` (row * dim + j) of an FSL column is valid: its row and the item. */
int lance_enc_item_valid(const lance_column *col, uint64_t row, uint32_t j);

/* Encodes rows [start, start+n) of `col` (n > 0) as one page of format 2.0 / 2.1. */
int lance_encode20_page(const lance_field_desc *f, const lance_column *col, uint64_t start,
                        uint64_t n, lance_page_out *out, cdx_error *err);
int lance_encode21_page(const lance_field_desc *f, const lance_column *col, uint64_t start,
                        uint64_t n, lance_page_out *out, cdx_error *err);

/* 2.1 structural layouts (encode21_miniblock.c, encode21_fullzip.c); `nulls` is the number of
 * null rows in the range, fewer than n. */
int lance_encode21_miniblock(const lance_field_desc *f, const lance_column *col, uint64_t start,
                             uint64_t n, uint64_t nulls, lance_page_out *out, cdx_error *err);
int lance_encode21_fullzip(const lance_field_desc *f, const lance_column *col, uint64_t start,
                           uint64_t n, uint64_t nulls, lance_page_out *out, cdx_error *err);
/* Packs a PageLayout as the page's Any. */
int lance_encode21_pack_layout(const ProtobufCMessage *layout, lance_page_out *out,
                               cdx_error *err);
/* Whether an FSL column has an invalid item among rows [start, start+n). */
int lance_enc_has_item_nulls(const lance_column *col, uint64_t start, uint64_t n);

#endif
