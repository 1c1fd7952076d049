/*
 * encode21.c — choosing the Lance 2.1 structural layout of a page the way LanceDB 0.31 does
 * (lance `primitive.rs`): all values null → all-null layout; values of 256 bytes or more (long
 * strings, vectors of 64+ floats) → full-zip; everything else → mini-block. Values are stored
 * plain (flat / variable); LanceDB's optional compressions are not needed to read them.
 */
#include <string.h>

#include "core/error.h"
#include "encodings_v2_1.pb-c.h"
#include "lance/encode.h"

/* LanceDB's threshold between mini-block and full-zip (bytes per value). */
#define ENC21_FULLZIP_MIN_VALUE 256

int lance_encode21_pack_layout(const ProtobufCMessage *layout, lance_page_out *out,
                               cdx_error *err)
{
    return lance_pack_any("lance.encodings21.PageLayout", layout, &out->encoding,
                          &out->encoding_len, err);
}

int lance_enc_has_item_nulls(const lance_column *col, uint64_t start, uint64_t n)
{
    if (col->type != LANCE_TYPE_FSL_F32 || !col->item_validity) return 0;
    for (uint64_t bit = start * col->dim; bit < (start + n) * col->dim; bit++)
        if (!((col->item_validity[bit / 8] >> (bit % 8)) & 1)) return 1;
    return 0;
}

static int enc21_all_null(lance_page_out *out, cdx_error *err)
{
    Lance__Encodings21__RepDefLayer layer = LANCE__ENCODINGS21__REP_DEF_LAYER__REPDEF_NULLABLE_ITEM;
    Lance__Encodings21__AllNullLayout an = LANCE__ENCODINGS21__ALL_NULL_LAYOUT__INIT;
    an.n_layers = 1;
    an.layers = &layer;
    Lance__Encodings21__PageLayout pl = LANCE__ENCODINGS21__PAGE_LAYOUT__INIT;
    pl.layout_case = LANCE__ENCODINGS21__PAGE_LAYOUT__LAYOUT_ALL_NULL_LAYOUT;
    pl.all_null_layout = &an;
    out->n_bufs = 0;
    return lance_encode21_pack_layout(&pl.base, out, err);
}

/* Longest string among rows [start, start+n). */
static uint64_t enc21_max_len(const lance_column *col, uint64_t start, uint64_t n)
{
    uint64_t m = 0;
    for (uint64_t r = start; r < start + n; r++) {
        uint64_t len = col->offsets[r + 1] - col->offsets[r];
        if (len > m) m = len;
    }
    return m;
}

int lance_encode21_page(const lance_field_desc *f, const lance_column *col, uint64_t start,
                        uint64_t n, lance_page_out *out, cdx_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t nulls = lance_enc_count_nulls(col, start, n);
    if (nulls == n) return enc21_all_null(out, err);
    int fullzip = 0;
    if (col->type == LANCE_TYPE_UTF8)
        fullzip = enc21_max_len(col, start, n) >= ENC21_FULLZIP_MIN_VALUE;
    else if (col->type == LANCE_TYPE_FSL_F32)
        fullzip = (uint64_t)col->dim * 4 >= ENC21_FULLZIP_MIN_VALUE;
    int rc = fullzip ? lance_encode21_fullzip(f, col, start, n, nulls, out, err)
                     : lance_encode21_miniblock(f, col, start, n, nulls, out, err);
    if (rc) lance_page_out_free(out);
    return rc;
}
