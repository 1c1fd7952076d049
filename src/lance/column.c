/*
 * column.c — allocation, null bitmaps and concatenation of decoded Lance columns (column.h).
 * Sizes are overflow-checked: a row count read from a file must not wrap a multiplication.
 */
#include "lance/column.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

size_t lance_type_elem_size(lance_type type)
{
    switch (type) {
    case LANCE_TYPE_INT32: case LANCE_TYPE_FLOAT32: case LANCE_TYPE_FSL_F32: return 4;
    case LANCE_TYPE_INT64: case LANCE_TYPE_FLOAT64: return 8;
    case LANCE_TYPE_UTF8: return 0;
    }
    return 0;
}

int lance_type_parse(const char *lt, lance_type *type, uint32_t *dim)
{
    static const char fsl[] = "fixed_size_list:float:";
    *dim = 1;
    if (!strcmp(lt, "int32")) *type = LANCE_TYPE_INT32;
    else if (!strcmp(lt, "int64")) *type = LANCE_TYPE_INT64;
    else if (!strcmp(lt, "float")) *type = LANCE_TYPE_FLOAT32;
    else if (!strcmp(lt, "double")) *type = LANCE_TYPE_FLOAT64;
    else if (!strcmp(lt, "string") || !strcmp(lt, "large_string")) *type = LANCE_TYPE_UTF8;
    else if (!strncmp(lt, fsl, sizeof fsl - 1)) {
        const char *p = lt + sizeof fsl - 1;
        uint64_t d = 0;
        if (*p < '0' || *p > '9') return -1;
        for (; *p >= '0' && *p <= '9'; p++) {
            d = d * 10 + (uint64_t)(*p - '0');
            if (d > (1u << 20)) return -1;
        }
        if (*p || d == 0) return -1;
        *type = LANCE_TYPE_FSL_F32;
        *dim = (uint32_t)d;
    } else
        return -1;
    return 0;
}

/* Bytes of `n` elements of `size`, or SIZE_MAX on overflow. */
static size_t column_mul(uint64_t n, uint64_t size)
{
    if (size && n > (uint64_t)SIZE_MAX / size) return SIZE_MAX;
    return (size_t)(n * size);
}

int lance_column_alloc(lance_column *col, lance_type type, uint32_t dim, uint64_t length,
                       cdx_error *err)
{
    memset(col, 0, sizeof *col);
    col->type = type;
    col->dim = type == LANCE_TYPE_FSL_F32 ? dim : 1;
    col->length = length;
    if (col->dim == 0) return cdx_fail(err, CDX_EINVAL, "lance column: dimension 0");
    if (type == LANCE_TYPE_UTF8) {
        size_t bytes = column_mul(length + 1, sizeof(uint64_t));
        if (length == UINT64_MAX || bytes == SIZE_MAX)
            return cdx_fail(err, CDX_ETOOLARGE, "lance column: %llu rows is too many",
                            (unsigned long long)length);
        col->offsets = calloc(1, bytes);
        if (!col->offsets) goto oom;
        return 0;
    }
    size_t items = column_mul(length, col->dim);
    size_t bytes = column_mul(items, lance_type_elem_size(type));
    if (items == SIZE_MAX || bytes == SIZE_MAX)
        return cdx_fail(err, CDX_ETOOLARGE, "lance column: %llu rows is too many",
                        (unsigned long long)length);
    col->values = calloc(1, bytes ? bytes : 1);
    if (!col->values) goto oom;
    return 0;
oom:
    memset(col, 0, sizeof *col);
    return cdx_fail(err, CDX_ENOMEM, "lance column: out of memory for %llu rows",
                    (unsigned long long)length);
}

int lance_column_alloc_validity(lance_column *col, cdx_error *err)
{
    if (col->validity) return 0;
    size_t bytes = (size_t)(col->length / 8 + 1);
    col->validity = malloc(bytes);
    if (!col->validity) return cdx_fail(err, CDX_ENOMEM, "lance column: out of memory");
    memset(col->validity, 0xff, bytes);
    return 0;
}

int lance_column_set_null(lance_column *col, uint64_t row, cdx_error *err)
{
    if (lance_column_alloc_validity(col, err)) return err ? err->code : CDX_ENOMEM;
    col->validity[row / 8] &= (uint8_t)~(1u << (row % 8));
    return 0;
}

int lance_column_is_valid(const lance_column *col, uint64_t row)
{
    return !col->validity || ((col->validity[row / 8] >> (row % 8)) & 1);
}

static int bit_get(const uint8_t *bits, uint64_t i)
{
    return (bits[i / 8] >> (i % 8)) & 1;
}

static void bit_put(uint8_t *bits, uint64_t i, int v)
{
    if (v) bits[i / 8] |= (uint8_t)(1u << (i % 8));
    else bits[i / 8] &= (uint8_t)~(1u << (i % 8));
}

/* Grows a malloc'd buffer to hold `bytes` (never shrinks). */
static int column_grow(void **buf, size_t bytes)
{
    void *p = realloc(*buf, bytes ? bytes : 1);
    if (!p) return -1;
    *buf = p;
    return 0;
}

static uint64_t column_count_kept(const lance_column *src, const uint8_t *keep)
{
    if (!keep) return src->length;
    uint64_t n = 0;
    for (uint64_t i = 0; i < src->length; i++) n += (uint64_t)bit_get(keep, i);
    return n;
}

/* Makes room in dst's bitmaps for `total` rows; a bitmap absent in dst but needed is created
 * with all earlier rows valid. */
static int column_grow_bitmaps(lance_column *dst, const lance_column *src, uint64_t total)
{
    size_t bytes = (size_t)(total / 8 + 1);
    if (src->validity || dst->validity) {
        size_t old = dst->validity ? (size_t)(dst->length / 8 + 1) : 0;
        if (column_grow((void **)&dst->validity, bytes)) return -1;
        if (bytes > old) memset(dst->validity + old, 0xff, bytes - old);
        if (!old) memset(dst->validity, 0xff, bytes);
    }
    if (src->item_validity || dst->item_validity) {
        size_t ibytes = column_mul(total, dst->dim) / 8 + 1;
        size_t old = dst->item_validity ? column_mul(dst->length, dst->dim) / 8 + 1 : 0;
        if (column_grow((void **)&dst->item_validity, ibytes)) return -1;
        if (ibytes > old) memset(dst->item_validity + old, 0xff, ibytes - old);
        if (!old) memset(dst->item_validity, 0xff, ibytes);
    }
    return 0;
}

int lance_column_append(lance_column *dst, const lance_column *src, const uint8_t *keep,
                        cdx_error *err)
{
    if (dst->type != src->type || dst->dim != src->dim)
        return cdx_fail(err, CDX_EINVAL, "lance column: appending a different type");
    if (dst->borrowed && lance_column_own(dst, err)) return err ? err->code : CDX_ENOMEM;
    uint64_t n = column_count_kept(src, keep), total = dst->length + n;
    size_t esz = lance_type_elem_size(src->type) * src->dim;
    if (column_mul(total, esz ? esz : 8) == SIZE_MAX || total < dst->length)
        return cdx_fail(err, CDX_ETOOLARGE, "lance column: too many rows");
    if (column_grow_bitmaps(dst, src, total)) goto oom;
    if (src->type == LANCE_TYPE_UTF8) {
        if (column_grow((void **)&dst->offsets, (size_t)(total + 1) * sizeof(uint64_t))) goto oom;
        if (dst->length == 0) dst->offsets[0] = 0;
        uint64_t bytes = 0;
        for (uint64_t i = 0; i < src->length; i++)
            if (!keep || bit_get(keep, i)) bytes += src->offsets[i + 1] - src->offsets[i];
        if (column_grow((void **)&dst->data, (size_t)(dst->data_len + bytes))) goto oom;
    } else if (column_grow(&dst->values, column_mul(total, esz))) {
        goto oom;
    }
    uint64_t row = dst->length;
    for (uint64_t i = 0; i < src->length; i++, row++) {
        if (keep && !bit_get(keep, i)) { row--; continue; }
        if (dst->validity) bit_put(dst->validity, row, lance_column_is_valid(src, i));
        if (dst->item_validity)
            for (uint32_t j = 0; j < src->dim; j++)
                bit_put(dst->item_validity, row * src->dim + j,
                        !src->item_validity || bit_get(src->item_validity, i * src->dim + j));
        if (src->type == LANCE_TYPE_UTF8) {
            uint64_t len = src->offsets[i + 1] - src->offsets[i];
            if (len) memcpy(dst->data + dst->data_len, src->data + src->offsets[i], (size_t)len);
            dst->data_len += len;
            dst->offsets[row + 1] = dst->data_len;
        } else {
            memcpy((char *)dst->values + row * esz, (const char *)src->values + i * esz, esz);
        }
    }
    dst->length = total;
    return 0;
oom:
    return cdx_fail(err, CDX_ENOMEM, "lance column: out of memory appending %llu rows",
                    (unsigned long long)n);
}

void lance_column_view(lance_column *col, lance_type type, uint32_t dim, uint64_t length,
                       const void *values)
{
    memset(col, 0, sizeof *col);
    col->type = type;
    col->dim = type == LANCE_TYPE_FSL_F32 ? dim : 1;
    col->length = length;
    col->values = (void *)values; /* read-only: `borrowed` keeps writers away */
    col->borrowed = 1;
}

int lance_column_own(lance_column *col, cdx_error *err)
{
    if (!col->borrowed) return 0;
    size_t bytes = column_mul(column_mul(col->length, col->dim), lance_type_elem_size(col->type));
    if (bytes == SIZE_MAX)
        return cdx_fail(err, CDX_ETOOLARGE, "lance column: %llu rows is too many",
                        (unsigned long long)col->length);
    void *copy = malloc(bytes ? bytes : 1);
    if (!copy) return cdx_fail(err, CDX_ENOMEM, "lance column: out of memory for %zu bytes", bytes);
    if (bytes) memcpy(copy, col->values, bytes);
    col->values = copy;
    col->borrowed = 0;
    return 0;
}

void lance_column_free(lance_column *col)
{
    free(col->validity);
    free(col->item_validity);
    if (!col->borrowed) free(col->values);
    free(col->offsets);
    free(col->data);
    memset(col, 0, sizeof *col);
}
