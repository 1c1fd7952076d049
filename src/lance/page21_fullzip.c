/*
 * page21_fullzip.c — the full-zip layout of Lance 2.1 (lance `fullzip.rs`): buffer 0 holds the
 * rows one after another, each `[control word][value]`. The control word (1, 2 or 4 bytes, only
 * when bits_rep + bits_def > 0) carries the definition level in its low bits. Fixed width:
 * bits_per_value/8 bytes per row (FSL: item-validity bitmap then floats). Variable width: a
 * `u32` length and the bytes, or nothing for a null row; values may be zstd'd one by one.
 * Buffer 1 (repetition index) only speeds up random access and is not needed for a scan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/page21_internal.h"

typedef struct fz_plan {
    size_t cw_bytes;
    uint32_t def_mask;
    int zstd;           /* variable: each value is general{zstd} */
    int fsl_validity;   /* fixed FSL: item-validity bitmap before the floats */
    size_t value_bytes; /* fixed: bytes per row after the control word */
} fz_plan;

static unsigned fz_flat_bits(const lance_cenc *e) {
    if (!e || e->compression_case != LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FLAT ||
        e->flat->_data_case != 0 || e->flat->bits_per_value > 1u << 20)
        return 0;
    return (unsigned)e->flat->bits_per_value;
}

static int fz_is_variable32(const lance_cenc *e) {
    return e &&
           e->compression_case == LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_VARIABLE &&
           e->variable->_values_case == 0 && fz_flat_bits(e->variable->offsets) == 32;
}

static int fz_unsupported(const char *name, const char *what, cdx_error *err) {
    return cdx_fail(err, CDX_EUNSUPPORTED, "%s: full-zip %s not supported", name, what);
}

static uint32_t fz_control(const uint8_t *p, size_t bytes) {
    uint32_t v = 0;
    memcpy(&v, p, bytes); /* little-endian host */
    return v;
}

static int fz_fixed(const lance_page_ctx *ctx, const char *name, const fz_plan *pl,
                    const lance_buf *b, lance_column *out, cdx_error *err) {
    const uint64_t n = ctx->num_rows, stride = pl->cw_bytes + pl->value_bytes;
    if (stride && n > b->len / stride)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: %llu rows of %llu bytes overrun %llu bytes",
                        name, (unsigned long long)n, (unsigned long long)stride,
                        (unsigned long long)b->len);
    const size_t dim = out->dim, es = lance_type_elem_size(out->type) * dim;
    const size_t vbytes = pl->fsl_validity ? (dim + 7) / 8 : 0;
    for (uint64_t r = 0; r < n; r++) {
        const uint8_t *p = b->ptr + r * stride;
        if (pl->cw_bytes && (fz_control(p, pl->cw_bytes) & pl->def_mask)) {
            int rc = lance_page21_null_row(out, r, err);
            if (rc)
                return rc;
            continue;
        }
        p += pl->cw_bytes;
        memcpy((uint8_t *)out->values + r * es, p + vbytes, es);
        for (size_t i = 0; i < dim && vbytes; i++) {
            if ((p[i / 8] >> (i % 8)) & 1)
                continue;
            if (!out->item_validity) {
                const uint64_t bytes = (n * dim + 7) / 8 + 1;
                if (!(out->item_validity = malloc((size_t)bytes)))
                    return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", name);
                memset(out->item_validity, 0xff, (size_t)bytes);
            }
            const uint64_t bit = r * dim + i;
            out->item_validity[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
        }
    }
    return CDX_OK;
}

/* Rows without control words or item bitmaps are the values, back to back: when the buffer
 * holds them all and is aligned for the element type, the page becomes a view of it. */
static int fz_view(const lance_page_ctx *ctx, const fz_plan *pl, lance_column *out) {
    const lance_buf *b = &ctx->buffers[0];
    const size_t es = lance_type_elem_size(ctx->type);
    if (ctx->type == LANCE_TYPE_UTF8 || pl->cw_bytes || pl->fsl_validity || !pl->value_bytes ||
        (uintptr_t)b->ptr % es || ctx->num_rows > b->len / pl->value_bytes)
        return 0;
    lance_column_view(out, ctx->type, ctx->dim, ctx->num_rows, b->ptr);
    return 1;
}

/* Appends one variable value (raw or zstd'd) to the string bytes. */
static int fz_append_value(const char *name, const fz_plan *pl, const uint8_t *p, size_t len,
                           uint64_t row, lance_bytes *bytes, cdx_error *err) {
    if (!pl->zstd)
        return lance_bytes_append(bytes, p, len, name, err);
    char where[420];
    snprintf(where, sizeof where, "%s: row %llu", name, (unsigned long long)row);
    size_t ulen;
    int rc = lance_zstd_value_decode(p, len, NULL, 0, &ulen, where, err);
    char *dst = rc ? NULL : lance_bytes_grow(bytes, ulen, where, err);
    if (!rc && !dst)
        rc = err ? err->code : CDX_ENOMEM;
    if (!rc)
        rc = lance_zstd_value_decode(p, len, (uint8_t *)dst, ulen, &ulen, where, err);
    return rc;
}

static int fz_variable(const lance_page_ctx *ctx, const char *name, const fz_plan *pl,
                       const lance_buf *b, lance_column *out, cdx_error *err) {
    lance_bytes bytes = {0};
    uint64_t pos = 0;
    int rc = CDX_OK;
    for (uint64_t r = 0; r < ctx->num_rows && !rc; r++) {
        if (pl->cw_bytes > b->len - pos) {
            rc = cdx_fail(err, CDX_ETRUNCATED, "%s: row %llu control word at %llu overruns",
                          name, (unsigned long long)r, (unsigned long long)pos);
            break;
        }
        const uint32_t cw = pl->cw_bytes ? fz_control(b->ptr + pos, pl->cw_bytes) : 0;
        pos += pl->cw_bytes;
        if (cw & pl->def_mask) {
            rc = lance_column_set_null(out, r, err);
        } else {
            uint32_t len;
            if (4 > b->len - pos || (memcpy(&len, b->ptr + pos, 4), len > b->len - pos - 4)) {
                rc = cdx_fail(err, CDX_ETRUNCATED, "%s: row %llu value at %llu overruns %llu "
                              "bytes", name, (unsigned long long)r, (unsigned long long)pos,
                              (unsigned long long)b->len);
                break;
            }
            rc = fz_append_value(name, pl, b->ptr + pos + 4, len, r, &bytes, err);
            pos += 4 + (uint64_t)len;
        }
        out->offsets[r + 1] = bytes.len;
    }
    if (rc) {
        free(bytes.p);
        return rc;
    }
    out->data = bytes.p;
    out->data_len = bytes.len;
    return CDX_OK;
}

/* Fills the plan from the layout and column type; unsupported shapes are reported. */
static int fz_plan_make(const lance_page_ctx *ctx, const char *name,
                        const Lance__Encodings21__FullZipLayout *fz, fz_plan *pl,
                        cdx_error *err) {
    const uint32_t cw_bits = fz->bits_rep + fz->bits_def;
    memset(pl, 0, sizeof *pl);
    if (fz->bits_rep || fz->bits_def > 16)
        return fz_unsupported(name, "repetition levels", err);
    pl->cw_bytes = cw_bits == 0 ? 0 : cw_bits <= 8 ? 1 : 2;
    pl->def_mask = (uint32_t)((1u << fz->bits_def) - 1);
    const lance_cenc *v = fz->value_compression;
    if (!v)
        return cdx_fail(err, CDX_ECORRUPT, "%s: full-zip page without value encoding", name);
    if (ctx->type == LANCE_TYPE_UTF8) {
        if (fz->details_case != LANCE__ENCODINGS21__FULL_ZIP_LAYOUT__DETAILS_BITS_PER_OFFSET ||
            fz->bits_per_offset != 32)
            return fz_unsupported(name, "string offset width", err);
        if (fz_is_variable32(v))
            return CDX_OK;
        if (v->compression_case == LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_GENERAL &&
            v->general->compression &&
            v->general->compression->scheme == LANCE__ENCODINGS21__COMPRESSION_SCHEME__COMPRESSION_ALGORITHM_ZSTD &&
            fz_is_variable32(v->general->values)) {
            pl->zstd = 1;
            return CDX_OK;
        }
        return fz_unsupported(name, "string encoding", err);
    }
    if (fz->details_case != LANCE__ENCODINGS21__FULL_ZIP_LAYOUT__DETAILS_BITS_PER_VALUE)
        return fz_unsupported(name, "variable width for a fixed-width column", err);
    uint64_t bits;
    if (ctx->type == LANCE_TYPE_FSL_F32) {
        if (v->compression_case !=
                LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FIXED_SIZE_LIST ||
            v->fixed_size_list->items_per_value != ctx->dim ||
            fz_flat_bits(v->fixed_size_list->values) != 32)
            return fz_unsupported(name, "vector encoding", err);
        pl->fsl_validity = v->fixed_size_list->has_validity != 0;
        bits = (uint64_t)ctx->dim * 32 + (pl->fsl_validity ? (uint64_t)(ctx->dim + 7) / 8 * 8 : 0);
    } else {
        bits = lance_page21_elem_bits(ctx->type);
        if (fz_flat_bits(v) != bits)
            return fz_unsupported(name, "value encoding", err);
    }
    if (fz->bits_per_value != bits)
        return cdx_fail(err, CDX_ECORRUPT, "%s: %u bits per value, the encoding gives %llu", name,
                        fz->bits_per_value, (unsigned long long)bits);
    pl->value_bytes = (size_t)(bits / 8);
    return CDX_OK;
}

int lance_page21_fullzip(const lance_page_ctx *ctx, const char *name, lance_column *out,
                         cdx_error *err) {
    const Lance__Encodings21__FullZipLayout *fz = ctx->layout->full_zip_layout;
    int nullable = 0;
    fz_plan pl;
    int rc = lance_page21_check_layers(fz->layers, fz->n_layers, &nullable, name, err);
    if (!rc && (fz->num_items != ctx->num_rows || fz->num_visible_items != ctx->num_rows))
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: %u items (%u visible) in a page of %llu rows", name,
                      fz->num_items, fz->num_visible_items, (unsigned long long)ctx->num_rows);
    if (!rc && ctx->num_buffers < 1)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: full-zip page without buffers", name);
    if (!rc)
        rc = fz_plan_make(ctx, name, fz, &pl, err);
    if (!rc && !nullable && fz->bits_def)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: definition bits on an all-valid layer", name);
    if (rc)
        return rc;
    if (fz_view(ctx, &pl, out))
        return CDX_OK;
    rc = lance_column_alloc(out, ctx->type, ctx->dim, ctx->num_rows, err);
    if (rc)
        return rc;
    if (ctx->type == LANCE_TYPE_UTF8)
        return fz_variable(ctx, name, &pl, &ctx->buffers[0], out, err);
    return fz_fixed(ctx, name, &pl, &ctx->buffers[0], out, err);
}
