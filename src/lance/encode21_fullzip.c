/*
 * encode21_fullzip.c — Lance 2.1 full-zip pages as LanceDB 0.31 writes them for large values
 * (lance `fullzip.rs`; bytes checked against the LanceDB fixtures). Buffer 0 zips each row's
 * parts together: a 1-byte control word (1 = null) only when the page has nulls, then for
 * vectors the item-validity bitmap (when any item is null) and the floats, for strings a u32
 * length and the bytes (a null string is the control word alone). Strings add buffer 1, the
 * repetition index: rows+1 byte offsets of the rows in buffer 0, in the narrowest of 1/2/4/8
 * bytes that holds the largest.
 */
#include <string.h>

#include "core/error.h"
#include "encodings_v2_1.pb-c.h"
#include "lance/encode.h"

/* Vectors: [cw][validity][floats] per row; borrowed from the column when there is neither. */
static int fz_fixed(const lance_column *col, uint64_t start, uint64_t n, int defs, int validity,
                    lance_page_out *out)
{
    const size_t vbytes = 4 * (size_t)col->dim, bm = validity ? (col->dim + 7) / 8 : 0;
    const uint8_t *src = (const uint8_t *)col->values + start * vbytes;
    out->n_bufs = 1;
    if (!defs && !validity) {
        out->bufs[0].ptr = src;
        out->bufs[0].len = n * vbytes;
        return 0;
    }
    const size_t stride = (defs ? 1 : 0) + bm + vbytes;
    uint8_t *p = lance_wbuf_grow(&out->bufs[0].own, n * stride);
    if (!p) return -1;
    memset(p, 0, n * stride);
    for (uint64_t r = 0; r < n; r++, p += stride) {
        int valid = lance_column_is_valid(col, start + r);
        uint8_t *q = p;
        if (defs) *q++ = valid ? 0 : 1;
        if (!valid) continue;
        for (uint32_t j = 0; j < col->dim && validity; j++)
            if (lance_enc_item_valid(col, start + r, j)) q[j / 8] |= (uint8_t)(1u << (j % 8));
        memcpy(q + bm, src + r * vbytes, vbytes);
    }
    out->bufs[0].ptr = out->bufs[0].own.p;
    out->bufs[0].len = out->bufs[0].own.len;
    return 0;
}

/* Appends `v` as a `width`-byte little-endian integer. */
static int fz_put_uint(lance_wbuf *b, uint64_t v, unsigned width)
{
    uint8_t x[8];
    for (unsigned i = 0; i < width; i++) x[i] = (uint8_t)(v >> (8 * i));
    return lance_wbuf_put(b, x, width);
}

/* Strings: [cw][u32 len][bytes] per row, then the repetition index. */
static int fz_variable(const lance_column *col, uint64_t start, uint64_t n, int defs,
                       lance_page_out *out)
{
    lance_wbuf *b = &out->bufs[0].own, *idx = &out->bufs[1].own;
    out->n_bufs = 2;
    for (uint64_t r = start; r < start + n; r++) {
        int valid = lance_column_is_valid(col, r);
        uint8_t cw = valid ? 0 : 1;
        uint64_t len = col->offsets[r + 1] - col->offsets[r];
        if (defs && lance_wbuf_put(b, &cw, 1)) return -1;
        if (!valid) continue;
        if (len > UINT32_MAX) return -2;
        if (lance_wbuf_put_u32(b, (uint32_t)len) || lance_wbuf_put(b, col->data + col->offsets[r], len))
            return -1;
    }
    unsigned width = b->len <= UINT8_MAX ? 1 : b->len <= UINT16_MAX ? 2 : b->len <= UINT32_MAX ? 4 : 8;
    uint64_t pos = 0;
    if (fz_put_uint(idx, 0, width)) return -1;
    for (uint64_t r = start; r < start + n; r++) {
        pos += defs ? 1 : 0;
        if (lance_column_is_valid(col, r)) pos += 4 + col->offsets[r + 1] - col->offsets[r];
        if (fz_put_uint(idx, pos, width)) return -1;
    }
    for (size_t i = 0; i < 2; i++) {
        out->bufs[i].ptr = out->bufs[i].own.p;
        out->bufs[i].len = out->bufs[i].own.len;
    }
    return 0;
}

static int fz_layout(const lance_column *col, uint64_t n, int defs, int validity,
                     lance_page_out *out, cdx_error *err)
{
    Lance__Encodings21__Flat flat = LANCE__ENCODINGS21__FLAT__INIT;
    Lance__Encodings21__CompressiveEncoding inner = LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__INIT,
                                            value = inner;
    Lance__Encodings21__Variable var = LANCE__ENCODINGS21__VARIABLE__INIT;
    Lance__Encodings21__FixedSizeList fsl = LANCE__ENCODINGS21__FIXED_SIZE_LIST__INIT;
    Lance__Encodings21__FullZipLayout fz = LANCE__ENCODINGS21__FULL_ZIP_LAYOUT__INIT;
    flat.bits_per_value = 32;
    inner.compression_case = LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FLAT;
    inner.flat = &flat;
    if (col->type == LANCE_TYPE_UTF8) {
        var.offsets = &inner;
        value.compression_case = LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_VARIABLE;
        value.variable = &var;
        fz.details_case = LANCE__ENCODINGS21__FULL_ZIP_LAYOUT__DETAILS_BITS_PER_OFFSET;
        fz.bits_per_offset = 32;
    } else {
        fsl.items_per_value = col->dim;
        fsl.values = &inner;
        fsl.has_validity = validity;
        value.compression_case =
            LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FIXED_SIZE_LIST;
        value.fixed_size_list = &fsl;
        fz.details_case = LANCE__ENCODINGS21__FULL_ZIP_LAYOUT__DETAILS_BITS_PER_VALUE;
        /* LanceDB: 768·32 + 768 validity bits; we keep the bitmap whole bytes */
        fz.bits_per_value = 32 * col->dim + (validity ? 8 * ((col->dim + 7) / 8) : 0);
    }
    Lance__Encodings21__RepDefLayer layer =
        defs ? LANCE__ENCODINGS21__REP_DEF_LAYER__REPDEF_NULLABLE_ITEM
             : LANCE__ENCODINGS21__REP_DEF_LAYER__REPDEF_ALL_VALID_ITEM;
    fz.bits_def = defs ? 1 : 0;
    fz.num_items = (uint32_t)n;
    fz.num_visible_items = (uint32_t)n;
    fz.value_compression = &value;
    fz.n_layers = 1;
    fz.layers = &layer;
    Lance__Encodings21__PageLayout pl = LANCE__ENCODINGS21__PAGE_LAYOUT__INIT;
    pl.layout_case = LANCE__ENCODINGS21__PAGE_LAYOUT__LAYOUT_FULL_ZIP_LAYOUT;
    pl.full_zip_layout = &fz;
    return lance_encode21_pack_layout(&pl.base, out, err);
}

int lance_encode21_fullzip(const lance_field_desc *f, const lance_column *col, uint64_t start,
                           uint64_t n, uint64_t nulls, lance_page_out *out, cdx_error *err)
{
    if (n > UINT32_MAX || (uint64_t)col->dim * 33 > UINT32_MAX)
        return cdx_fail(err, CDX_ETOOLARGE, "lance writer: %s: full-zip page of %llu rows",
                        f->name, (unsigned long long)n);
    int defs = nulls > 0, validity = 0, rc;
    if (col->type == LANCE_TYPE_UTF8) {
        rc = fz_variable(col, start, n, defs, out);
    } else {
        validity = defs || lance_enc_has_item_nulls(col, start, n);
        rc = fz_fixed(col, start, n, defs, validity, out);
    }
    if (rc == -2)
        return cdx_fail(err, CDX_ETOOLARGE, "lance writer: %s: a string of 4 GiB or more",
                        f->name);
    if (rc) return cdx_fail(err, CDX_ENOMEM, "lance writer: %s: out of memory", f->name);
    return fz_layout(col, n, defs, validity, out, err);
}
