/*
 * page21_miniblock.c — the mini-block layout of Lance 2.1 (lance `primitive.rs`,
 * `decode_miniblock_chunk`). Buffer 0 holds one u16 per chunk: ((chunk_bytes/8 - 1) << 4) |
 * log2(values); the last chunk holds whatever remains. Each chunk in buffer 1 is `u16
 * num_levels | u16 def size (if def) | u16 size per value buffer`, padded to 8, then the def
 * buffer and each value buffer, each padded to 8. Buffer 2 is the dictionary, if any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/page21_internal.h"

#define MB_ALIGN 8u
#define MB_MAX_BUFFERS 4u

typedef enum mb_kind { MB_FLAT, MB_INLINE, MB_RLE, MB_FSL, MB_VARIABLE, MB_FSST, MB_DICT } mb_kind;
typedef enum mb_def { MB_DEF_NONE, MB_DEF_FLAT, MB_DEF_OOL, MB_DEF_INLINE } mb_def;

typedef struct mb_state {
    const lance_page_ctx *ctx;
    const char *name;
    lance_column *out;
    mb_kind kind;
    unsigned bits;        /* value bits (flat / inline / rle / dictionary indices) */
    unsigned offset_bits; /* variable / fsst string offsets */
    int fsl_validity;
    int dict_inline; /* dictionary indices inline-bitpacked (else flat) */
    size_t num_buffers;
    mb_def def;
    unsigned def_width;
    lance_fsst_table fsst;
    uint64_t *dict_offsets;
    size_t dict_n;
    const uint8_t *dict_buf;
    lance_bytes bytes;
    /* per-chunk scratch, grown on demand */
    size_t scratch_n;
    uint16_t *levels;
    uint64_t *offsets;
    uint32_t *indices;
} mb_state;

typedef struct mb_slice {
    const uint8_t *p;
    size_t len;
} mb_slice;

/* Bits of a plain `flat` encoding without buffer compression, or 0 if it is something else. */
static unsigned mb_flat_bits(const lance_cenc *e) {
    if (!e || e->compression_case != LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FLAT ||
        e->flat->_data_case != 0 || e->flat->bits_per_value > 64)
        return 0;
    return (unsigned)e->flat->bits_per_value;
}

/* Offset bits of `variable{offsets: flat{32|64}}` without value compression, or 0. */
static unsigned mb_variable_bits(const lance_cenc *e) {
    if (!e ||
        e->compression_case != LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_VARIABLE ||
        e->variable->_values_case != 0)
        return 0;
    unsigned b = mb_flat_bits(e->variable->offsets);
    return b == 32 || b == 64 ? b : 0;
}

/* Inline-bitpacking uncompressed bits (no extra buffer compression), or 0. */
static unsigned mb_inline_bits(const lance_cenc *e) {
    if (!e ||
        e->compression_case !=
            LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_INLINE_BITPACKING ||
        e->inline_bitpacking->_values_case != 0 ||
        e->inline_bitpacking->uncompressed_bits_per_value > 64)
        return 0;
    return (unsigned)e->inline_bitpacking->uncompressed_bits_per_value;
}

static int mb_unsupported(mb_state *s, const char *what, cdx_error *err) {
    return cdx_fail(err, CDX_EUNSUPPORTED, "%s: mini-block %s not supported", s->name, what);
}

static int mb_plan_dictionary(mb_state *s, const Lance__Encodings21__MiniBlockLayout *mb,
                              cdx_error *err) {
    if (s->ctx->type != LANCE_TYPE_UTF8)
        return mb_unsupported(s, "dictionary of a non-string column", err);
    if (!mb_variable_bits(mb->dictionary))
        return mb_unsupported(s, "dictionary encoding", err);
    if (s->ctx->num_buffers < 3)
        return cdx_fail(err, CDX_ECORRUPT, "%s: dictionary page has no dictionary buffer",
                        s->name);
    const lance_buf *d = &s->ctx->buffers[2];
    if (mb->num_dictionary_items >= d->len / 4)
        return cdx_fail(err, CDX_ECORRUPT, "%s: %llu dictionary items in %llu bytes", s->name,
                        (unsigned long long)mb->num_dictionary_items,
                        (unsigned long long)d->len);
    s->dict_n = (size_t)mb->num_dictionary_items;
    s->dict_offsets = malloc((s->dict_n + 1) * sizeof *s->dict_offsets);
    if (!s->dict_offsets)
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", s->name);
    s->dict_buf = d->ptr;
    char where[420];
    snprintf(where, sizeof where, "%s: dictionary", s->name);
    int rc = lance_variable_block_parse(d->ptr, (size_t)d->len, s->dict_n, s->dict_offsets, where,
                                        err);
    if (rc)
        return rc;
    const lance_cenc *v = mb->value_compression;
    s->kind = MB_DICT;
    s->bits = mb_flat_bits(v) ? mb_flat_bits(v) : mb_inline_bits(v);
    if (s->bits != 32)
        return mb_unsupported(s, "dictionary index encoding", err);
    s->dict_inline = !mb_flat_bits(v);
    s->num_buffers = 1;
    return CDX_OK;
}

/* Decides how value buffers decode from the page's value_compression and the column type. */
static int mb_plan_values(mb_state *s, const Lance__Encodings21__MiniBlockLayout *mb,
                          cdx_error *err) {
    const lance_cenc *v = mb->value_compression;
    const lance_type type = s->ctx->type;
    if (!v)
        return cdx_fail(err, CDX_ECORRUPT, "%s: mini-block page without value encoding",
                        s->name);
    if (mb->dictionary)
        return mb_plan_dictionary(s, mb, err);
    s->num_buffers = 1;
    if (type == LANCE_TYPE_UTF8) {
        if ((s->offset_bits = mb_variable_bits(v)) != 0) {
            s->kind = MB_VARIABLE;
        } else if (v->compression_case ==
                       LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FSST &&
                   (s->offset_bits = mb_variable_bits(v->fsst->values)) != 0) {
            s->kind = MB_FSST;
            return lance_fsst_table_parse(v->fsst->symbol_table.data, v->fsst->symbol_table.len,
                                          &s->fsst, s->name, err);
        } else {
            return mb_unsupported(s, "string encoding", err);
        }
        return CDX_OK;
    }
    if (type == LANCE_TYPE_FSL_F32) {
        const Lance__Encodings21__FixedSizeList *f =
            v->compression_case ==
                    LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_FIXED_SIZE_LIST
                ? v->fixed_size_list
                : NULL;
        if (!f || f->items_per_value != s->ctx->dim || mb_flat_bits(f->values) != 32)
            return mb_unsupported(s, "vector encoding", err);
        s->kind = MB_FSL;
        s->fsl_validity = f->has_validity != 0;
        s->num_buffers = 1 + (size_t)s->fsl_validity;
        return CDX_OK;
    }
    const unsigned want = lance_page21_elem_bits(type);
    if (mb_flat_bits(v) == want) {
        s->kind = MB_FLAT;
    } else if (mb_inline_bits(v) == want) {
        s->kind = MB_INLINE;
    } else if (v->compression_case == LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_RLE &&
               mb_flat_bits(v->rle->values) == want && mb_flat_bits(v->rle->run_lengths) == 8) {
        s->kind = MB_RLE;
        s->num_buffers = 2;
    } else {
        return mb_unsupported(s, "value encoding", err);
    }
    s->bits = want;
    return CDX_OK;
}

static int mb_plan_def(mb_state *s, const Lance__Encodings21__MiniBlockLayout *mb,
                       int nullable, cdx_error *err) {
    const lance_cenc *d = mb->def_compression;
    if (!d) {
        s->def = MB_DEF_NONE;
        return CDX_OK;
    }
    if (!nullable)
        return cdx_fail(err, CDX_ECORRUPT, "%s: definition levels on an all-valid layer",
                        s->name);
    if (mb_flat_bits(d) == 16) {
        s->def = MB_DEF_FLAT;
        return CDX_OK;
    }
    if (d->compression_case ==
            LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_OUT_OF_LINE_BITPACKING &&
        d->out_of_line_bitpacking->uncompressed_bits_per_value == 16) {
        unsigned w = mb_flat_bits(d->out_of_line_bitpacking->values);
        if (w >= 1 && w <= 16) {
            s->def = MB_DEF_OOL;
            s->def_width = w;
            return CDX_OK;
        }
    }
    if (d->compression_case ==
            LANCE__ENCODINGS21__COMPRESSIVE_ENCODING__COMPRESSION_INLINE_BITPACKING &&
        d->inline_bitpacking->uncompressed_bits_per_value == 16) {
        s->def = MB_DEF_INLINE;
        return CDX_OK;
    }
    return mb_unsupported(s, "definition-level encoding", err);
}

static int mb_scratch(mb_state *s, size_t n, cdx_error *err) {
    if (n <= s->scratch_n)
        return CDX_OK;
    uint16_t *l = realloc(s->levels, n * sizeof *l);
    if (l)
        s->levels = l;
    uint64_t *o = l ? realloc(s->offsets, (n + 1) * sizeof *o) : NULL;
    if (o)
        s->offsets = o;
    uint32_t *ix = o ? realloc(s->indices, n * sizeof *ix) : NULL;
    if (!ix)
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory for a chunk of %zu values", s->name,
                        n);
    s->indices = ix;
    s->scratch_n = n;
    return CDX_OK;
}

/* Splits one chunk into its def slice and value slices (see the file comment). */
static int mb_chunk_split(mb_state *s, const uint8_t *c, size_t len, size_t ci,
                          uint16_t *num_levels, mb_slice *def, mb_slice *bufs, cdx_error *err) {
    const size_t nsizes = s->num_buffers + (s->def != MB_DEF_NONE);
    uint16_t sizes[MB_MAX_BUFFERS + 1];
    size_t pos = 2 + 2 * nsizes;
    if (len < pos)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: chunk %zu header needs %zu of %zu bytes",
                        s->name, ci, pos, len);
    memcpy(num_levels, c, 2);
    for (size_t k = 0; k < MB_MAX_BUFFERS; k++) /* slices the kind does not use: empty, not NULL */
        bufs[k] = (mb_slice){c, 0};
    for (size_t k = 0; k < nsizes; k++)
        memcpy(&sizes[k], c + 2 + 2 * k, 2);
    pos = (pos + MB_ALIGN - 1) / MB_ALIGN * MB_ALIGN;
    for (size_t k = 0; k < nsizes; k++) {
        if (pos > len || sizes[k] > len - pos)
            return cdx_fail(err, CDX_ETRUNCATED,
                            "%s: chunk %zu buffer %zu (%u bytes at %zu) overruns %zu bytes",
                            s->name, ci, k, sizes[k], pos, len);
        mb_slice *dst = (s->def != MB_DEF_NONE && k == 0) ? def
                                                           : &bufs[k - (s->def != MB_DEF_NONE)];
        dst->p = c + pos;
        dst->len = sizes[k];
        pos = (pos + sizes[k] + MB_ALIGN - 1) / MB_ALIGN * MB_ALIGN;
    }
    return CDX_OK;
}

/* Inline-bitpacked u16 levels: FastLanes blocks of 1024, each a u16 bit width and then
 * 1024 * width / 8 bytes (LanceDB writes these for nullable columns of random data). */
static int mb_def_inline(mb_state *s, mb_slice def, size_t n, const char *where, cdx_error *err) {
    size_t pos = 0;
    for (size_t done = 0; done < n; done += LANCE_FL_BLOCK) {
        if (def.len - pos < 2)
            return cdx_fail(err, CDX_ETRUNCATED, "%s: bit width past the end", where);
        unsigned w = (unsigned)def.p[pos] | (unsigned)def.p[pos + 1] << 8;
        size_t block = 2 + (size_t)LANCE_FL_BLOCK / 8 * w;
        if (w > 16 || def.len - pos < block)
            return cdx_fail(err, CDX_ECORRUPT, "%s: bad block (width %u, %zu bytes left)", where,
                            w, def.len - pos);
        size_t count = n - done < LANCE_FL_BLOCK ? n - done : LANCE_FL_BLOCK;
        int rc = lance_bitpack_inline_decode(16, def.p + pos, block, count, s->levels + done,
                                             where, err);
        if (rc != CDX_OK) return rc;
        pos += block;
    }
    return CDX_OK;
}

static int mb_chunk_def(mb_state *s, size_t ci, uint16_t num_levels, mb_slice def, size_t n,
                        uint64_t row0, cdx_error *err) {
    char where[420];
    snprintf(where, sizeof where, "%s: chunk %zu definition levels", s->name, ci);
    if (num_levels != n)
        return cdx_fail(err, CDX_ECORRUPT, "%s: %u levels for %zu values", where, num_levels, n);
    int rc;
    if (s->def == MB_DEF_FLAT) {
        if (def.len != 2 * n)
            return cdx_fail(err, CDX_ECORRUPT, "%s: %zu bytes for %zu u16 levels", where,
                            def.len, n);
        memcpy(s->levels, def.p, def.len);
    } else if (s->def == MB_DEF_INLINE) {
        if ((rc = mb_def_inline(s, def, n, where, err)) != CDX_OK) return rc;
    } else if ((rc = lance_bitpack_outofline_decode(16, s->def_width, def.p, def.len, n,
                                                    s->levels, where, err)) != CDX_OK) {
        return rc;
    }
    size_t nulls = 0;
    return lance_deflevels_to_validity(s->levels, n, s->out->validity, (size_t)row0, &nulls,
                                       where, err);
}

/* Appends n strings whose absolute offsets into `base` are offs[0..n], FSST-decoding them when
 * the page says so; null rows become empty strings. */
static int mb_append_strings(mb_state *s, const uint8_t *base, const uint64_t *offs, size_t n,
                             uint64_t row0, const char *where, cdx_error *err) {
    lance_column *out = s->out;
    for (size_t i = 0; i < n; i++) {
        const uint64_t row = row0 + i;
        const uint8_t *p = base + offs[i];
        const size_t len = (size_t)(offs[i + 1] - offs[i]);
        int rc = CDX_OK;
        if (!lance_column_is_valid(out, row)) {
            /* null: empty */
        } else if (s->kind == MB_FSST) {
            size_t dlen;
            rc = lance_fsst_decode(&s->fsst, p, len, NULL, 0, &dlen, where, err);
            char *dst = rc ? NULL : lance_bytes_grow(&s->bytes, dlen, where, err);
            if (!rc && !dst)
                rc = err ? err->code : CDX_ENOMEM;
            if (!rc)
                rc = lance_fsst_decode(&s->fsst, p, len, (uint8_t *)dst, dlen, &dlen, where,
                                       err);
        } else {
            rc = lance_bytes_append(&s->bytes, p, len, where, err);
        }
        if (rc)
            return rc;
        out->offsets[row + 1] = s->bytes.len;
    }
    return CDX_OK;
}

static int mb_chunk_values(mb_state *s, size_t ci, const mb_slice *b, size_t n, uint64_t row0,
                           cdx_error *err) {
    char where[420];
    snprintf(where, sizeof where, "%s: chunk %zu", s->name, ci);
    lance_column *out = s->out;
    const size_t es = s->bits / 8;
    const int fixed = s->kind == MB_FLAT || s->kind == MB_INLINE || s->kind == MB_RLE ||
                      s->kind == MB_FSL;
    if (fixed && !out->values) /* cannot happen: fixed-width columns are allocated with values */
        return cdx_fail(err, CDX_EINVAL, "%s: column has no value buffer", where);
    uint8_t *dst = fixed ? (uint8_t *)out->values + row0 * es * out->dim : NULL;
    int rc;
    switch (s->kind) {
    case MB_FLAT:
        if (b[0].len != n * es)
            return cdx_fail(err, CDX_ECORRUPT, "%s: %zu bytes for %zu flat values", where,
                            b[0].len, n);
        memcpy(dst, b[0].p, b[0].len);
        return CDX_OK;
    case MB_INLINE:
        return lance_bitpack_inline_decode(s->bits, b[0].p, b[0].len, n, dst, where, err);
    case MB_RLE:
        return lance_rle_decode(s->bits / 8, b[0].p, b[0].len, b[1].p, b[1].len, n, dst, where,
                                err);
    case MB_FSL: {
        const size_t items = n * out->dim;
        const mb_slice *floats = &b[s->fsl_validity];
        dst = (uint8_t *)out->values + row0 * out->dim * 4;
        if (floats->len != items * 4)
            return cdx_fail(err, CDX_ECORRUPT, "%s: %zu bytes for %zu floats", where,
                            floats->len, items);
        memcpy(dst, floats->p, floats->len);
        if (!s->fsl_validity)
            return CDX_OK;
        if (b[0].len < (items + 7) / 8)
            return cdx_fail(err, CDX_ECORRUPT, "%s: %zu-byte item validity for %zu items",
                            where, b[0].len, items);
        for (size_t i = 0; i < items; i++)
            if (!((b[0].p[i / 8] >> (i % 8)) & 1))
                out->item_validity[(row0 * out->dim + i) / 8] &=
                    (uint8_t) ~(1u << ((row0 * out->dim + i) % 8));
        return CDX_OK;
    }
    case MB_VARIABLE:
    case MB_FSST:
        rc = lance_variable_chunk_parse(s->offset_bits, b[0].p, b[0].len, n, s->offsets, where,
                                        err);
        return rc ? rc : mb_append_strings(s, b[0].p, s->offsets, n, row0, where, err);
    case MB_DICT:
        if (s->dict_inline)
            rc = lance_bitpack_inline_decode(32, b[0].p, b[0].len, n, s->indices, where, err);
        else if (b[0].len != n * 4)
            rc = cdx_fail(err, CDX_ECORRUPT, "%s: %zu bytes for %zu indices", where, b[0].len, n);
        else
            rc = (memcpy(s->indices, b[0].p, b[0].len), CDX_OK);
        uint64_t total;
        if (!rc)
            rc = lance_dict_measure(s->indices, n, s->dict_offsets, s->dict_n, &total, where,
                                    err);
        for (size_t i = 0; !rc && i < n; i++) {
            const uint64_t row = row0 + i;
            if (lance_column_is_valid(out, row)) {
                const uint64_t a = s->dict_offsets[s->indices[i]];
                rc = lance_bytes_append(&s->bytes, s->dict_buf + a,
                                        s->dict_offsets[s->indices[i] + 1] - a, where, err);
            }
            out->offsets[row + 1] = s->bytes.len;
        }
        return rc;
    }
    return CDX_OK;
}

/* Walks the chunk metadata words and decodes every chunk in order. */
static int mb_decode_chunks(mb_state *s, uint64_t num_items, cdx_error *err) {
    const lance_buf *meta = &s->ctx->buffers[0], *data = &s->ctx->buffers[1];
    if (meta->len % 2)
        return cdx_fail(err, CDX_ECORRUPT, "%s: chunk metadata of odd length %llu", s->name,
                        (unsigned long long)meta->len);
    const size_t nchunks = (size_t)(meta->len / 2);
    uint64_t pos = 0, row = 0;
    for (size_t ci = 0; ci < nchunks; ci++) {
        uint16_t w;
        memcpy(&w, meta->ptr + 2 * ci, 2);
        const uint64_t bytes = ((uint64_t)(w >> 4) + 1) * MB_ALIGN;
        const uint64_t left = num_items - row;
        const uint64_t n = ci + 1 < nchunks ? (uint64_t)1 << (w & 15) : left;
        if (n > left || n == 0)
            return cdx_fail(err, CDX_ECORRUPT, "%s: chunk %zu holds %llu of %llu remaining values",
                            s->name, ci, (unsigned long long)n, (unsigned long long)left);
        if (bytes > data->len - pos)
            return cdx_fail(err, CDX_ETRUNCATED,
                            "%s: chunk %zu (%llu bytes at %llu) overruns the %llu-byte buffer",
                            s->name, ci, (unsigned long long)bytes, (unsigned long long)pos,
                            (unsigned long long)data->len);
        uint16_t num_levels = 0;
        mb_slice def = {0}, bufs[MB_MAX_BUFFERS] = {{0}};
        int rc = mb_scratch(s, (size_t)n, err);
        if (!rc)
            rc = mb_chunk_split(s, data->ptr + pos, (size_t)bytes, ci, &num_levels, &def, bufs,
                                err);
        if (!rc && s->def != MB_DEF_NONE)
            rc = mb_chunk_def(s, ci, num_levels, def, (size_t)n, row, err);
        if (!rc)
            rc = mb_chunk_values(s, ci, bufs, (size_t)n, row, err);
        if (rc)
            return rc;
        pos += bytes;
        row += n;
    }
    if (row != num_items)
        return cdx_fail(err, CDX_ECORRUPT, "%s: chunks hold %llu of %llu values", s->name,
                        (unsigned long long)row, (unsigned long long)num_items);
    return CDX_OK;
}

/* Zeroes fixed-width slots of null rows (the page may store anything there) and drops an
 * all-valid item-validity bitmap. */
static void mb_finish(mb_state *s) {
    lance_column *out = s->out;
    if (out->validity && out->values) {
        const size_t es = lance_type_elem_size(out->type) * out->dim;
        for (uint64_t r = 0; r < out->length; r++)
            if (!lance_column_is_valid(out, r))
                memset((uint8_t *)out->values + r * es, 0, es);
    }
    if (out->item_validity) {
        const uint64_t items = out->length * out->dim;
        int all = 1;
        for (uint64_t i = 0; i < items && all; i++)
            if (lance_column_is_valid(out, i / out->dim) &&
                !((out->item_validity[i / 8] >> (i % 8)) & 1))
                all = 0;
        if (all) {
            free(out->item_validity);
            out->item_validity = NULL;
        }
    }
    if (out->type == LANCE_TYPE_UTF8) {
        out->data = s->bytes.p;
        out->data_len = s->bytes.len;
        s->bytes.p = NULL;
    }
}

int lance_page21_miniblock(const lance_page_ctx *ctx, const char *name, lance_column *out,
                           cdx_error *err) {
    const Lance__Encodings21__MiniBlockLayout *mb = ctx->layout->mini_block_layout;
    mb_state s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    s.name = name;
    s.out = out;
    int nullable = 0;
    int rc = lance_page21_check_layers(mb->layers, mb->n_layers, &nullable, name, err);
    if (!rc && (mb->rep_compression || mb->repetition_index_depth))
        rc = mb_unsupported(&s, "repetition levels", err);
    if (!rc && mb->num_items != ctx->num_rows)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: %llu items in a page of %llu rows", name,
                      (unsigned long long)mb->num_items, (unsigned long long)ctx->num_rows);
    if (!rc && ctx->num_buffers < 2)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: mini-block page with %zu buffers", name,
                      ctx->num_buffers);
    if (!rc)
        rc = mb_plan_values(&s, mb, err);
    if (!rc && mb->num_buffers != s.num_buffers)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: %llu value buffers, the encoding needs %zu", name,
                      (unsigned long long)mb->num_buffers, s.num_buffers);
    if (!rc)
        rc = mb_plan_def(&s, mb, nullable, err);
    if (!rc)
        rc = lance_column_alloc(out, ctx->type, ctx->dim, ctx->num_rows, err);
    if (!rc && s.def != MB_DEF_NONE)
        rc = lance_column_alloc_validity(out, err);
    if (!rc && s.fsl_validity) {
        const uint64_t bytes = (ctx->num_rows * out->dim + 7) / 8 + 1;
        out->item_validity = malloc((size_t)bytes);
        if (!out->item_validity)
            rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", name);
        else
            memset(out->item_validity, 0xff, (size_t)bytes);
    }
    if (!rc)
        rc = mb_decode_chunks(&s, ctx->num_rows, err);
    if (!rc)
        mb_finish(&s);
    free(s.bytes.p);
    free(s.dict_offsets);
    free(s.levels);
    free(s.offsets);
    free(s.indices);
    return rc;
}
