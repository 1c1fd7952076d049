/*
 * cdx_text_ref.c — compares the C text tower with the PyTorch reference's recorded outputs.
 * Usage: cdx_text_ref MODEL_DIR REFERENCE_IO.safetensors [TOLERANCE] [THREADS]
 * Runs the reference's padded batch (input_ids, attention_mask) tracing every intermediate,
 * compares each one the reference recorded (text.emb_ln_out, text.layerN_out, ...) and the
 * pooled and normalised embeddings, then runs each sequence alone, unpadded, and compares it
 * with its batch row (and with text_embeds_row1_unpadded). Prints max |diff| per check; exit 1
 * when one exceeds the tolerance (default 1e-4).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/safetensors.h"
#include "model/text.h"

typedef struct cmp_ctx {
    const mdl_safetensors *ref;
    double tol;
    int failed;
    int compared;
    const int32_t *mask; /* [B, S] of the traced run */
    size_t B, S;
} cmp_ctx;

static double max_diff(const float *a, const float *b, size_t n) {
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) m = d; /* NaN propagates as a failure */
    }
    return m;
}

static void report(cmp_ctx *c, const char *what, double d) {
    int bad = !(d <= c->tol);
    printf("%-40s max|diff| %.3e%s\n", what, d, bad ? "  FAIL" : "");
    c->failed |= bad;
    c->compared++;
}

static void compare_named(cmp_ctx *c, const char *name, const float *data, size_t n) {
    const mdl_tensor *t = mdl_st_find(c->ref, name);
    if (!t) return; /* the reference records only some layers */
    if (!t->f32 || t->numel != n) {
        printf("%-40s size %zu vs reference %zu  FAIL\n", name, n, t->numel);
        c->failed = 1;
        return;
    }
    report(c, name, max_diff(data, t->f32, n));
}

/* Traced tensors hold real tokens only; the reference's are [B, S, H] with pads. */
static void on_trace(void *ctx, const char *name, const float *data, size_t rows, size_t cols) {
    cmp_ctx *c = ctx;
    const mdl_tensor *t = mdl_st_find(c->ref, name);
    if (!t) return;
    if (!t->f32 || t->numel != c->B * c->S * cols) {
        printf("%-40s reference has %zu values, want %zu x %zu x %zu  FAIL\n", name, t->numel,
               c->B, c->S, cols);
        c->failed = 1;
        return;
    }
    float *real = malloc(rows * cols * sizeof *real);
    size_t r = 0;
    for (size_t i = 0; i < c->B * c->S && r < rows; i++)
        if (c->mask[i]) memcpy(real + cols * r++, t->f32 + i * cols, cols * sizeof *real);
    if (r != rows) {
        printf("%-40s %zu traced rows for %zu real tokens  FAIL\n", name, rows, r);
        c->failed = 1;
    } else {
        report(c, name, max_diff(data, real, rows * cols));
    }
    free(real);
}

static const int32_t *ref_i32(const mdl_safetensors *ref, const char *name, size_t *b, size_t *s) {
    const mdl_tensor *t = mdl_st_find(ref, name);
    if (!t || t->dtype != MDL_DT_I32 || t->ndim != 2) return NULL;
    *b = (size_t)t->shape[0];
    *s = (size_t)t->shape[1];
    return t->raw;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL_DIR REFERENCE_IO [TOLERANCE] [THREADS]\n", argv[0]);
        return 2;
    }
    double tol = argc > 3 ? atof(argv[3]) : 1e-4;
    int threads = argc > 4 ? atoi(argv[4]) : 2;
    cdx_error err = {0};
    mdl_model *m = NULL;
    mdl_safetensors *ref = NULL;
    if (mdl_model_open(argv[1], MDL_TOWER_TEXT, threads, &m, &err) ||
        mdl_st_open(argv[2], &ref, &err)) {
        fprintf(stderr, "cdx_text_ref: %s\n", err.message);
        mdl_model_close(m);
        return 1;
    }
    size_t B = 0, S = 0, B2 = 0, S2 = 0;
    const int32_t *ids = ref_i32(ref, "input_ids", &B, &S);
    const int32_t *mask = ref_i32(ref, "attention_mask", &B2, &S2);
    if (!ids || !mask || B != B2 || S != S2) {
        fprintf(stderr, "cdx_text_ref: %s lacks int32 input_ids/attention_mask\n", argv[2]);
        return 1;
    }
    const size_t H = (size_t)m->config.text.hidden;
    cmp_ctx c = {ref, tol, 0, 0, mask, B, S};
    float *pooled = malloc(B * H * sizeof *pooled), *single = malloc(H * sizeof *single);
    int rc = mdl_text_forward(m, ids, mask, B, S, pooled, on_trace, &c, &err);
    if (!rc) {
        compare_named(&c, "text_embeds", pooled, B * H);
        m->k->l2_normalize(pooled, B, H);
        compare_named(&c, "text_embeds_normalized", pooled, B * H);
    }
    /* each sequence alone, without padding, equals its batch row */
    for (size_t b = 0; b < B && !rc; b++) {
        size_t len = 0;
        while (len < S && mask[b * S + len]) len++;
        rc = mdl_text_forward(m, ids + b * S, NULL, 1, len, single, NULL, NULL, &err);
        if (rc) break;
        char what[128];
        if (b == 1) compare_named(&c, "text_embeds_row1_unpadded", single, H);
        m->k->l2_normalize(single, 1, H);
        snprintf(what, sizeof what, "row %zu alone (%zu tokens) vs batch", b, len);
        report(&c, what, max_diff(single, pooled + b * H, H));
        rc = mdl_text_embed(m, ids + b * S, mask + b * S, 1, S, single, &err);
        snprintf(what, sizeof what, "row %zu alone (padded to %zu) vs batch", b, S);
        if (!rc) report(&c, what, max_diff(single, pooled + b * H, H));
    }
    if (rc) fprintf(stderr, "cdx_text_ref: %s\n", err.message);
    if (!rc && c.compared < 5) {
        fprintf(stderr, "cdx_text_ref: only %d comparisons: reference incomplete\n", c.compared);
        rc = 1;
    }
    free(pooled);
    free(single);
    mdl_st_close(ref);
    mdl_model_close(m);
    return rc || c.failed ? 1 : 0;
}
