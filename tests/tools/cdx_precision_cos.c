/*
 * cdx_precision_cos.c — how close the reduced-precision towers stay to fp32 and to the PyTorch
 * reference. Usage: cdx_precision_cos MODEL_DIR REFERENCE_IO [MIN_INT10=0.999] [MIN_INT8=0.99]
 * [THREADS=2]; a minimum may be TEXTS/IMAGES (e.g. 0.999/0.99) to hold the towers to different
 * ones. Embeds the reference's texts (input_ids, attention_mask) and images
 * (pixel_values), plus 6 more texts (4..40 tokens) and 2 more images of normal pixels, at fp32,
 * int10 and int8; prints the worst cosine of each precision against fp32 (and against the
 * reference's normalised embeddings) per tower; checks that fp32 after a trip through int10 is
 * bit-identical to the first fp32 run and that each text alone equals its batch row. Exit 1 when
 * a worst cosine is below the precision's minimum.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/safetensors.h"
#include "model/text.h"
#include "model/vision.h"

#define EXTRA_TEXTS 6
#define EXTRA_IMAGES 2
#define TEXT_MAX 40

typedef struct inputs {
    int32_t *ids, *mask; /* [nt, S] */
    size_t nt, S, nref_t;
    float *px;           /* [ni, 3, I, I] */
    size_t ni, nref_i, I;
} inputs;

static uint32_t lowbias32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static double unit(uint32_t i) { return (lowbias32(i) + 0.5) / 4294967296.0; }

static double cosine(const float *a, const float *b, size_t n) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
    return ab / sqrt(aa * bb);
}

static double worst_cos(const float *a, const float *b, size_t rows, size_t dim) {
    double w = 1.0;
    for (size_t r = 0; r < rows; r++) {
        double c = cosine(a + r * dim, b + r * dim, dim);
        if (!(c >= w)) w = c; /* NaN counts as the worst */
    }
    return w;
}

static int make_inputs(const mdl_model *m, const mdl_safetensors *ref, inputs *in) {
    const mdl_tensor *ti = mdl_st_find(ref, "input_ids"), *tm = mdl_st_find(ref, "attention_mask");
    const mdl_tensor *tp = mdl_st_find(ref, "pixel_values");
    if (!ti || !tm || !tp || ti->dtype != MDL_DT_I32 || tm->dtype != MDL_DT_I32 || !tp->f32 ||
        ti->ndim != 2 || tp->ndim != 4)
        return -1;
    const size_t B = (size_t)ti->shape[0], S0 = (size_t)ti->shape[1];
    in->I = (size_t)m->config.vision.image_size;
    in->nref_t = B;
    in->nt = B + EXTRA_TEXTS;
    in->S = S0 > TEXT_MAX ? S0 : TEXT_MAX;
    in->ids = calloc(in->nt * in->S, sizeof *in->ids);
    in->mask = calloc(in->nt * in->S, sizeof *in->mask);
    in->nref_i = (size_t)tp->shape[0];
    in->ni = in->nref_i + EXTRA_IMAGES;
    const size_t img = 3 * in->I * in->I;
    in->px = malloc(in->ni * img * sizeof *in->px);
    if (!in->ids || !in->mask || !in->px || tp->numel != in->nref_i * img) return -1;
    const int32_t *ids = ti->raw, *mask = tm->raw;
    for (size_t b = 0; b < B; b++)
        for (size_t s = 0; s < S0; s++) {
            in->ids[b * in->S + s] = ids[b * S0 + s];
            in->mask[b * in->S + s] = mask[b * S0 + s];
        }
    const int32_t vocab = m->config.text.vocab_size, lo = vocab > 2000 ? 1000 : 5;
    for (size_t e = 0; e < EXTRA_TEXTS; e++) {
        size_t len = 4 + e * (TEXT_MAX - 4) / (EXTRA_TEXTS - 1), row = (B + e) * in->S;
        for (size_t s = 0; s < len; s++) {
            in->ids[row + s] = s == 0 ? (vocab > 102 ? 101 : 1) : s == len - 1 ? (vocab > 102 ? 102 : 2)
                             : lo + (int32_t)(lowbias32((uint32_t)(row + s)) % (uint32_t)(vocab - lo));
            in->mask[row + s] = 1;
        }
    }
    memcpy(in->px, tp->f32, in->nref_i * img * sizeof *in->px);
    for (size_t i = in->nref_i * img; i < in->ni * img; i++) /* N(0, 1), Box-Muller */
        in->px[i] = (float)(sqrt(-2.0 * log(unit((uint32_t)(2 * i)))) *
                            cos(6.283185307179586 * unit((uint32_t)(2 * i + 1))));
    return 0;
}

static int embed_all(mdl_model *m, const inputs *in, float *t, float *v, cdx_error *err) {
    int rc = mdl_text_embed(m, in->ids, in->mask, in->nt, in->S, t, err);
    return rc ? rc : mdl_vision_embed(m, in->px, in->ni, v, err);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL_DIR REFERENCE_IO [MIN_INT10] [MIN_INT8] [THREADS]\n", argv[0]);
        return 2;
    }
    /* [precision][0: texts, 1: images] */
    double min_cos[MDL_PREC_COUNT][2] = {{1.0, 1.0}, {0.999, 0.999}, {0.99, 0.99}};
    for (int p = MDL_PREC_INT10; p < MDL_PREC_COUNT && argc > 2 + p; p++) {
        const char *arg = argv[2 + p], *slash = strchr(arg, '/');
        min_cos[p][0] = atof(arg);
        min_cos[p][1] = slash ? atof(slash + 1) : min_cos[p][0];
    }
    int threads = argc > 5 ? atoi(argv[5]) : 2;
    cdx_error err = {0};
    mdl_model *m = NULL;
    mdl_safetensors *ref = NULL;
    inputs in = {0};
    int failed = 0, rc = mdl_model_open(argv[1], MDL_TOWER_BOTH, threads, &m, &err);
    if (!rc) rc = mdl_st_open(argv[2], &ref, &err);
    if (!rc) rc = mdl_model_set_precision(m, MDL_PREC_FP32, &err);
    if (rc) {
        fprintf(stderr, "cdx_precision_cos: %s\n", err.message);
        mdl_model_close(m);
        return 1;
    }
    if (make_inputs(m, ref, &in) != 0) {
        fprintf(stderr, "cdx_precision_cos: %s lacks the reference inputs (or out of memory)\n", argv[2]);
        free(in.ids);
        free(in.mask);
        free(in.px);
        mdl_st_close(ref);
        mdl_model_close(m);
        return 1;
    }
    const size_t H = (size_t)m->config.text.hidden, W = (size_t)m->config.vision.width;
    const mdl_tensor *rt = mdl_st_find(ref, "text_embeds_normalized");
    const mdl_tensor *ri = mdl_st_find(ref, "image_embeds_normalized");
    float *t32 = malloc(in.nt * H * sizeof(float)), *v32 = malloc(in.ni * W * sizeof(float));
    float *tq = malloc(in.nt * H * sizeof(float)), *vq = malloc(in.ni * W * sizeof(float));
    rc = embed_all(m, &in, t32, v32, &err);
    if (!rc && rt && ri && rt->f32 && ri->f32)
        printf("fp32  text vs reference %.7f, images vs reference %.7f\n",
               worst_cos(t32, rt->f32, in.nref_t, H), worst_cos(v32, ri->f32, in.nref_i, W));
    for (int p = MDL_PREC_INT10; p < MDL_PREC_COUNT && !rc; p++) {
        rc = mdl_model_set_precision(m, (mdl_precision)p, &err);
        if (!rc) rc = embed_all(m, &in, tq, vq, &err);
        if (rc) break;
        double ct = worst_cos(tq, t32, in.nt, H), ci = worst_cos(vq, v32, in.ni, W);
        int bad = !(ct >= min_cos[p][0]) || !(ci >= min_cos[p][1]);
        mdl_qkernel kern = mdl_qkernel_default();
        printf("%-5s (%s, %s) text vs fp32 %.7f (%zu texts), images vs fp32 %.7f (%zu images)",
               mdl_precision_name((mdl_precision)p),
               mdl_qprecision_name(mdl_precision_qprecision((mdl_precision)p, kern)),
               mdl_qkernel_name(kern), ct, in.nt, ci, in.ni);
        if (rt && ri && rt->f32 && ri->f32)
            printf("; vs reference %.7f / %.7f", worst_cos(tq, rt->f32, in.nref_t, H),
                   worst_cos(vq, ri->f32, in.nref_i, W));
        printf("; %.0f MB integer weights%s\n", mdl_model_qbytes(m) / 1048576.0,
               bad ? "  FAIL" : "");
        if (bad)
            printf("  minimum for %s is %.4f (texts) / %.4f (images)\n",
                   mdl_precision_name((mdl_precision)p), min_cos[p][0], min_cos[p][1]);
        failed |= bad;
        /* each text alone equals its batch row (rows are quantised independently) */
        for (size_t b = 0; b < in.nt && !rc; b++) {
            float one[4096];
            if (H > 4096) break;
            rc = mdl_text_embed(m, in.ids + b * in.S, in.mask + b * in.S, 1, in.S, one, &err);
            if (!rc && worst_cos(one, tq + b * H, 1, H) < 1.0 - 1e-6) {
                printf("  FAIL %s: text %zu alone differs from its batch row\n",
                       mdl_precision_name((mdl_precision)p), b);
                failed = 1;
            }
        }
    }
    if (!rc) rc = mdl_model_set_precision(m, MDL_PREC_FP32, &err);
    if (!rc) rc = embed_all(m, &in, tq, vq, &err);
    if (!rc) {
        int same = memcmp(tq, t32, in.nt * H * sizeof(float)) == 0 &&
                   memcmp(vq, v32, in.ni * W * sizeof(float)) == 0;
        printf("fp32 again after int10/int8: %s\n", same ? "bit-identical" : "DIFFERENT  FAIL");
        failed |= !same;
    }
    if (rc) fprintf(stderr, "cdx_precision_cos: %s\n", err.message);
    free(t32), free(v32), free(tq), free(vq);
    free(in.ids), free(in.mask), free(in.px);
    mdl_st_close(ref);
    mdl_model_close(m);
    return rc || failed ? 1 : 0;
}
