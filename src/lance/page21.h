/*
 * page21.h — the seam between the Lance data-file reader and the page decoders. The reader finds
 * a page's buffers (bounds-checked against the file) and its decoded encoding protobuf; a page
 * decoder turns them into a lance_column of ctx->num_rows rows. 2.1 pages (PageLayout:
 * mini-block, full-zip, all-null) go to lance_page21_decode; 2.0 pages (ArrayEncoding) to
 * lance_page20_decode.
 */
#ifndef CDX_LANCE_PAGE21_H
#define CDX_LANCE_PAGE21_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"
#include "encodings_v2_0.pb-c.h"
#include "encodings_v2_1.pb-c.h"
#include "lance/column.h"

/* A byte range inside the (fully read) data file; the reader guarantees ptr[0..len) is valid. */
typedef struct lance_buf {
    const uint8_t *ptr;
    uint64_t len;
} lance_buf;

/* Everything a page decoder needs. Names are for error messages. */
typedef struct lance_page_ctx {
    const char *file;           /* data file path */
    uint32_t column;            /* column index in the file */
    uint32_t page;              /* page index within the column */
    const lance_buf *buffers;   /* the page's buffers, in Page.buffer_offsets order */
    size_t num_buffers;
    uint64_t num_rows;          /* Page.length */
    lance_type type;            /* the field's type (from the schema) */
    uint32_t dim;               /* FSL dimension (1 otherwise) */
    const Lance__Encodings21__PageLayout *layout;         /* 2.1 pages, else NULL */
    const Lance__Encodings__ArrayEncoding *array_encoding; /* 2.0 pages, else NULL */
} lance_page_ctx;

/* Decodes a 2.1 page into `out` (zeroed by the caller; on success it holds ctx->num_rows rows of
 * ctx->type, on failure it is left empty). Errors name ctx->file, column, page and the reason. */
int lance_page21_decode(const lance_page_ctx *ctx, lance_column *out, cdx_error *err);

/* Same for a 2.0 page (ArrayEncoding tree). */
int lance_page20_decode(const lance_page_ctx *ctx, lance_column *out, cdx_error *err);

#endif
