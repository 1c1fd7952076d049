/*
 * cdx_table_tool.c — drives the table writer from scripts (interop tests):
 *   cdx_table_tool DB TABLE create DIM [2.0|2.1]       empty recipe table (file_id, file_name, vector)
 *   cdx_table_tool DB TABLE add START N [PER_FILE]     rows START..START+N-1 in one commit
 *   cdx_table_tool DB TABLE add-loop START N TIMES     TIMES commits of N rows each
 *   cdx_table_tool DB TABLE delete-ids ID...           delete by file_id
 *   cdx_table_tool DB TABLE delete-name NAME           delete where file_name = NAME
 *   cdx_table_tool DB TABLE dump                       JSON Lines of every live row
 * Row values: file_name = "img_<id>.png", vector[j] = id + j/1000 (float32).
 * CLIPDEX_SYNC=0 in the environment commits with CDX_NO_SYNC (create always syncs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clipdex.h"

static int fail(const cdx_error *err)
{
    fprintf(stderr, "cdx_table_tool: %s\n", err->message);
    return 1;
}

static int add_rows(cdx_table *t, long long start, long long n, unsigned long long per_file,
                    cdx_error *err)
{
    uint32_t dim = cdx_table_column_dim(t, (size_t)cdx_table_column_index(t, "vector"));
    int64_t *ids = malloc((size_t)(n + 1) * sizeof *ids);
    char **names = malloc((size_t)(n + 1) * sizeof *names);
    float *vec = malloc((size_t)(n * dim + 1) * sizeof *vec);
    for (long long i = 0; i < n; i++) {
        ids[i] = start + i;
        names[i] = malloc(32);
        snprintf(names[i], 32, "img_%lld.png", start + i);
        for (uint32_t j = 0; j < dim; j++) vec[i * dim + j] = (float)(start + i) + (float)j / 1000.0f;
    }
    cdx_rows *r;
    cdx_appender *a;
    int rc = cdx_rows_new(t, &r, err);
    if (!rc) rc = cdx_rows_set_int64(r, "file_id", ids, (size_t)n, err);
    if (!rc) rc = cdx_rows_set_utf8(r, "file_name", (const char *const *)names, (size_t)n, err);
    if (!rc) rc = cdx_rows_set_vector_f32(r, "vector", vec, (size_t)n, err);
    if (!rc) rc = cdx_appender_open(t, &a, err);
    if (!rc) {
        cdx_appender_set_max_rows_per_file(a, per_file);
        rc = cdx_appender_add(a, r, err);
        if (rc) cdx_appender_abort(a);
        else rc = cdx_appender_commit(a, err);
    }
    cdx_rows_free(r);
    for (long long i = 0; i < n; i++) free(names[i]);
    free(ids);
    free(names);
    free(vec);
    return rc;
}

static int dump(cdx_table *t, cdx_error *err)
{
    cdx_scan *s;
    const cdx_batch *b;
    size_t nc = cdx_table_num_columns(t);
    int rc = cdx_scan_open(t, &s, err);
    while (!rc && !(rc = cdx_scan_next(s, &b, err)) && b) {
        for (uint64_t r = 0; r < cdx_batch_num_rows(b); r++) {
            for (size_t c = 0; c < nc; c++) {
                printf("%s\"%s\":", c ? "," : "{", cdx_table_column_name(t, c));
                if (cdx_batch_is_null(b, c, r)) { printf("null"); continue; }
                size_t len;
                const char *str;
                switch (cdx_table_column_type(t, c)) {
                case CDX_COLUMN_INT64: printf("%lld", (long long)cdx_batch_int64(b, c)[r]); break;
                case CDX_COLUMN_UTF8:
                    str = cdx_batch_utf8(b, c, r, &len);
                    printf("\"%.*s\"", (int)len, str);
                    break;
                case CDX_COLUMN_VECTOR_F32: {
                    uint32_t d = cdx_table_column_dim(t, c);
                    const float *v = cdx_batch_float32(b, c) + r * d;
                    for (uint32_t j = 0; j < d; j++) printf("%s%.9g", j ? "," : "[", (double)v[j]);
                    printf("]");
                    break;
                }
                default: printf("null");
                }
            }
            printf("}\n");
        }
    }
    cdx_scan_close(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: cdx_table_tool DB TABLE create|add|add-loop|delete-ids|delete-name|dump ...\n");
        return 2;
    }
    const char *db = argv[1], *name = argv[2], *op = argv[3];
    cdx_error err = {0};
    cdx_table *t = NULL;
    int rc;
    if (!strcmp(op, "create")) {
        cdx_field f[] = {{"file_id", CDX_COLUMN_INT64, 0, 0},
                         {"file_name", CDX_COLUMN_UTF8, 0, 0},
                         {"vector", CDX_COLUMN_VECTOR_F32, (uint32_t)atoi(argc > 4 ? argv[4] : "8"), 0}};
        rc = cdx_table_create(db, name, f, 3, CDX_CREATE, argc > 5 ? argv[5] : NULL, &t, &err);
        cdx_table_close(t);
        return rc ? fail(&err) : 0;
    }
    if (cdx_table_open(db, name, 0, &t, &err)) return fail(&err);
    const char *sync = getenv("CLIPDEX_SYNC");
    if (sync && !strcmp(sync, "0")) cdx_table_set_durability(t, CDX_NO_SYNC);
    uint64_t n = 0;
    if (!strcmp(op, "add") && argc >= 6) {
        rc = add_rows(t, atoll(argv[4]), atoll(argv[5]), argc > 6 ? strtoull(argv[6], NULL, 10) : 0,
                      &err);
    } else if (!strcmp(op, "add-loop") && argc >= 7) {
        rc = 0;
        for (long long k = 0, times = atoll(argv[6]); !rc && k < times; k++)
            rc = add_rows(t, atoll(argv[4]) + k * atoll(argv[5]), atoll(argv[5]), 0, &err);
    } else if (!strcmp(op, "delete-ids")) {
        int64_t ids[256];
        size_t k = 0;
        for (int i = 4; i < argc && k < 256; i++) ids[k++] = atoll(argv[i]);
        rc = cdx_table_delete_ids(t, "file_id", ids, k, &n, &err);
    } else if (!strcmp(op, "delete-name") && argc >= 5) {
        rc = cdx_table_delete_eq_utf8(t, "file_name", argv[4], &n, &err);
    } else if (!strcmp(op, "dump")) {
        rc = dump(t, &err);
    } else {
        fprintf(stderr, "cdx_table_tool: bad command\n");
        rc = -1;
    }
    cdx_table_close(t);
    if (rc > 0) return fail(&err);
    return rc ? 2 : 0;
}
