/*
 * cdx_flat_search.c — test tool: exact top-k over a raw float32 matrix with store_flat_search,
 * printed as JSON Lines {"file_id":row,"_distance":d} like tests/interop/lancedb_search.mjs, so
 * the two can be compared without a Lance reader.
 * usage: cdx_flat_search MATRIX.f32 DIM QUERIES.f32 QUERY_INDEX METRIC K [THREADS [SKIP_MOD SKIP_REM]]
 * Rows with row % SKIP_MOD == SKIP_REM are treated as deleted.
 */
#include <stdio.h>
#include <stdlib.h>

#include "clipdex.h"
#include "store/flat_search.h"

static float *read_f32(const char *path, size_t *count) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    float *v = malloc(len > 0 ? (size_t)len : 1);
    if (v && fread(v, 1, (size_t)len, f) != (size_t)len) {
        free(v);
        v = NULL;
    }
    fclose(f);
    *count = (size_t)len / sizeof(float);
    return v;
}

int main(int argc, char **argv) {
    if (argc < 7) {
        fprintf(stderr, "usage: %s MATRIX.f32 DIM QUERIES.f32 INDEX METRIC K [THREADS [MOD REM]]\n",
                argv[0]);
        return 2;
    }
    size_t dim = strtoul(argv[2], NULL, 10), nm, nq, qi = strtoul(argv[4], NULL, 10);
    size_t k = strtoul(argv[6], NULL, 10);
    int threads = argc > 7 ? atoi(argv[7]) : 0;
    cdx_metric metric;
    cdx_error err = {0};
    if (cdx_metric_parse(argv[5], &metric, &err) != CDX_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    float *m = read_f32(argv[1], &nm), *q = read_f32(argv[3], &nq);
    if (!m || !q || dim == 0 || (qi + 1) * dim > nq) {
        fprintf(stderr, "cannot read inputs\n");
        return 1;
    }
    size_t n = nm / dim;
    uint8_t *skip = NULL;
    if (argc > 9) {
        unsigned long mod = strtoul(argv[8], NULL, 10), rem = strtoul(argv[9], NULL, 10);
        skip = calloc(n ? n : 1, 1);
        for (size_t r = 0; skip && mod && r < n; r++) skip[r] = r % mod == rem;
    }
    store_hit *hits = malloc((k ? k : 1) * sizeof *hits);
    size_t count = 0;
    int rc = store_flat_search(m, n, dim, skip, q + qi * dim, metric, k, threads, hits, &count, &err);
    if (rc != CDX_OK) fprintf(stderr, "%s\n", err.message);
    for (size_t i = 0; i < count; i++)
        printf("{\"file_id\":%llu,\"_distance\":%.9g}\n", (unsigned long long)hits[i].row,
               (double)hits[i].distance);
    free(hits);
    free(skip);
    free(m);
    free(q);
    return rc == CDX_OK ? 0 : 1;
}
