/*
 * column.h — the decoded form of one Lance column (or one page of it): a type, a row count, an
 * optional Arrow-style validity bitmap and the values. Page decoders (2.0 and 2.1) fill one
 * lance_column per page; the table reader concatenates pages and fragments. Every buffer is
 * malloc'd and owned by the column, except `values` of a view (`borrowed` set): fixed-width
 * pages without nulls point straight into the mapped data file, valid while it stays open.
 * lance_column_free releases what the column owns.
 */
#ifndef CDX_LANCE_COLUMN_H
#define CDX_LANCE_COLUMN_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

/* Column types clipdex reads and writes (Lance logical types in parentheses). */
typedef enum lance_type {
    LANCE_TYPE_INT32,   /* "int32" */
    LANCE_TYPE_INT64,   /* "int64" */
    LANCE_TYPE_FLOAT32, /* "float" */
    LANCE_TYPE_FLOAT64, /* "double" */
    LANCE_TYPE_UTF8,    /* "string" / "large_string" */
    LANCE_TYPE_FSL_F32, /* "fixed_size_list:float:N" — N float32 per row */
} lance_type;

/*
 * A decoded column of `length` rows.
 * - validity: LSB-first bitmap of ceil(length/8) bytes, bit set = row valid; NULL = all valid.
 *   Null rows still occupy their slot: fixed-width values hold zeros, strings are empty.
 * - fixed-width types: `values` holds length * dim elements (dim is 1 except for FSL) of
 *   int32_t / int64_t / float / double, little-endian host order.
 * - FSL: `item_validity` (length*dim bits, set = item valid) or NULL when every item is valid.
 * - utf8: `offsets` holds length+1 byte offsets into `data` (offsets[0] == 0, non-decreasing,
 *   offsets[length] == data_len); `values` is NULL. `data` may be NULL when data_len is 0.
 */
typedef struct lance_column {
    lance_type type;
    uint32_t dim;
    uint64_t length;
    uint8_t *validity;
    uint8_t *item_validity;
    void *values;
    uint64_t *offsets;
    char *data;
    uint64_t data_len;
    int borrowed; /* values point into a data file's bytes: read-only, not freed */
} lance_column;

/* Bytes per element of a fixed-width type (FSL: per float, i.e. 4); 0 for utf8. */
size_t lance_type_elem_size(lance_type type);

/* Lance logical type string → type and dim ("fixed_size_list:float:768" → FSL_F32, 768).
 * Returns 0, or -1 for a type clipdex cannot read. */
int lance_type_parse(const char *logical_type, lance_type *type, uint32_t *dim);

/* Sets up `col` for `length` rows of `type` (dim ignored unless FSL): allocates zeroed values
 * (fixed width) or zeroed offsets (utf8; `data` is left NULL for the decoder to set). No validity
 * bitmap is allocated. On failure `col` is left empty and CDX_ENOMEM / CDX_ETOOLARGE returned. */
int lance_column_alloc(lance_column *col, lance_type type, uint32_t dim, uint64_t length,
                       cdx_error *err);

/* Allocates col->validity (all bits valid) if it is NULL. */
int lance_column_alloc_validity(lance_column *col, cdx_error *err);

/* Marks row `row` null (allocating the bitmap on first use). */
int lance_column_set_null(lance_column *col, uint64_t row, cdx_error *err);

/* Whether row `row` is valid (non-null). */
int lance_column_is_valid(const lance_column *col, uint64_t row);

/* Appends the rows of `src` (same type and dim) to `dst`, keeping only rows whose bit is set in
 * `keep` (LSB-first, src->length bits; NULL keeps every row). */
int lance_column_append(lance_column *dst, const lance_column *src, const uint8_t *keep,
                        cdx_error *err);

/* Makes `col` a view of length*dim elements at `values` (not owned, never written). */
void lance_column_view(lance_column *col, lance_type type, uint32_t dim, uint64_t length,
                       const void *values);

/* Gives a view its own copy of the values (no-op for an owned column). */
int lance_column_own(lance_column *col, cdx_error *err);

/* Frees every buffer and zeroes the struct. Safe on a zeroed column. */
void lance_column_free(lance_column *col);

#endif
