/*
 * encode21_miniblock.c — Lance 2.1 mini-block pages as LanceDB 0.31 writes them for small values
 * (lance `miniblock.rs`, bytes checked against the LanceDB fixtures): buffer 0 holds one u16 per
 * chunk ((chunk_bytes/8 - 1) << 4 | log2(rows), low bits 0 for the last chunk), buffer 1 the
 * chunks, each `u16 levels | u16 def size | u16 size per value buffer`, padded to 8 with 0xFE,
 * then u16 definition levels (1 = null) and the value buffers, each padded to 8. Non-last chunks
 * hold a power of two of rows; like LanceDB we aim at 4 KiB of values per chunk.
 */
#include <string.h>

#include "core/error.h"
#include "encodings_v2_1.pb-c.h"
#include "lance/encode.h"

#define MB_TARGET_BYTES 4096 /* values per chunk, as LanceDB (512 int64s, ~4 KiB of strings) */
#define MB_MAX_ROWS 4096
#define MB_MAX_CHUNK 32768 /* 12 bits of 8-byte words in the chunk metadata */
#define MB_PAD 0xFE
#define MB_STR_PAD 0x48

typedef struct mb_ctx {
    const lance_column *col;
    int defs;          /* the page has nulls: u16 definition levels */
    int fsl_validity;  /* FSL item-validity bitmap before the floats */
    size_t row_bytes;  /* fixed width: bytes per row; 0 for utf8 */
} mb_ctx;

/* Bytes of the value buffers of a chunk of k rows from row r. */
static uint64_t mb_value_bytes(const mb_ctx *c, uint64_t r, uint64_t k)
{
    if (!c->row_bytes) {
        uint64_t b = 4 * (k + 1) + c->col->offsets[r + k] - c->col->offsets[r];
        return (b + 3) & ~(uint64_t)3;
    }
    return k * c->row_bytes + (c->fsl_validity ? (k * c->col->dim + 7) / 8 : 0);
}

/* Rows of the chunk starting at row r with rem rows left in the page. */
static uint64_t mb_chunk_rows(const mb_ctx *c, uint64_t r, uint64_t rem, int *last)
{
    *last = 1;
    if (rem == 1 || (rem <= MB_MAX_ROWS && mb_value_bytes(c, r, rem) <= MB_TARGET_BYTES))
        return rem;
    uint64_t k = MB_MAX_ROWS;
    while (k > 1 && (k >= rem || mb_value_bytes(c, r, k) > MB_TARGET_BYTES)) k >>= 1;
    *last = 0;
    return k;
}

/* The string value buffer: (k+1) u32 offsets from the buffer start, the bytes, pad to 4. */
static int mb_put_strings(const mb_ctx *c, uint64_t r, uint64_t k, lance_wbuf *b)
{
    const lance_column *col = c->col;
    uint32_t pos = (uint32_t)(4 * (k + 1));
    if (lance_wbuf_put_u32(b, pos)) return -1;
    for (uint64_t i = r; i < r + k; i++) {
        if (lance_column_is_valid(col, i)) pos += (uint32_t)(col->offsets[i + 1] - col->offsets[i]);
        if (lance_wbuf_put_u32(b, pos)) return -1;
    }
    for (uint64_t i = r; i < r + k; i++)
        if (lance_column_is_valid(col, i) &&
            lance_wbuf_put(b, col->data + col->offsets[i], col->offsets[i + 1] - col->offsets[i]))
            return -1;
    return lance_wbuf_pad(b, 4, MB_STR_PAD);
}

/* Fixed-width values (zeros for null rows), preceded by the FSL item-validity bitmap. */
static int mb_put_fixed(const mb_ctx *c, uint64_t r, uint64_t k, lance_wbuf *b)
{
    const lance_column *col = c->col;
    if (c->fsl_validity) {
        uint8_t *bm = lance_wbuf_grow(b, (k * col->dim + 7) / 8);
        if (!bm) return -1;
        memset(bm, 0, (k * col->dim + 7) / 8);
        for (uint64_t i = 0; i < k; i++)
            for (uint32_t j = 0; j < col->dim; j++)
                if (lance_enc_item_valid(col, r + i, j))
                    bm[(i * col->dim + j) / 8] |= (uint8_t)(1u << ((i * col->dim + j) % 8));
        if (lance_wbuf_pad(b, 8, MB_PAD)) return -1;
    }
    uint8_t *v = lance_wbuf_grow(b, k * c->row_bytes);
    if (!v) return -1;
    memcpy(v, (const uint8_t *)col->values + r * c->row_bytes, k * c->row_bytes);
    for (uint64_t i = 0; i < k && c->defs; i++)
        if (!lance_column_is_valid(col, r + i)) memset(v + i * c->row_bytes, 0, c->row_bytes);
    return 0;
}

/* Appends one chunk of k rows from row r to `data` and its metadata word to `meta`. */
static int mb_put_chunk(const mb_ctx *c, uint64_t r, uint64_t k, int last, lance_wbuf *meta,
                        lance_wbuf *data, cdx_error *err)
{
    lance_wbuf vals = {0};
    size_t start = data->len;
    int rc = c->row_bytes ? mb_put_fixed(c, r, k, &vals) : mb_put_strings(c, r, k, &vals);
    /* the header names each value buffer's size; with FSL validity there are two */
    size_t vb0 = c->fsl_validity ? (size_t)(k * c->col->dim + 7) / 8 : vals.len;
    size_t vb1 = c->fsl_validity ? k * c->row_bytes : 0;
    rc = rc || lance_wbuf_put_u16(data, c->defs ? (uint16_t)k : 0);
    if (c->defs) rc = rc || lance_wbuf_put_u16(data, (uint16_t)(2 * k));
    rc = rc || lance_wbuf_put_u16(data, (uint16_t)vb0);
    if (c->fsl_validity) rc = rc || lance_wbuf_put_u16(data, (uint16_t)vb1);
    rc = rc || lance_wbuf_pad(data, 8, MB_PAD);
    for (uint64_t i = r; i < r + k && c->defs && !rc; i++)
        rc = lance_wbuf_put_u16(data, lance_column_is_valid(c->col, i) ? 0 : 1);
    if (c->defs) rc = rc || lance_wbuf_pad(data, 8, MB_PAD);
    rc = rc || lance_wbuf_put(data, vals.p, vals.len) || lance_wbuf_pad(data, 8, MB_PAD);
    lance_wbuf_free(&vals);
    if (rc) return cdx_fail(err, CDX_ENOMEM, "lance writer: out of memory encoding a chunk");
    size_t bytes = data->len - start;
    if (bytes > MB_MAX_CHUNK || vb0 > UINT16_MAX || vb1 > UINT16_MAX)
        return cdx_fail(err, CDX_ETOOLARGE, "lance writer: mini-block chunk of %zu bytes", bytes);
    unsigned log = 0;
    while (!last && (1ull << log) < k) log++;
    if (lance_wbuf_put_u16(meta, (uint16_t)(((bytes / 8 - 1) << 4) | (last ? 0 : log))))
        return cdx_fail(err, CDX_ENOMEM, "lance writer: out of memory encoding a chunk");
    return 0;
}

/* The page's PageLayout{mini_block_layout} as its Any. */
static int mb_layout(const mb_ctx *c, uint64_t n, lance_page_out *out, cdx_error *err)
{
    Lance__Encodings21__Flat def_flat = LANCE__ENCODINGS21__FLAT__INIT, val_flat = def_flat;
    Lance__Encodings21__CompressiveEncoding def = LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__INIT,
                                            inner = def, value = def;
    Lance__Encodings21__Variable var = LANCE__ENCODINGS21__VARIABLE__INIT;
    Lance__Encodings21__FixedSizeList fsl = LANCE__ENCODINGS21__FIXED_SIZE_LIST__INIT;
    def_flat.bits_per_value = 16;
    def.compression_case = LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FLAT;
    def.flat = &def_flat;
    if (c->col->type == LANCE_TYPE_UTF8) {
        val_flat.bits_per_value = 32;
        inner.compression_case = LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FLAT;
        inner.flat = &val_flat;
        var.offsets = &inner;
        value.compression_case = LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_VARIABLE;
        value.variable = &var;
    } else if (c->col->type == LANCE_TYPE_FSL_F32) {
        val_flat.bits_per_value = 32;
        inner.compression_case = LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FLAT;
        inner.flat = &val_flat;
        fsl.items_per_value = c->col->dim;
        fsl.values = &inner;
        fsl.has_validity = c->fsl_validity;
        value.compression_case =
            LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FIXED_SIZE_LIST;
        value.fixed_size_list = &fsl;
    } else {
        val_flat.bits_per_value = 8 * c->row_bytes;
        value.compression_case = LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FLAT;
        value.flat = &val_flat;
    }
    Lance__Encodings21__RepDefLayer layer =
        c->defs ? LANCE__ENCODINGS21__REP_DEF_LAYER__REPDEF_NULLABLE_ITEM
                : LANCE__ENCODINGS21__REP_DEF_LAYER__REPDEF_ALL_VALID_ITEM;
    Lance__Encodings21__MiniBlockLayout mb = LANCE__ENCODINGS21__MINI_BLOCK_LAYOUT__INIT;
    mb.def_compression = c->defs ? &def : NULL;
    mb.value_compression = &value;
    mb.n_layers = 1;
    mb.layers = &layer;
    mb.num_buffers = c->fsl_validity ? 2 : 1;
    mb.num_items = n;
    Lance__Encodings21__PageLayout pl = LANCE__ENCODINGS21__PAGE_LAYOUT__INIT;
    pl.layout_case = LANCE__ENCODINGS21__PAGE_LAYOUT__LAYOUT_MINI_BLOCK_LAYOUT;
    pl.mini_block_layout = &mb;
    return lance_encode21_pack_layout(&pl.base, out, err);
}

int lance_encode21_miniblock(const lance_field_desc *f, const lance_column *col, uint64_t start,
                             uint64_t n, uint64_t nulls, lance_page_out *out, cdx_error *err)
{
    mb_ctx c = {col, nulls > 0, 0, lance_type_elem_size(col->type) * col->dim};
    if (col->type == LANCE_TYPE_FSL_F32)
        c.fsl_validity = nulls > 0 || lance_enc_has_item_nulls(col, start, n);
    lance_wbuf *meta = &out->bufs[0].own, *data = &out->bufs[1].own;
    out->n_bufs = 2;
    int rc = 0;
    for (uint64_t r = start, rem = n; rem && !rc;) {
        int last;
        uint64_t k = mb_chunk_rows(&c, r, rem, &last);
        rc = mb_put_chunk(&c, r, k, last, meta, data, err);
        r += k;
        rem -= k;
    }
    for (size_t i = 0; i < 2; i++) {
        out->bufs[i].ptr = out->bufs[i].own.p;
        out->bufs[i].len = out->bufs[i].own.len;
    }
    (void)f;
    return rc ? rc : mb_layout(&c, n, out, err);
}
