/*
 * encode20.c — Lance 2.0 pages as LanceDB 0.31 writes them (lance.encodings.ArrayEncoding, bytes
 * checked against the fixtures): numbers nullable{no_nulls|some_nulls|all_nulls} over flat
 * values (plus an LSB-first validity bitmap); strings binary{u64 end offsets, bytes,
 * null_adjustment = total bytes + 1, a null row storing prev_end + null_adjustment}; vectors a
 * fixed_size_list of flat float32 inside nullable, with row and item validity bitmaps.
 */
#include <string.h>

#include "core/error.h"
#include "encodings_v2_0.pb-c.h"
#include "lance/encode.h"

typedef Lance__Encodings__ArrayEncoding ae_t;

/* Message storage for one page's encoding tree (everything lives on the caller's stack). */
typedef struct e20_tree {
    ae_t ae[8];
    Lance__Encodings__Flat flat[4];
    Lance__Encodings__Buffer buf[4];
    Lance__Encodings__Nullable nullable[2];
    Lance__Encodings__Nullable__NoNull no_null[2];
    Lance__Encodings__Nullable__SomeNull some_null[2];
    Lance__Encodings__Nullable__AllNull all_null;
    Lance__Encodings__FixedSizeList fsl;
    Lance__Encodings__Binary binary;
    int n_ae, n_flat, n_nullable;
} e20_tree;

static ae_t *e20_new(e20_tree *t)
{
    ae_t init = LANCE__ENCODINGS__ARRAY_ENCODING__INIT;
    t->ae[t->n_ae] = init;
    return &t->ae[t->n_ae++];
}

static ae_t *e20_flat(e20_tree *t, unsigned bits, unsigned buffer)
{
    Lance__Encodings__Flat f = LANCE__ENCODINGS__FLAT__INIT;
    Lance__Encodings__Buffer b = LANCE__ENCODINGS__BUFFER__INIT;
    int i = t->n_flat++;
    t->buf[i] = b;
    t->buf[i].buffer_index = buffer;
    t->flat[i] = f;
    t->flat[i].bits_per_value = bits;
    t->flat[i].buffer = &t->buf[i];
    ae_t *a = e20_new(t);
    a->array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT;
    a->flat = &t->flat[i];
    return a;
}

/* nullable{no_nulls{values}} when validity is NULL, else nullable{some_nulls{validity, values}} */
static ae_t *e20_nullable(e20_tree *t, ae_t *validity, ae_t *values)
{
    Lance__Encodings__Nullable nl = LANCE__ENCODINGS__NULLABLE__INIT;
    Lance__Encodings__Nullable__NoNull nn = LANCE__ENCODINGS__NULLABLE__NO_NULL__INIT;
    Lance__Encodings__Nullable__SomeNull sn = LANCE__ENCODINGS__NULLABLE__SOME_NULL__INIT;
    int i = t->n_nullable++;
    t->nullable[i] = nl;
    if (validity) {
        t->some_null[i] = sn;
        t->some_null[i].validity = validity;
        t->some_null[i].values = values;
        t->nullable[i].nullability_case = LANCE__ENCODINGS__NULLABLE__NULLABILITY_SOME_NULLS;
        t->nullable[i].some_nulls = &t->some_null[i];
    } else {
        t->no_null[i] = nn;
        t->no_null[i].values = values;
        t->nullable[i].nullability_case = LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS;
        t->nullable[i].no_nulls = &t->no_null[i];
    }
    ae_t *a = e20_new(t);
    a->array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE;
    a->nullable = &t->nullable[i];
    return a;
}

/* Appends an LSB-first bitmap of rows (dim == 0) or items (dim > 0) of [start, start+n). */
static int e20_bitmap(const lance_column *col, uint64_t start, uint64_t n, int items,
                      lance_wbuf *b)
{
    uint64_t bits = items ? n * col->dim : n;
    uint8_t *p = lance_wbuf_grow(b, (bits + 7) / 8);
    if (!p) return -1;
    memset(p, 0, (bits + 7) / 8);
    for (uint64_t i = 0; i < bits; i++) {
        int v = items ? lance_enc_item_valid(col, start + i / col->dim, (uint32_t)(i % col->dim))
                      : lance_column_is_valid(col, start + i);
        if (v) p[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    return 0;
}

/* Fixed-width values of the range: borrowed when there are no nulls, else copied with zeros in
 * null rows. */
static int e20_values(const lance_column *col, uint64_t start, uint64_t n, uint64_t nulls,
                      lance_page_out *out, size_t slot)
{
    size_t es = lance_type_elem_size(col->type) * col->dim;
    const uint8_t *src = (const uint8_t *)col->values + start * es;
    if (!nulls) {
        out->bufs[slot].ptr = src;
        out->bufs[slot].len = n * es;
        return 0;
    }
    uint8_t *p = lance_wbuf_grow(&out->bufs[slot].own, n * es);
    if (!p) return -1;
    memcpy(p, src, n * es);
    for (uint64_t r = 0; r < n; r++)
        if (!lance_column_is_valid(col, start + r)) memset(p + r * es, 0, es);
    return 0;
}

static int e20_strings(const lance_column *col, uint64_t start, uint64_t n, e20_tree *t,
                       lance_page_out *out, ae_t **root)
{
    lance_wbuf *ends = &out->bufs[0].own, *bytes = &out->bufs[1].own;
    uint64_t total = 0;
    for (uint64_t r = start; r < start + n; r++)
        if (lance_column_is_valid(col, r)) total += col->offsets[r + 1] - col->offsets[r];
    uint64_t adj = total + 1, end = 0;
    for (uint64_t r = start; r < start + n; r++) {
        if (!lance_column_is_valid(col, r)) {
            if (lance_wbuf_put_u64(ends, end + adj)) return -1;
            continue;
        }
        uint64_t len = col->offsets[r + 1] - col->offsets[r];
        if (lance_wbuf_put(bytes, col->data + col->offsets[r], len)) return -1;
        end += len;
        if (lance_wbuf_put_u64(ends, end)) return -1;
    }
    Lance__Encodings__Binary bin = LANCE__ENCODINGS__BINARY__INIT;
    t->binary = bin;
    t->binary.indices = e20_nullable(t, NULL, e20_flat(t, 64, 0));
    t->binary.bytes = e20_flat(t, 8, 1);
    t->binary.null_adjustment = adj;
    *root = e20_new(t);
    (*root)->array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_BINARY;
    (*root)->binary = &t->binary;
    out->n_bufs = 2;
    return 0;
}

/* Vectors: [row validity][item validity] floats, as LanceDB nests them. */
static int e20_fsl(const lance_column *col, uint64_t start, uint64_t n, uint64_t nulls,
                   e20_tree *t, lance_page_out *out, ae_t **root)
{
    int items = nulls > 0 || lance_enc_has_item_nulls(col, start, n);
    size_t slot = 0;
    ae_t *row_v = NULL, *item_v = NULL;
    if (nulls) {
        if (e20_bitmap(col, start, n, 0, &out->bufs[slot].own)) return -1;
        row_v = e20_flat(t, 1, (unsigned)slot++);
    }
    if (items) {
        if (e20_bitmap(col, start, n, 1, &out->bufs[slot].own)) return -1;
        item_v = e20_flat(t, 1, (unsigned)slot++);
    }
    if (e20_values(col, start, n, nulls, out, slot)) return -1;
    ae_t *inner = e20_nullable(t, item_v, e20_flat(t, 32, (unsigned)slot));
    Lance__Encodings__FixedSizeList fsl = LANCE__ENCODINGS__FIXED_SIZE_LIST__INIT;
    t->fsl = fsl;
    t->fsl.dimension = col->dim;
    t->fsl.items = inner;
    ae_t *list = e20_new(t);
    list->array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FIXED_SIZE_LIST;
    list->fixed_size_list = &t->fsl;
    *root = e20_nullable(t, row_v, list);
    out->n_bufs = slot + 1;
    return 0;
}

static int e20_numbers(const lance_column *col, uint64_t start, uint64_t n, uint64_t nulls,
                       e20_tree *t, lance_page_out *out, ae_t **root)
{
    unsigned bits = (unsigned)(8 * lance_type_elem_size(col->type));
    size_t slot = 0;
    ae_t *v = NULL;
    if (nulls) {
        if (e20_bitmap(col, start, n, 0, &out->bufs[slot].own)) return -1;
        v = e20_flat(t, 1, (unsigned)slot++);
    }
    if (e20_values(col, start, n, nulls, out, slot)) return -1;
    *root = e20_nullable(t, v, e20_flat(t, bits, (unsigned)slot));
    out->n_bufs = slot + 1;
    return 0;
}

int lance_encode20_page(const lance_field_desc *f, const lance_column *col, uint64_t start,
                        uint64_t n, lance_page_out *out, cdx_error *err)
{
    memset(out, 0, sizeof *out);
    e20_tree t;
    memset(&t, 0, sizeof t);
    uint64_t nulls = lance_enc_count_nulls(col, start, n);
    ae_t *root = NULL;
    int rc;
    if (col->type == LANCE_TYPE_UTF8) {
        rc = e20_strings(col, start, n, &t, out, &root);
    } else if (nulls == n) {
        Lance__Encodings__Nullable__AllNull an = LANCE__ENCODINGS__NULLABLE__ALL_NULL__INIT;
        Lance__Encodings__Nullable nl = LANCE__ENCODINGS__NULLABLE__INIT;
        t.all_null = an;
        t.nullable[0] = nl;
        t.nullable[0].nullability_case = LANCE__ENCODINGS__NULLABLE__NULLABILITY_ALL_NULLS;
        t.nullable[0].all_nulls = &t.all_null;
        root = e20_new(&t);
        root->array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE;
        root->nullable = &t.nullable[0];
        rc = 0;
    } else if (col->type == LANCE_TYPE_FSL_F32) {
        rc = e20_fsl(col, start, n, nulls, &t, out, &root);
    } else {
        rc = e20_numbers(col, start, n, nulls, &t, out, &root);
    }
    for (size_t i = 0; i < out->n_bufs && !rc; i++)
        if (!out->bufs[i].ptr) {
            out->bufs[i].ptr = out->bufs[i].own.p;
            out->bufs[i].len = out->bufs[i].own.len;
        }
    if (rc) {
        lance_page_out_free(out);
        return cdx_fail(err, CDX_ENOMEM, "lance writer: %s: out of memory", f->name);
    }
    rc = lance_pack_any("lance.encodings.ArrayEncoding", &root->base, &out->encoding,
                        &out->encoding_len, err);
    if (rc) lance_page_out_free(out);
    return rc;
}
