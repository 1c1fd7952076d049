/*
 * page21_internal.h — shared helpers of the Lance 2.1 page decoders (page21.c dispatches to
 * page21_miniblock.c and page21_fullzip.c): the error-context name of a page, a growable byte
 * buffer for string data, and the value shapes a CompressiveEncoding may produce.
 */
#ifndef CDX_LANCE_PAGE21_INTERNAL_H
#define CDX_LANCE_PAGE21_INTERNAL_H

#include "lance/codec.h"
#include "lance/page21.h"

typedef Lance__Encodings21__CompressiveEncoding lance_cenc;

/* "<file>: column C page P" for messages. */
typedef struct lance_page_name {
    char s[384];
} lance_page_name;
void lance_page21_name(const lance_page_ctx *ctx, lance_page_name *name);

/* Growable string bytes; handed to lance_column.data at the end. */
typedef struct lance_bytes {
    char *p;
    uint64_t len, cap;
} lance_bytes;
int lance_bytes_append(lance_bytes *b, const void *src, uint64_t n, const char *name,
                       cdx_error *err);
/* Reserves n more bytes and returns where they go (NULL on failure, err filled). */
char *lance_bytes_grow(lance_bytes *b, uint64_t n, const char *name, cdx_error *err);

/* Bits of one stored element of a fixed-width column type (FSL: one float, 32). */
unsigned lance_page21_elem_bits(lance_type type);

/* Whether a layer list is one item layer; sets *nullable. Anything else is unsupported. */
int lance_page21_check_layers(const Lance__Encodings21__RepDefLayer *layers, size_t n,
                              int *nullable, const char *name, cdx_error *err);

/* Sets row `row` null in out (allocating the bitmap), zeroing its fixed-width slot. */
int lance_page21_null_row(lance_column *out, uint64_t row, cdx_error *err);

int lance_page21_miniblock(const lance_page_ctx *ctx, const char *name, lance_column *out,
                           cdx_error *err);
int lance_page21_fullzip(const lance_page_ctx *ctx, const char *name, lance_column *out,
                         cdx_error *err);

#endif
