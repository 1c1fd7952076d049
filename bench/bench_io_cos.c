/*
 * bench_io_cos.c — clipdex's accuracy on the very inputs the ONNX Runtime peer is checked on:
 * reads the io.json manifest bench/onnx/export_onnx.py writes (sets of inputs with the PyTorch
 * reference's outputs: `vision.*` pixel_values, `text.*` input_ids + attention_mask), embeds each
 * set with clipdex at each precision asked for, and prints the worst row cosine against the
 * reference output, the measure bench/onnx/ort_bench.mjs prints for ONNX Runtime (min_cosine).
 * Usage: bench_io_cos MODEL_DIR IO_DIR [PRECISIONS=fp32,int10,int8] [THREADS=2]
 * Output: one line per precision and set, `{"precision":"int8","set":"text.bench","rows":8,
 * "min_cosine":0.99...}`.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/text.h"
#include "model/vision.h"

typedef struct io_tensor {
    void *data;
    size_t count; /* elements */
    int is_int64;
    size_t dims[4], ndim;
} io_tensor;

/* Reads tensor `name` of the manifest (float32 or int64, its shape) from IO_DIR. */
static int io_load(const cJSON *tensors, const char *dir, const char *name, io_tensor *t) {
    memset(t, 0, sizeof *t);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(tensors, name);
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(m, "file");
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(m, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(m, "shape");
    if (!cJSON_IsString(file) || !cJSON_IsString(dtype) || !cJSON_IsArray(shape)) return -1;
    t->is_int64 = strcmp(dtype->valuestring, "int64") == 0;
    if (!t->is_int64 && strcmp(dtype->valuestring, "float32") != 0) return -1;
    t->count = 1;
    const cJSON *d;
    cJSON_ArrayForEach(d, shape) {
        if (!cJSON_IsNumber(d) || d->valuedouble < 1 || t->ndim == 4) return -1;
        t->dims[t->ndim++] = (size_t)d->valuedouble;
        t->count *= (size_t)d->valuedouble;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file->valuestring);
    FILE *f = fopen(path, "rb");
    size_t elem = t->is_int64 ? 8 : 4;
    t->data = malloc(t->count * elem);
    int ok = f && t->data && fread(t->data, elem, t->count, f) == t->count;
    if (f) fclose(f);
    if (!ok) {
        fprintf(stderr, "bench_io_cos: %s: cannot read %zu values\n", path, t->count);
        free(t->data);
        t->data = NULL;
        return -1;
    }
    return 0;
}

static double io_min_cosine(const float *got, const float *want, size_t rows, size_t dim) {
    double worst = 1.0;
    for (size_t r = 0; r < rows; r++) {
        double dot = 0, gg = 0, ww = 0;
        for (size_t j = 0; j < dim; j++) {
            dot += (double)got[r * dim + j] * want[r * dim + j];
            gg += (double)got[r * dim + j] * got[r * dim + j];
            ww += (double)want[r * dim + j] * want[r * dim + j];
        }
        double c = dot / sqrt(gg * ww);
        worst = c < worst ? c : worst;
    }
    return worst;
}

/* Embeds one set (its tower from the name) into `out` ([rows][dim]). */
static int io_embed(mdl_model *m, const char *set_name, const cJSON *set, const cJSON *tensors,
                    const char *dir, float *out, size_t rows, cdx_error *err) {
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(set, "inputs");
    int rc = -1;
    if (strncmp(set_name, "vision.", 7) == 0) {
        const cJSON *px = cJSON_GetObjectItemCaseSensitive(inputs, "pixel_values");
        io_tensor t;
        if (!cJSON_IsString(px) || io_load(tensors, dir, px->valuestring, &t)) return -1;
        if (!t.is_int64 && t.dims[0] == rows) rc = mdl_vision_embed(m, t.data, rows, out, err);
        free(t.data);
        return rc;
    }
    const cJSON *ids_n = cJSON_GetObjectItemCaseSensitive(inputs, "input_ids");
    const cJSON *mask_n = cJSON_GetObjectItemCaseSensitive(inputs, "attention_mask");
    io_tensor ids, mask;
    if (!cJSON_IsString(ids_n) || !cJSON_IsString(mask_n)) return -1;
    if (io_load(tensors, dir, ids_n->valuestring, &ids)) return -1;
    if (io_load(tensors, dir, mask_n->valuestring, &mask)) {
        free(ids.data);
        return -1;
    }
    size_t n = ids.count;
    int32_t *i32 = malloc(n * sizeof *i32), *m32 = malloc(n * sizeof *m32);
    if (i32 && m32 && ids.is_int64 && mask.is_int64 && mask.count == n && ids.ndim == 2 &&
        ids.dims[0] == rows) {
        for (size_t i = 0; i < n; i++) {
            i32[i] = (int32_t)((const int64_t *)ids.data)[i];
            m32[i] = (int32_t)((const int64_t *)mask.data)[i];
        }
        rc = mdl_text_embed(m, i32, m32, rows, ids.dims[1], out, err);
    }
    free(i32), free(m32), free(ids.data), free(mask.data);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_io_cos MODEL_DIR IO_DIR [PRECISIONS=fp32,int10,int8] [THREADS=2]\n");
        return 2;
    }
    const char *precs = argc > 3 ? argv[3] : "fp32,int10,int8";
    int threads = argc > 4 ? atoi(argv[4]) : 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/io.json", argv[2]);
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long len = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        text = malloc((size_t)len + 1);
        if (text && fread(text, 1, (size_t)len, f) == (size_t)len) text[len] = 0;
        else free(text), text = NULL;
    }
    if (f) fclose(f);
    cJSON *io = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *sets = cJSON_GetObjectItemCaseSensitive(io, "sets");
    const cJSON *tensors = cJSON_GetObjectItemCaseSensitive(io, "tensors");
    if (!cJSON_IsObject(sets) || !cJSON_IsObject(tensors)) {
        fprintf(stderr, "bench_io_cos: %s: not an io.json manifest\n", path);
        cJSON_Delete(io);
        return 1;
    }
    cdx_error err = {0};
    mdl_model *m = NULL;
    if (mdl_model_open(argv[1], MDL_TOWER_BOTH, threads, &m, &err)) {
        fprintf(stderr, "bench_io_cos: %s\n", err.message);
        cJSON_Delete(io);
        return 1;
    }
    int failed = 0;
    char list[256];
    snprintf(list, sizeof list, "%s", precs);
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name && !failed;
         name = strtok_r(NULL, ",", &save)) {
        mdl_precision p;
        if (mdl_precision_parse(name, &p, &err) || mdl_model_set_precision(m, p, &err)) {
            fprintf(stderr, "bench_io_cos: %s\n", err.message);
            failed = 1;
            break;
        }
        const cJSON *set;
        cJSON_ArrayForEach(set, sets) {
            const cJSON *out_n = cJSON_GetObjectItemCaseSensitive(set, "output");
            io_tensor want;
            if (!cJSON_IsString(out_n) || io_load(tensors, argv[2], out_n->valuestring, &want) ||
                want.is_int64 || want.ndim != 2) {
                fprintf(stderr, "bench_io_cos: set %s: no float [rows][dim] output\n", set->string);
                failed = 1;
                break;
            }
            size_t rows = want.dims[0], dim = want.dims[1];
            float *got = malloc(rows * dim * sizeof *got);
            if (!got || io_embed(m, set->string, set, tensors, argv[2], got, rows, &err)) {
                fprintf(stderr, "bench_io_cos: set %s: %s\n", set->string,
                        err.message[0] ? err.message : "unreadable inputs");
                failed = 1;
            } else {
                printf("{\"precision\":\"%s\",\"set\":\"%s\",\"rows\":%zu,\"min_cosine\":%.7f}\n",
                       mdl_precision_name(p), set->string, rows,
                       io_min_cosine(got, want.data, rows, dim));
            }
            free(got);
            free(want.data);
            if (failed) break;
        }
    }
    mdl_model_close(m);
    cJSON_Delete(io);
    return failed;
}
