/*
 * page21.c — entry point of the Lance 2.1 page decoders: dispatches on the PageLayout (mini-
 * block, full-zip, all-null) and holds the helpers they share. Only single-layer item pages
 * (no lists) are supported: that is all LanceDB writes for clipdex's column types.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/page21_internal.h"

void lance_page21_name(const lance_page_ctx *ctx, lance_page_name *name) {
    snprintf(name->s, sizeof name->s, "%s: column %u page %u", ctx->file ? ctx->file : "?",
             ctx->column, ctx->page);
}

char *lance_bytes_grow(lance_bytes *b, uint64_t n, const char *name, cdx_error *err) {
    if (n > UINT64_MAX - b->len || b->len + n > (uint64_t)SIZE_MAX / 2) {
        cdx_fail(err, CDX_ETOOLARGE, "%s: string data too large", name);
        return NULL;
    }
    if (b->len + n > b->cap) {
        uint64_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        char *p = realloc(b->p, (size_t)cap);
        if (!p) {
            cdx_fail(err, CDX_ENOMEM, "%s: out of memory for %llu string bytes", name,
                     (unsigned long long)cap);
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    char *at = b->p + b->len;
    b->len += n;
    return at;
}

int lance_bytes_append(lance_bytes *b, const void *src, uint64_t n, const char *name,
                       cdx_error *err) {
    if (n == 0)
        return CDX_OK;
    char *at = lance_bytes_grow(b, n, name, err);
    if (!at)
        return err ? err->code : CDX_ENOMEM;
    memcpy(at, src, (size_t)n);
    return CDX_OK;
}

unsigned lance_page21_elem_bits(lance_type type) {
    return type == LANCE_TYPE_UTF8 ? 0 : (unsigned)lance_type_elem_size(type) * 8;
}

int lance_page21_check_layers(const Lance__Encodings21__RepDefLayer *layers, size_t n,
                              int *nullable, const char *name, cdx_error *err) {
    if (n != 1)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: %zu rep/def layers (only flat columns)",
                        name, n);
    if (layers[0] == LANCE__ENCODINGS21__REP_DEF_LAYER__REPDEF_ALL_VALID_ITEM)
        *nullable = 0;
    else if (layers[0] == LANCE__ENCODINGS21__REP_DEF_LAYER__REPDEF_NULLABLE_ITEM)
        *nullable = 1;
    else
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: rep/def layer %d (only flat columns)", name,
                        (int)layers[0]);
    return CDX_OK;
}

int lance_page21_null_row(lance_column *out, uint64_t row, cdx_error *err) {
    int rc = lance_column_set_null(out, row, err);
    if (rc == CDX_OK && out->values) {
        const size_t es = lance_type_elem_size(out->type) * out->dim;
        memset((uint8_t *)out->values + row * es, 0, es);
    }
    return rc;
}

static int lance_page21_all_null(const lance_page_ctx *ctx, const char *name,
                                 lance_column *out, cdx_error *err) {
    const Lance__Encodings21__AllNullLayout *an = ctx->layout->all_null_layout;
    int nullable = 0;
    int rc = lance_page21_check_layers(an->layers, an->n_layers, &nullable, name, err);
    if (rc == CDX_OK && !nullable)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: all-null page of a non-nullable layer", name);
    if (rc == CDX_OK)
        rc = lance_column_alloc(out, ctx->type, ctx->dim, ctx->num_rows, err);
    if (rc == CDX_OK)
        rc = lance_column_alloc_validity(out, err);
    if (rc == CDX_OK && out->validity)
        memset(out->validity, 0, (size_t)((ctx->num_rows + 7) / 8));
    return rc;
}

int lance_page21_decode(const lance_page_ctx *ctx, lance_column *out, cdx_error *err) {
    lance_page_name name;
    lance_page21_name(ctx, &name);
    int rc;
    if (!ctx->layout)
        return cdx_fail(err, CDX_EINVAL, "%s: no 2.1 page layout", name.s);
    if (ctx->type == LANCE_TYPE_FSL_F32 && ctx->dim == 0)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: fixed_size_list of dimension 0", name.s);
    switch (ctx->layout->layout_case) {
    case LANCE__ENCODINGS21__PAGE_LAYOUT__LAYOUT_MINI_BLOCK_LAYOUT:
        rc = lance_page21_miniblock(ctx, name.s, out, err);
        break;
    case LANCE__ENCODINGS21__PAGE_LAYOUT__LAYOUT_FULL_ZIP_LAYOUT:
        rc = lance_page21_fullzip(ctx, name.s, out, err);
        break;
    case LANCE__ENCODINGS21__PAGE_LAYOUT__LAYOUT_ALL_NULL_LAYOUT:
        rc = lance_page21_all_null(ctx, name.s, out, err);
        break;
    default:
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: page layout %d not supported", name.s,
                        (int)ctx->layout->layout_case);
    }
    if (rc != CDX_OK)
        lance_column_free(out);
    return rc;
}
