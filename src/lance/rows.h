/*
 * rows.h — the row-batch builder behind cdx_rows: one lance_column per table column, filled
 * column-wise by the cdx_rows_set_* calls and handed to the data-file writer.
 */
#ifndef CDX_LANCE_ROWS_H
#define CDX_LANCE_ROWS_H

#include "clipdex.h"
#include "lance/column.h"
#include "lance/writer.h"

struct cdx_rows {
    lance_field_desc *fields; /* the table's columns (names owned here) */
    size_t ncols;
    lance_column *cols;
    int *set;      /* whether cols[i] was set */
    uint64_t rows; /* common row count of the set columns */
    int have_rows;
};

/* The table's columns as writer fields (names borrowed from t). Fails with CDX_EUNSUPPORTED when
 * the table has fields clipdex cannot write (nested or unknown types). *out is malloc'd. */
int lance_table_write_fields(const cdx_table *t, lance_field_desc **out, size_t *n,
                             cdx_error *err);

/* The batch's columns for the writer: set columns are shared (shallow copies), columns never
 * set become all-null columns (an error for non-nullable ones). Release with
 * lance_rows_columns_free(r, cols). */
int lance_rows_columns(const cdx_rows *r, lance_column **cols, cdx_error *err);
void lance_rows_columns_free(const cdx_rows *r, lance_column *cols);

#endif
