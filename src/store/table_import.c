/*
 * table_import.c — cdx_table_import_jsonl: JSON Lines rows (jsonl_rows.c) streamed batch by
 * batch into a table with bounded memory. Appends go through one cdx_appender (aborted on any
 * error); creates and overwrites stream into a hidden staging table in the same database and
 * adopt its fragments in one commit at the end, so a failed import leaves nothing behind.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "lance/commit.h"
#include "lance/table_adopt.h"
#include "store/import_input.h"
#include "store/jsonl_rows.h"

#define IMPORT_DEFAULT_BATCH 8192

typedef struct import_col {
    char *name;
    int type; /* cdx_column_type, or -1 while unknown */
    uint32_t dim;
    int nullable;
} import_col;

typedef struct import_ctx {
    import_input in;
    const cdx_import_opts *opts;
    size_t batch_cap;
    store_jsonl_row *rows;
    uint64_t *line_nos;
    size_t nrows;
    import_col *cols;
    size_t ncols;
    int inferred; /* the schema came from the first batch */
    /* one batch of one column at a time */
    void *values;
    const char **strs;
    uint8_t *valid;
    uint8_t *seen;
    cdx_error *err;
} import_ctx;

static const char *import_kind_name(store_json_kind k)
{
    switch (k) {
    case STORE_JSON_NULL: return "null";
    case STORE_JSON_INT: return "an integer";
    case STORE_JSON_FLOAT: return "a number";
    case STORE_JSON_STRING: return "a string";
    case STORE_JSON_ARRAY: return "an array";
    }
    return "?";
}

static const char *import_type_name(int t)
{
    switch (t) {
    case CDX_COLUMN_INT32: return "int32";
    case CDX_COLUMN_INT64: return "int64";
    case CDX_COLUMN_FLOAT32: return "float32";
    case CDX_COLUMN_FLOAT64: return "float64";
    case CDX_COLUMN_UTF8: return "utf8";
    case CDX_COLUMN_VECTOR_F32: return "vector of float32";
    }
    return "?";
}

/* Reads and parses up to batch_cap non-blank lines into ctx->rows. */
static int import_fill_batch(import_ctx *ctx)
{
    ctx->nrows = 0;
    while (ctx->nrows < ctx->batch_cap) {
        const char *line;
        size_t len;
        int got, blank, rc = import_input_line(&ctx->in, &line, &len, &got, ctx->err);
        if (rc) return rc;
        if (!got) break;
        rc = store_jsonl_parse_row(&ctx->rows[ctx->nrows], line, len, ctx->in.src,
                                   ctx->in.line_no, &blank, ctx->err);
        if (rc) return rc;
        if (!blank) ctx->line_nos[ctx->nrows++] = ctx->in.line_no;
    }
    return 0;
}

static long import_find_col(const import_ctx *ctx, const char *name, size_t hint)
{
    if (hint < ctx->ncols && !strcmp(ctx->cols[hint].name, name)) return (long)hint;
    for (size_t c = 0; c < ctx->ncols; c++)
        if (!strcmp(ctx->cols[c].name, name)) return (long)c;
    return -1;
}

static int import_add_col(import_ctx *ctx, const char *name)
{
    import_col *c = realloc(ctx->cols, (ctx->ncols + 1) * sizeof *c);
    if (!c) return cdx_fail(ctx->err, CDX_ENOMEM, "%s: out of memory", ctx->in.src);
    ctx->cols = c;
    c[ctx->ncols] = (import_col){strdup(name), -1, 0, 1};
    if (!c[ctx->ncols].name) return cdx_fail(ctx->err, CDX_ENOMEM, "%s: out of memory",
                                             ctx->in.src);
    ctx->ncols++;
    return 0;
}

/* Column names in order of first appearance and types from their first non-null values, over
 * the first batch. */
static int import_infer_schema(import_ctx *ctx)
{
    ctx->inferred = 1;
    for (size_t r = 0; r < ctx->nrows; r++) {
        const store_jsonl_row *row = &ctx->rows[r];
        for (size_t i = 0; i < row->n; i++) {
            const store_json_member *m = &row->members[i];
            long c = import_find_col(ctx, m->key, i);
            if (c < 0) {
                int rc = import_add_col(ctx, m->key);
                if (rc) return rc;
                c = (long)ctx->ncols - 1;
            }
            import_col *col = &ctx->cols[c];
            if (col->type >= 0 || m->kind == STORE_JSON_NULL) continue;
            if (m->kind == STORE_JSON_INT) col->type = CDX_COLUMN_INT64;
            else if (m->kind == STORE_JSON_FLOAT) col->type = CDX_COLUMN_FLOAT64;
            else if (m->kind == STORE_JSON_STRING) col->type = CDX_COLUMN_UTF8;
            else {
                col->type = CDX_COLUMN_VECTOR_F32;
                col->dim = ctx->opts->dim ? ctx->opts->dim : (uint32_t)m->len;
                if (!m->len || m->len > UINT32_MAX)
                    return cdx_fail(ctx->err, CDX_ECORRUPT,
                                    "%s: line %llu: column '%s': a vector needs 1 to 2^32-1 "
                                    "numbers, not %zu", ctx->in.src,
                                    (unsigned long long)ctx->line_nos[r], m->key, m->len);
            }
        }
    }
    for (size_t c = 0; c < ctx->ncols; c++)
        if (ctx->cols[c].type < 0)
            return cdx_fail(ctx->err, CDX_ECORRUPT,
                            "%s: column '%s' has no non-null value in the first %zu rows to "
                            "infer its type from", ctx->in.src, ctx->cols[c].name, ctx->nrows);
    return 0;
}

static int import_schema_from_table(import_ctx *ctx, const cdx_table *t)
{
    for (size_t c = 0; c < cdx_table_num_columns(t); c++) {
        int rc = import_add_col(ctx, cdx_table_column_name(t, c));
        if (rc) return rc;
        ctx->cols[c].type = (int)cdx_table_column_type(t, c);
        ctx->cols[c].dim = cdx_table_column_dim(t, c);
        ctx->cols[c].nullable = cdx_table_column_nullable(t, c);
    }
    return 0;
}

static int import_value_error(import_ctx *ctx, size_t r, const import_col *col, const char *why)
{
    return cdx_fail(ctx->err, CDX_ECORRUPT, "%s: line %llu: column '%s': %s", ctx->in.src,
                    (unsigned long long)ctx->line_nos[r], col->name, why);
}

/* Stores member m of row r into the column buffer of col; sets the validity bit. */
static int import_store_value(import_ctx *ctx, size_t r, const import_col *col,
                              const store_json_member *m)
{
    char why[160];
    if (m->kind == STORE_JSON_NULL) {
        if (!col->nullable) return import_value_error(ctx, r, col, "null in a non-null column");
        return 0;
    }
    int ok = 0;
    switch ((cdx_column_type)col->type) {
    case CDX_COLUMN_INT64:
        if ((ok = m->kind == STORE_JSON_INT)) ((int64_t *)ctx->values)[r] = m->i;
        break;
    case CDX_COLUMN_INT32:
        if ((ok = m->kind == STORE_JSON_INT) && (m->i < INT32_MIN || m->i > INT32_MAX))
            return import_value_error(ctx, r, col, "integer out of int32 range");
        if (ok) ((int32_t *)ctx->values)[r] = (int32_t)m->i;
        break;
    case CDX_COLUMN_FLOAT64:
        if ((ok = m->kind == STORE_JSON_INT || m->kind == STORE_JSON_FLOAT))
            ((double *)ctx->values)[r] = m->d;
        break;
    case CDX_COLUMN_FLOAT32:
        if ((ok = m->kind == STORE_JSON_INT || m->kind == STORE_JSON_FLOAT) && fabs(m->d) > FLT_MAX)
            return import_value_error(ctx, r, col, "number out of float32 range");
        if (ok) ((float *)ctx->values)[r] = (float)m->d;
        break;
    case CDX_COLUMN_UTF8:
        if ((ok = m->kind == STORE_JSON_STRING)) ctx->strs[r] = m->s;
        break;
    case CDX_COLUMN_VECTOR_F32:
        if ((ok = m->kind == STORE_JSON_ARRAY) && m->len != col->dim) {
            snprintf(why, sizeof why, "the vector has %zu numbers, the column %u", m->len,
                     col->dim);
            return import_value_error(ctx, r, col, why);
        }
        if (ok) memcpy((float *)ctx->values + r * col->dim, m->v, m->len * sizeof(float));
        break;
    }
    if (!ok) {
        snprintf(why, sizeof why, "%s where the column is %s", import_kind_name(m->kind),
                 import_type_name(col->type));
        return import_value_error(ctx, r, col, why);
    }
    ctx->valid[r / 8] |= (uint8_t)(1u << (r % 8));
    return 0;
}

/* Every member of every row names a column, once (checked before any column is filled). */
static int import_check_names(import_ctx *ctx)
{
    for (size_t r = 0; r < ctx->nrows; r++) {
        const store_jsonl_row *row = &ctx->rows[r];
        for (size_t i = 0; i < row->n; i++)
            if (import_find_col(ctx, row->members[i].key, i) < 0)
                return cdx_fail(ctx->err, CDX_ECORRUPT, "%s: line %llu: unknown column '%s'%s",
                                ctx->in.src, (unsigned long long)ctx->line_nos[r],
                                row->members[i].key,
                                ctx->inferred ? " (columns come from the first batch of rows)"
                                              : "");
    }
    return 0;
}

/* Fills column c of the batch into the reusable buffers and sets it on `rows`. */
static int import_set_column(import_ctx *ctx, size_t c, cdx_rows *rows)
{
    const import_col *col = &ctx->cols[c];
    size_t n = ctx->nrows, width = col->type == CDX_COLUMN_VECTOR_F32 ? col->dim : 1;
    size_t elem = col->type == CDX_COLUMN_INT32 || col->type == CDX_COLUMN_FLOAT32 ||
                          col->type == CDX_COLUMN_VECTOR_F32 ? 4 : 8;
    if (col->type != CDX_COLUMN_UTF8) {
        if (width > SIZE_MAX / elem / (n ? n : 1))
            return cdx_fail(ctx->err, CDX_ENOMEM, "%s: batch too large", ctx->in.src);
        void *v = realloc(ctx->values, n * width * elem + 1);
        if (!v) return cdx_fail(ctx->err, CDX_ENOMEM, "%s: out of memory", ctx->in.src);
        ctx->values = v;
        memset(v, 0, n * width * elem);
    }
    memset(ctx->valid, 0, (n + 7) / 8);
    for (size_t r = 0; r < n; r++) {
        ctx->strs[r] = NULL;
        const store_jsonl_row *row = &ctx->rows[r];
        const store_json_member *m = NULL;
        for (size_t i = 0; i < row->n && !m; i++) {
            size_t k = (i + c) % row->n; /* rows usually list columns in order */
            if (!strcmp(row->members[k].key, col->name)) m = &row->members[k];
        }
        static const store_json_member missing = {0};
        int rc = import_store_value(ctx, r, col, m ? m : &missing);
        if (rc) return rc;
    }
    cdx_error *e = ctx->err;
    int rc = 0;
    switch ((cdx_column_type)col->type) {
    case CDX_COLUMN_INT32: rc = cdx_rows_set_int32(rows, col->name, ctx->values, n, e); break;
    case CDX_COLUMN_INT64: rc = cdx_rows_set_int64(rows, col->name, ctx->values, n, e); break;
    case CDX_COLUMN_FLOAT32: rc = cdx_rows_set_float32(rows, col->name, ctx->values, n, e); break;
    case CDX_COLUMN_FLOAT64: rc = cdx_rows_set_float64(rows, col->name, ctx->values, n, e); break;
    case CDX_COLUMN_UTF8: return cdx_rows_set_utf8(rows, col->name, ctx->strs, n, e);
    case CDX_COLUMN_VECTOR_F32:
        rc = cdx_rows_set_vector_f32(rows, col->name, ctx->values, n, e);
        break;
    }
    for (size_t r = 0; !rc && r < n; r++)
        if (!(ctx->valid[r / 8] >> (r % 8) & 1))
            return cdx_rows_set_validity(rows, col->name, ctx->valid, e);
    return rc;
}

/* Streams the current batch and every following one into the appender; counts rows. */
static int import_stream(import_ctx *ctx, cdx_table *t, cdx_appender *a, uint64_t *count)
{
    cdx_rows *rows;
    int rc = cdx_rows_new(t, &rows, ctx->err);
    while (!rc && ctx->nrows) {
        cdx_rows_clear(rows);
        rc = import_check_names(ctx);
        for (size_t c = 0; !rc && c < ctx->ncols; c++) rc = import_set_column(ctx, c, rows);
        if (!rc) rc = cdx_appender_add(a, rows, ctx->err);
        if (!rc) *count += ctx->nrows;
        if (!rc) rc = import_fill_batch(ctx);
    }
    cdx_rows_free(rows);
    return rc;
}

static int import_alloc_batch(import_ctx *ctx)
{
    size_t n = ctx->batch_cap;
    ctx->rows = calloc(n, sizeof *ctx->rows);
    ctx->line_nos = calloc(n, sizeof *ctx->line_nos);
    ctx->strs = calloc(n, sizeof *ctx->strs);
    ctx->valid = calloc(n / 8 + 1, 1);
    if (!ctx->rows || !ctx->line_nos || !ctx->strs || !ctx->valid)
        return cdx_fail(ctx->err, CDX_ENOMEM, "%s: out of memory", ctx->in.src);
    return 0;
}

static void import_ctx_free(import_ctx *ctx)
{
    for (size_t r = 0; ctx->rows && r < ctx->batch_cap; r++) store_jsonl_row_free(&ctx->rows[r]);
    free(ctx->rows);
    free(ctx->line_nos);
    free(ctx->strs);
    free(ctx->valid);
    free(ctx->values);
    for (size_t c = 0; c < ctx->ncols; c++) free(ctx->cols[c].name);
    free(ctx->cols);
    import_input_free(&ctx->in);
}

/* Appends every row to an existing table in one commit. */
static int import_append(import_ctx *ctx, const char *db, const char *name, uint64_t *count,
                         uint64_t *version)
{
    cdx_table *t;
    int rc = cdx_table_open(db, name, 0, &t, ctx->err);
    if (rc) return rc;
    cdx_appender *a = NULL;
    rc = import_schema_from_table(ctx, t);
    if (!rc) rc = cdx_appender_open(t, &a, ctx->err);
    if (!rc) rc = import_fill_batch(ctx);
    if (!rc) rc = import_stream(ctx, t, a, count);
    if (rc) cdx_appender_abort(a);
    else rc = cdx_appender_commit(a, ctx->err);
    if (!rc) *version = cdx_table_version(t);
    cdx_table_close(t);
    return rc;
}

/* Streams every row into a staging table `<db>/.clipdex-import-<uuid>/<name>.lance`. */
static int import_stage(import_ctx *ctx, const char *stage_db, const char *name, uint64_t *count)
{
    int rc = import_fill_batch(ctx);
    if (!rc && !ctx->nrows)
        return cdx_fail(ctx->err, CDX_EEMPTY, "%s: no rows to create table '%s' from",
                        ctx->in.src, name);
    if (!rc) rc = import_infer_schema(ctx);
    if (rc) return rc;
    cdx_field *fields = calloc(ctx->ncols, sizeof *fields);
    if (!fields) return cdx_fail(ctx->err, CDX_ENOMEM, "%s: out of memory", ctx->in.src);
    for (size_t c = 0; c < ctx->ncols; c++)
        fields[c] = (cdx_field){ctx->cols[c].name, (cdx_column_type)ctx->cols[c].type,
                                ctx->cols[c].dim, 0};
    cdx_table *t = NULL;
    cdx_appender *a = NULL;
    rc = cdx_table_create(stage_db, name, fields, ctx->ncols, CDX_CREATE, NULL, &t, ctx->err);
    free(fields);
    if (!rc) rc = cdx_appender_open(t, &a, ctx->err);
    if (!rc) rc = import_stream(ctx, t, a, count);
    if (rc) cdx_appender_abort(a);
    else rc = cdx_appender_commit(a, ctx->err);
    cdx_table_close(t);
    return rc;
}

/* Creates or overwrites `name` with every row, through a staging table adopted in one commit. */
static int import_replace(import_ctx *ctx, const char *db, const char *name, int overwrite,
                          uint64_t *count, uint64_t *version)
{
    char final_dir[4096], stage_db[4096], stage_dir[4400], uuid[37];
    if ((size_t)snprintf(final_dir, sizeof final_dir, "%s/%s.lance", db, name) >=
        sizeof final_dir - 64)
        return cdx_fail(ctx->err, CDX_EINVAL, "%s: path too long", name);
    cdx_table *existing;
    if (!overwrite && !cdx_table_open(db, name, 0, &existing, NULL)) { /* fail before reading */
        cdx_table_close(existing);
        return cdx_fail(ctx->err, CDX_EEXIST, "%s: table exists", final_dir);
    }
    int made_db = access(db, F_OK) != 0;
    int rc = lance_mkdir(db, ctx->err);
    if (rc) return rc;
    lance_uuid_string(uuid);
    snprintf(stage_db, sizeof stage_db, "%s/.clipdex-import-%s", db, uuid);
    snprintf(stage_dir, sizeof stage_dir, "%s/%s.lance", stage_db, name);
    rc = import_stage(ctx, stage_db, name, count);
    if (!rc) rc = lance_table_adopt(final_dir, stage_dir, overwrite, version, ctx->err);
    lance_table_remove_dir(stage_dir);
    rmdir(stage_db);
    if (rc && made_db) rmdir(db);
    return rc;
}

int cdx_table_import_jsonl(const char *db_dir, const char *name, int fd, const char *src_name,
                           const cdx_import_opts *opts, uint64_t *rows, uint64_t *version,
                           cdx_error *err)
{
    static const cdx_import_opts defaults = {CDX_IMPORT_CREATE, 0, 0};
    const cdx_import_opts *o = opts ? opts : &defaults;
    uint64_t count = 0, ver = 0;
    if (!db_dir || !name || !*name || strchr(name, '/') || !strcmp(name, ".") ||
        !strcmp(name, ".."))
        return cdx_fail(err, CDX_EINVAL, "invalid table name '%s'", name ? name : "(null)");
    if (o->mode == CDX_IMPORT_APPEND && o->dim)
        return cdx_fail(err, CDX_EINVAL, "%s: a vector dimension is only for creating", name);
    if (o->mode != CDX_IMPORT_CREATE && o->mode != CDX_IMPORT_APPEND &&
        o->mode != CDX_IMPORT_OVERWRITE)
        return cdx_fail(err, CDX_EINVAL, "%s: unknown import mode %d", name, (int)o->mode);
    import_ctx ctx = {.opts = o, .err = err};
    ctx.batch_cap = o->batch_rows ? o->batch_rows : IMPORT_DEFAULT_BATCH;
    import_input_init(&ctx.in, fd, src_name ? src_name : "(input)");
    int rc = import_alloc_batch(&ctx);
    if (!rc && o->mode == CDX_IMPORT_APPEND)
        rc = import_append(&ctx, db_dir, name, &count, &ver);
    else if (!rc)
        rc = import_replace(&ctx, db_dir, name, o->mode == CDX_IMPORT_OVERWRITE, &count, &ver);
    import_ctx_free(&ctx);
    if (rows) *rows = rc ? 0 : count;
    if (version) *version = rc ? 0 : ver;
    return rc;
}
