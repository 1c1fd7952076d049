/*
 * page20.c — decoders for Lance 2.0 pages (ArrayEncoding trees, lance protos/encodings_v2_0.proto)
 * as LanceDB 0.31 writes them for our column types: nullable{no_nulls|some_nulls|all_nulls},
 * flat fixed-width values, LSB-first validity bitmaps, fixed_size_list, binary (u64 end offsets
 * with null_adjustment) and dictionary (1-based indices, 0 = null) over binary items.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/page21.h"

#define P20_MAX_DEPTH 16

typedef Lance__Encodings__ArrayEncoding p20_enc;

CDX_PRINTF(4, 5)
static int p20_fail(const lance_page_ctx *ctx, cdx_error *err, int code, const char *fmt, ...);

static int p20_fail(const lance_page_ctx *ctx, cdx_error *err, int code, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return cdx_fail(err, code, "%s: column %u page %u: %s", ctx->file, ctx->column, ctx->page,
                    why);
}
#ifdef __clang_analyzer__
/* As with cdx_fail (core/error.h): the analyzer does not inline variadic functions, so show it
 * that p20_fail returns `code` (always non-zero here) rather than letting it explore "failed yet
 * returned 0" paths. */
#define p20_fail(ctx, err, code, ...) (p20_fail((ctx), (err), (code), __VA_ARGS__), (code))
#endif

/* The page buffer a Buffer message names. */
static int p20_buffer(const lance_page_ctx *ctx, const Lance__Encodings__Buffer *b,
                      lance_buf *out, cdx_error *err)
{
    uint32_t idx = b ? b->buffer_index : 0;
    if (b && b->buffer_type != LANCE__ENCODINGS__BUFFER__BUFFER_TYPE__page)
        return p20_fail(ctx, err, CDX_EUNSUPPORTED, "non-page buffer %u", idx);
    if (idx >= ctx->num_buffers)
        return p20_fail(ctx, err, CDX_ECORRUPT, "buffer %u of %zu", idx, ctx->num_buffers);
    *out = ctx->buffers[idx];
    return 0;
}

/* A flat encoding of `count` values of `bits` bits: its buffer, checked to be long enough. */
static int p20_flat(const lance_page_ctx *ctx, const p20_enc *enc, uint64_t bits, uint64_t count,
                    lance_buf *out, cdx_error *err)
{
    if (!enc || enc->array_encoding_case != LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT ||
        !enc->flat)
        return p20_fail(ctx, err, CDX_EUNSUPPORTED, "expected a flat encoding (case %d)",
                        enc ? (int)enc->array_encoding_case : -1);
    const Lance__Encodings__Flat *f = enc->flat;
    if (f->bits_per_value != bits)
        return p20_fail(ctx, err, CDX_EUNSUPPORTED, "flat %llu bits, expected %llu",
                        (unsigned long long)f->bits_per_value, (unsigned long long)bits);
    if (f->compression && f->compression->scheme && f->compression->scheme[0])
        return p20_fail(ctx, err, CDX_EUNSUPPORTED, "flat compression '%s'",
                        f->compression->scheme);
    int rc = p20_buffer(ctx, f->buffer, out, err);
    if (rc) return rc;
    if (count > UINT64_MAX / bits) return p20_fail(ctx, err, CDX_ECORRUPT, "too many values");
    uint64_t need = (count * bits + 7) / 8;
    if (out->len < need)
        return p20_fail(ctx, err, CDX_ETRUNCATED, "buffer has %llu bytes, %llu values of %llu "
                        "bits need %llu", (unsigned long long)out->len, (unsigned long long)count,
                        (unsigned long long)bits, (unsigned long long)need);
    return 0;
}

/* Reads a 1-bit flat validity bitmap of `count` bits into a new malloc'd bitmap. */
static int p20_validity(const lance_page_ctx *ctx, const p20_enc *enc, uint64_t count,
                        uint8_t **out, cdx_error *err)
{
    lance_buf b = {0};
    int rc = p20_flat(ctx, enc, 1, count, &b, err);
    if (rc) return rc;
    free(*out);
    *out = calloc(1, (size_t)(count / 8 + 1));
    if (!*out) return p20_fail(ctx, err, CDX_ENOMEM, "out of memory");
    memcpy(*out, b.ptr, (size_t)((count + 7) / 8));
    return 0;
}

/* Decodes `count` fixed-width values of `bits` bits into dst. Row nulls go to *validity; a
 * fixed_size_list of `dim` moves one level down (items, with item nulls in *item_validity);
 * dim 0 means the values are not a list (an FSL may have dim 1). */
// NOLINTNEXTLINE(misc-no-recursion): depth-checked against P20_MAX_DEPTH.
static int p20_fixed(const lance_page_ctx *ctx, const p20_enc *enc, uint64_t bits,
                     uint64_t count, uint32_t dim, void *dst, uint8_t **validity,
                     uint8_t **item_validity, int depth, cdx_error *err)
{
    if (depth > P20_MAX_DEPTH) return p20_fail(ctx, err, CDX_ECORRUPT, "encoding too deep");
    if (!enc) return p20_fail(ctx, err, CDX_ECORRUPT, "missing encoding");
    switch (enc->array_encoding_case) {
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT: {
        lance_buf b;
        if (dim != 0) return p20_fail(ctx, err, CDX_ECORRUPT, "flat where a list was expected");
        int rc = p20_flat(ctx, enc, bits, count, &b, err);
        if (!rc) memcpy(dst, b.ptr, (size_t)(count * bits / 8));
        return rc;
    }
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FIXED_SIZE_LIST: {
        const Lance__Encodings__FixedSizeList *l = enc->fixed_size_list;
        if (!l || dim == 0 || l->dimension != dim)
            return p20_fail(ctx, err, CDX_ECORRUPT, "fixed_size_list of %u, schema says %u",
                            l ? l->dimension : 0, dim);
        if (count > UINT64_MAX / dim) return p20_fail(ctx, err, CDX_ECORRUPT, "too many values");
        return p20_fixed(ctx, l->items, bits, count * dim, 0, dst, item_validity, NULL,
                         depth + 1, err);
    }
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE: {
        const Lance__Encodings__Nullable *n = enc->nullable;
        if (!n) break;
        if (n->nullability_case == LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS && n->no_nulls)
            return p20_fixed(ctx, n->no_nulls->values, bits, count, dim, dst, validity,
                             item_validity, depth + 1, err);
        if (!validity) return p20_fail(ctx, err, CDX_ECORRUPT, "nulls where none can be");
        if (n->nullability_case == LANCE__ENCODINGS__NULLABLE__NULLABILITY_ALL_NULLS) {
            free(*validity);
            *validity = calloc(1, (size_t)(count / 8 + 1));
            return *validity ? 0 : p20_fail(ctx, err, CDX_ENOMEM, "out of memory");
        }
        if (n->nullability_case == LANCE__ENCODINGS__NULLABLE__NULLABILITY_SOME_NULLS &&
            n->some_nulls) {
            int rc = p20_validity(ctx, n->some_nulls->validity, count, validity, err);
            if (rc) return rc;
            return p20_fixed(ctx, n->some_nulls->values, bits, count, dim, dst, validity,
                             item_validity, depth + 1, err);
        }
        break;
    }
    default:
        return p20_fail(ctx, err, CDX_EUNSUPPORTED, "2.0 encoding %d not supported here",
                        (int)enc->array_encoding_case);
    }
    return p20_fail(ctx, err, CDX_ECORRUPT, "empty nullable encoding");
}

/* Decodes `count` unsigned integers (flat 8/16/32/64 bits, optionally wrapped in
 * nullable.no_nulls) into dst as u64. */
static int p20_uints(const lance_page_ctx *ctx, const p20_enc *enc, uint64_t count,
                     uint64_t *dst, cdx_error *err)
{
    for (int d = 0; enc && enc->array_encoding_case ==
                               LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE; d++) {
        const Lance__Encodings__Nullable *n = enc->nullable;
        if (d > P20_MAX_DEPTH || !n ||
            n->nullability_case != LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS || !n->no_nulls)
            return p20_fail(ctx, err, CDX_EUNSUPPORTED, "nullable offsets or indices");
        enc = n->no_nulls->values;
    }
    /* array_encoding is a oneof: `flat` is only meaningful when the case says so (another case's
     * message would be read as a Flat). */
    uint64_t bits = enc && enc->array_encoding_case ==
                               LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT && enc->flat
                        ? enc->flat->bits_per_value : 0;
    if (bits != 8 && bits != 16 && bits != 32 && bits != 64)
        return p20_fail(ctx, err, CDX_EUNSUPPORTED, "integers of %llu bits",
                        (unsigned long long)bits);
    lance_buf b;
    int rc = p20_flat(ctx, enc, bits, count, &b, err);
    if (rc) return rc;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *p = b.ptr + i * (bits / 8);
        uint64_t v = 0;
        for (unsigned k = 0; k < bits / 8; k++) v |= (uint64_t)p[k] << (8 * k);
        dst[i] = v;
    }
    return 0;
}

/* binary{indices: u64 end offsets, bytes: flat 8, null_adjustment} → utf8 column of count. */
static int p20_binary(const lance_page_ctx *ctx, const Lance__Encodings__Binary *bin,
                      uint64_t count, lance_column *col, cdx_error *err)
{
    if (!bin) return p20_fail(ctx, err, CDX_ECORRUPT, "empty binary encoding");
    int rc = lance_column_alloc(col, LANCE_TYPE_UTF8, 1, count, err);
    if (rc) return rc;
    uint64_t *ends = col->offsets + 1; /* decode in place: offsets[i+1] = end of row i */
    rc = p20_uints(ctx, bin->indices, count, ends, err);
    if (rc) return rc;
    uint64_t adj = bin->null_adjustment, prev = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t e = ends[i];
        if (adj && e >= adj) {
            if ((rc = lance_column_set_null(col, i, err))) return rc;
            e = prev;
        } else if (e < prev) {
            return p20_fail(ctx, err, CDX_ECORRUPT, "string end offset %llu < %llu at row %llu",
                            (unsigned long long)e, (unsigned long long)prev,
                            (unsigned long long)i);
        }
        ends[i] = prev = e;
    }
    lance_buf b;
    rc = p20_flat(ctx, bin->bytes, 8, prev, &b, err);
    if (rc) return rc;
    col->data = malloc((size_t)(prev ? prev : 1));
    if (!col->data) return p20_fail(ctx, err, CDX_ENOMEM, "out of memory");
    if (prev) memcpy(col->data, b.ptr, (size_t)prev);
    col->data_len = prev;
    return 0;
}

/* dictionary{indices: 1-based (0 = null), items: binary} → utf8 column of count rows. */
static int p20_dictionary(const lance_page_ctx *ctx, const Lance__Encodings__Dictionary *d,
                          uint64_t count, lance_column *col, cdx_error *err)
{
    if (!d || !d->items ||
        d->items->array_encoding_case != LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_BINARY)
        return p20_fail(ctx, err, CDX_EUNSUPPORTED, "dictionary items are not binary");
    lance_column items = {0};
    int rc = p20_binary(ctx, d->items->binary, d->num_dictionary_items, &items, err);
    uint64_t *idx = NULL;
    if (!rc && !(idx = malloc((size_t)(count ? count : 1) * sizeof *idx)))
        rc = p20_fail(ctx, err, CDX_ENOMEM, "out of memory");
    if (!rc) rc = p20_uints(ctx, d->indices, count, idx, err);
    if (!rc) rc = lance_column_alloc(col, LANCE_TYPE_UTF8, 1, 0, err);
    for (uint64_t i = 0; i < count && !rc; i++) {
        lance_column one = {0};
        if (idx[i] > items.length) {
            rc = p20_fail(ctx, err, CDX_ECORRUPT, "dictionary index %llu of %llu at row %llu",
                          (unsigned long long)idx[i], (unsigned long long)items.length,
                          (unsigned long long)i);
            break;
        }
        /* A one-row view of item idx-1, or a null row. */
        uint64_t offs[2] = {0, 0};
        uint8_t nullbit = 0;
        one.type = LANCE_TYPE_UTF8;
        one.dim = 1;
        one.length = 1;
        one.offsets = offs;
        if (idx[i] == 0) {
            one.validity = &nullbit;
        } else {
            uint64_t k = idx[i] - 1;
            one.data = items.data + items.offsets[k];
            offs[1] = items.offsets[k + 1] - items.offsets[k];
        }
        rc = lance_column_append(col, &one, NULL, err);
    }
    free(idx);
    lance_column_free(&items);
    return rc;
}

// NOLINTNEXTLINE(misc-no-recursion): depth-checked against P20_MAX_DEPTH.
static int p20_utf8(const lance_page_ctx *ctx, const p20_enc *enc, uint64_t count,
                    lance_column *col, int depth, cdx_error *err)
{
    if (!enc || depth > P20_MAX_DEPTH) return p20_fail(ctx, err, CDX_ECORRUPT, "bad encoding");
    switch (enc->array_encoding_case) {
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_BINARY:
        return p20_binary(ctx, enc->binary, count, col, err);
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_DICTIONARY:
        return p20_dictionary(ctx, enc->dictionary, count, col, err);
    case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE: {
        const Lance__Encodings__Nullable *n = enc->nullable;
        if (n && n->nullability_case == LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS &&
            n->no_nulls)
            return p20_utf8(ctx, n->no_nulls->values, count, col, depth + 1, err);
        if (n && n->nullability_case == LANCE__ENCODINGS__NULLABLE__NULLABILITY_ALL_NULLS) {
            int rc = lance_column_alloc(col, LANCE_TYPE_UTF8, 1, count, err);
            if (!rc && !(col->validity = calloc(1, (size_t)(count / 8 + 1))))
                rc = p20_fail(ctx, err, CDX_ENOMEM, "out of memory");
            return rc;
        }
        if (n && n->nullability_case == LANCE__ENCODINGS__NULLABLE__NULLABILITY_SOME_NULLS &&
            n->some_nulls) {
            uint8_t *valid = NULL;
            int rc = p20_validity(ctx, n->some_nulls->validity, count, &valid, err);
            if (!rc) rc = p20_utf8(ctx, n->some_nulls->values, count, col, depth + 1, err);
            if (!rc && (rc = lance_column_alloc_validity(col, err)) == 0)
                for (uint64_t i = 0; i < (count + 7) / 8; i++) col->validity[i] &= valid[i];
            free(valid);
            return rc;
        }
        return p20_fail(ctx, err, CDX_ECORRUPT, "empty nullable encoding");
    }
    default:
        return p20_fail(ctx, err, CDX_EUNSUPPORTED, "2.0 string encoding %d not supported",
                        (int)enc->array_encoding_case);
    }
}

/* When `enc` is flat values (through no-null and fixed_size_list wrappers only), the buffer
 * that holds them: the page can then be a view of the file. */
static int p20_view_buffer(const lance_page_ctx *ctx, const p20_enc *enc, uint64_t bits,
                           uint64_t count, uint32_t dim, lance_buf *out)
{
    for (int depth = 0; enc && depth <= P20_MAX_DEPTH; depth++) {
        switch (enc->array_encoding_case) {
        case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT: {
            cdx_error ignored; /* a bad flat page fails again, with its message, in p20_fixed */
            return dim == 0 && p20_flat(ctx, enc, bits, count, out, &ignored) == 0;
        }
        case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FIXED_SIZE_LIST:
            if (!enc->fixed_size_list || dim == 0 || enc->fixed_size_list->dimension != dim ||
                count > UINT64_MAX / dim)
                return 0;
            count *= dim;
            dim = 0;
            enc = enc->fixed_size_list->items;
            break;
        case LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE:
            if (!enc->nullable ||
                enc->nullable->nullability_case != LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS ||
                !enc->nullable->no_nulls)
                return 0;
            enc = enc->nullable->no_nulls->values;
            break;
        default:
            return 0;
        }
    }
    return 0;
}

int lance_page20_decode(const lance_page_ctx *ctx, lance_column *out, cdx_error *err)
{
    memset(out, 0, sizeof *out);
    if (!ctx->array_encoding) return p20_fail(ctx, err, CDX_ECORRUPT, "no 2.0 encoding");
    int rc;
    if (ctx->type == LANCE_TYPE_UTF8) {
        rc = p20_utf8(ctx, ctx->array_encoding, ctx->num_rows, out, 0, err);
    } else {
        const uint64_t bits = 8 * lance_type_elem_size(ctx->type);
        const uint32_t dim = ctx->type == LANCE_TYPE_FSL_F32 ? ctx->dim : 0;
        lance_buf b;
        if (p20_view_buffer(ctx, ctx->array_encoding, bits, ctx->num_rows, dim, &b) &&
            (uintptr_t)b.ptr % (bits / 8) == 0) {
            lance_column_view(out, ctx->type, ctx->dim, ctx->num_rows, b.ptr);
            return 0;
        }
        rc = lance_column_alloc(out, ctx->type, ctx->dim, ctx->num_rows, err);
        if (!rc)
            rc = p20_fixed(ctx, ctx->array_encoding, 8 * lance_type_elem_size(ctx->type),
                           ctx->num_rows, ctx->type == LANCE_TYPE_FSL_F32 ? out->dim : 0,
                           out->values, &out->validity,
                           &out->item_validity, 0, err);
    }
    if (rc) lance_column_free(out);
    return rc;
}
