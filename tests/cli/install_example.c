/*
 * install_example.c — a user's program built against an installed libclipdex through
 * pkg-config (tests/cli/test_install.sh): the header, the libraries and clipdex.pc must work,
 * and the README's library example (the recipe's table: create, add, search) runs as written.
 * argv[1] is an empty directory to use as the database.
 */
#include <clipdex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIM 768
#define N 4

static int check_recipe_table(const char *db) {
    static const cdx_field recipe[] = {
        {"file_id", CDX_COLUMN_INT64}, {"file_name", CDX_COLUMN_UTF8},
        {"vector", CDX_COLUMN_VECTOR_F32, 768},
    };
    cdx_error err = {0};
    int64_t ids[N] = {10, 11, 12, 13};
    const char *names[N] = {"a.png", "b.png", "c.png", "d.png"};
    static float vectors[N * DIM];
    for (int i = 0; i < N; i++) vectors[i * DIM + i] = 1.0f; /* unit vectors e_i */
    cdx_table *t = NULL;
    cdx_rows *rows = NULL;
    cdx_search_hit *hits = NULL;
    size_t count = 0;
    int ok = cdx_table_create(db, "images", recipe, 3, CDX_EXIST_OK, NULL, &t, &err) == CDX_OK &&
             cdx_rows_new(t, &rows, &err) == CDX_OK &&
             cdx_rows_set_int64(rows, "file_id", ids, N, &err) == CDX_OK &&
             cdx_rows_set_utf8(rows, "file_name", names, N, &err) == CDX_OK &&
             cdx_rows_set_vector_f32(rows, "vector", vectors, N, &err) == CDX_OK &&
             cdx_table_add(t, rows, &err) == CDX_OK &&
             cdx_table_search(t, "vector", vectors + 2 * DIM, DIM, CDX_METRIC_COSINE, 2, 0, &hits,
                              &count, &err) == CDX_OK;
    /* the query is row 2's vector: it comes first at distance 0 */
    ok = ok && cdx_table_num_rows(t) == N && count == 2 && hits[0].position == 2 &&
         hits[0].distance == 0.0f;
    if (!ok) fprintf(stderr, "recipe table: %s\n", err.message);
    cdx_search_hits_free(hits);
    cdx_rows_free(rows);
    cdx_table_close(t);
    return ok;
}

int main(int argc, char **argv) {
    size_t n = 0;
    char *b64 = cdx_base64_encode("clip", 4, &n);
    int ok = b64 && n == 8 && strcmp(b64, "Y2xpcA==") == 0 &&
             strcmp(cdx_strerror(CDX_ETRUNCATED), "truncated") == 0 &&
             cdx_jina_image_tokens(225, 224) == 2000;
    ok = ok && argc > 1 && check_recipe_table(argv[1]);
    printf("%s %s\n", ok ? "ok" : "FAIL", b64 ? b64 : "(null)");
    free(b64);
    return ok ? 0 : 1;
}
