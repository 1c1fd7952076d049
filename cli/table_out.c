/*
 * table_out.c — table rows as JSON objects or in the human (tab-separated) form, and the option
 * and table-opening helpers shared by `tables`, `show`, `search` and `import`. Long vectors are
 * abbreviated in text: a terminal has no use for 768 numbers; --json prints them whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "table_out.h"

#define TEXT_VECTOR_HEAD 3

void cli_text_header(FILE *out, const cdx_table *t, int skip_vectors)
{
    int first = 1;
    for (size_t c = 0; c < cdx_table_num_columns(t); c++) {
        if (skip_vectors && cdx_table_column_type(t, c) == CDX_COLUMN_VECTOR_F32) continue;
        fprintf(out, "%s%s", first ? "" : "\t", cdx_table_column_name(t, c));
        first = 0;
    }
}

/* A vector: in JSON every value, in text the first TEXT_VECTOR_HEAD and the dimension. */
static void row_vector(FILE *out, const float *v, uint32_t dim, int json)
{
    fputc('[', out);
    for (uint32_t j = 0; j < dim && (json || j < TEXT_VECTOR_HEAD); j++) {
        if (json) {
            if (j) fputc(',', out);
            cli_json_f32(out, v[j]);
        } else {
            fprintf(out, "%s%g", j ? ", " : "", (double)v[j]);
        }
    }
    if (!json && dim > TEXT_VECTOR_HEAD) fprintf(out, ", … (%u)", dim);
    fputc(']', out);
}

static void row_value(FILE *out, const cdx_table *t, const cdx_batch *b, size_t c, uint64_t row,
                      int json)
{
    if (cdx_batch_is_null(b, c, row)) {
        fputs("null", out);
        return;
    }
    size_t len = 0;
    const char *s;
    switch (cdx_table_column_type(t, c)) {
    case CDX_COLUMN_INT32: fprintf(out, "%d", cdx_batch_int32(b, c)[row]); break;
    case CDX_COLUMN_INT64: fprintf(out, "%" PRId64, cdx_batch_int64(b, c)[row]); break;
    case CDX_COLUMN_FLOAT32:
        if (json) cli_json_f32(out, cdx_batch_float32(b, c)[row]);
        else fprintf(out, "%g", (double)cdx_batch_float32(b, c)[row]);
        break;
    case CDX_COLUMN_FLOAT64:
        if (json) cli_json_f64(out, cdx_batch_float64(b, c)[row]);
        else fprintf(out, "%g", cdx_batch_float64(b, c)[row]);
        break;
    case CDX_COLUMN_UTF8:
        s = cdx_batch_utf8(b, c, row, &len);
        if (json) {
            cli_json_string(out, s ? s : "", s ? len : 0);
            break;
        }
        /* Tabs and newlines inside a value would break the text layout. */
        for (size_t i = 0; s && i < len; i++) fputc(s[i] == '\t' || s[i] == '\n' ? ' ' : s[i], out);
        break;
    case CDX_COLUMN_VECTOR_F32: {
        uint32_t dim = cdx_table_column_dim(t, c);
        row_vector(out, cdx_batch_float32(b, c) + row * dim, dim, json);
        break;
    }
    }
}

void cli_print_row(FILE *out, const cdx_table *t, const cdx_batch *b, uint64_t row,
                   int skip_vectors, int json)
{
    int first = 1;
    if (json) fputc('{', out);
    for (size_t c = 0; c < cdx_table_num_columns(t); c++) {
        if (skip_vectors && cdx_table_column_type(t, c) == CDX_COLUMN_VECTOR_F32) continue;
        if (!first) fputc(json ? ',' : '\t', out);
        first = 0;
        if (json) cli_json_key(out, cdx_table_column_name(t, c));
        row_value(out, t, b, c, row, json);
    }
    if (json) fputc('}', out);
}

int cli_parse_u64(const char *opt, const char *value, int positive, uint64_t *out)
{
    if (!value) {
        cli_errorf("%s needs a value", opt);
        return -1;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno || end == value || *end || *value == '-' || *value == '+' || (positive && !v)) {
        cli_errorf("%s: '%s' is not a %s integer", opt, value,
                   positive ? "positive" : "non-negative");
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int cli_table_arg(int argc, char **argv, int *i, int json_ok, cli_table_args *out)
{
    const char *a = argv[*i];
    const int has_value = *i + 1 < argc;
    if (json_ok && !strcmp(a, "--json")) out->json = 1;
    else if (!strcmp(a, "--db") && has_value) out->db = argv[++*i];
    else if (!strcmp(a, "--table") && has_value) out->table = argv[++*i];
    else return 0;
    return 1;
}

int cli_open_table(const char *db, const char *name, uint64_t version, cdx_table **out)
{
    cdx_error err = {0};
    if (cdx_table_open(db, name, version, out, &err) != CDX_OK) {
        cli_errorf("table '%s' in %s: %s", name, db, err.message);
        return -1;
    }
    return 0;
}
