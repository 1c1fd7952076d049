/*
 * test_text.c — the text tower's contract on a small random model written here (hidden 12,
 * 2 layers, 6 heads, vocab 50): ALiBi slopes follow the published rule (12 and 6 heads), outputs
 * have unit norm, a padded batch row equals the sequence run alone (right or left padded),
 * thread counts agree, packed fp32 equals OpenBLAS, masks default to ids != [PAD], and bad input (ids outside the vocabulary, a row without tokens, a
 * model opened without the text tower, a missing directory) fails with a message. Equality with
 * the PyTorch reference is test_text_ref.sh's job.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model/text.h"
#include "support.h"

enum { H = 12, L = 2, NH = 6, I = 20, V = 50 };

static uint64_t rng = 0x853c49e6748fea9bu;
static float rnd(void) {
    uint64_t z = (rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (float)((double)(z >> 40) / (double)(1u << 24)) - 0.5f;
}

typedef struct tspec {
    char name[96];
    int64_t d0, d1; /* d1 = 0: 1-D */
    int norm_gain;
} tspec;

static size_t text_specs(tspec *s) {
    size_t n = 0;
    const char *p = "text_model.transformer.";
    snprintf(s[n].name, 96, "%sembeddings.word_embeddings.weight", p), s[n].d0 = V, s[n++].d1 = H;
    snprintf(s[n].name, 96, "%sembeddings.token_type_embeddings.weight", p), s[n].d0 = 2, s[n++].d1 = H;
    snprintf(s[n].name, 96, "%semb_ln.weight", p), s[n].d0 = H, s[n].norm_gain = 1, s[n++].d1 = 0;
    snprintf(s[n].name, 96, "%semb_ln.bias", p), s[n].d0 = H, s[n++].d1 = 0;
    static const struct { const char *suf; int r, c, gain; } per[] = {
        {"mixer.Wqkv.weight", 3 * H, H, 0}, {"mixer.Wqkv.bias", 3 * H, 0, 0},
        {"mixer.out_proj.weight", H, H, 0}, {"mixer.out_proj.bias", H, 0, 0},
        {"norm1.weight", H, 0, 1},          {"norm1.bias", H, 0, 0},
        {"mlp.gated_layers.weight", 2 * I, H, 0}, {"mlp.wo.weight", H, I, 0},
        {"mlp.wo.bias", H, 0, 0},           {"norm2.weight", H, 0, 1},
        {"norm2.bias", H, 0, 0},
    };
    for (int l = 0; l < L; l++)
        for (size_t k = 0; k < sizeof per / sizeof per[0]; k++) {
            snprintf(s[n].name, 96, "%sencoder.layers.%d.%s", p, l, per[k].suf);
            s[n].d0 = per[k].r;
            s[n].d1 = per[k].c;
            s[n++].norm_gain = per[k].gain;
        }
    return n;
}

/* Writes config.json + model.safetensors (text tower only) into dir. */
static void write_model(const char *dir) {
    tspec s[64];
    memset(s, 0, sizeof s);
    size_t n = text_specs(s);
    char *json = malloc(1 << 16);
    size_t at = (size_t)sprintf(json, "{"), off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t numel = (size_t)s[i].d0 * (size_t)(s[i].d1 ? s[i].d1 : 1);
        if (s[i].d1)
            at += (size_t)sprintf(json + at, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%lld,%lld],"
                                  "\"data_offsets\":[%zu,%zu]}", i ? "," : "", s[i].name,
                                  (long long)s[i].d0, (long long)s[i].d1, off, off + 4 * numel);
        else
            at += (size_t)sprintf(json + at, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%lld],"
                                  "\"data_offsets\":[%zu,%zu]}", i ? "," : "", s[i].name,
                                  (long long)s[i].d0, off, off + 4 * numel);
        off += 4 * numel;
    }
    at += (size_t)sprintf(json + at, "}");
    while (at % 8) json[at++] = ' ';
    char path[1024];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint8_t len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (uint8_t)((uint64_t)at >> (8 * i));
    fwrite(len8, 1, 8, f);
    fwrite(json, 1, at, f);
    for (size_t i = 0; i < n; i++) {
        size_t numel = (size_t)s[i].d0 * (size_t)(s[i].d1 ? s[i].d1 : 1);
        for (size_t k = 0; k < numel; k++) {
            float v = s[i].norm_gain ? 1.0f + 0.2f * rnd() : 0.6f * rnd();
            fwrite(&v, 4, 1, f);
        }
    }
    fclose(f);
    free(json);
    snprintf(path, sizeof path, "%s/config.json", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"projection_dim\":%d,\"text_config\":{\"hf_model_config_kwargs\":{\"vocab_size\":%d,"
               "\"hidden_size\":%d,\"num_hidden_layers\":%d,\"num_attention_heads\":%d,"
               "\"intermediate_size\":%d}},\"vision_config\":{\"width\":%d,\"layers\":1,"
               "\"head_width\":4,\"mlp_ratio\":2,\"patch_size\":8,\"image_size\":16}}",
            H, V, H, L, NH, I, H);
    fclose(f);
}

static char *model_dir;

static int setup(void **state) {
    (void)state;
    model_dir = make_temp_dir();
    write_model(model_dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    remove_tree(model_dir);
    free(model_dir);
    return 0;
}

static void alibi_slopes_follow_the_published_rule(void **state) {
    (void)state;
    float s[12];
    mdl_alibi_slopes(12, s);
    static const double want12[12] = {-1, -2, -3, -4, -5, -6, -7, -8, -0.5, -1.5, -2.5, -3.5};
    for (int i = 0; i < 12; i++) assert_true(fabsf(s[i] - (float)pow(2.0, want12[i])) < 1e-9f);
    mdl_alibi_slopes(6, s); /* 4 -> 2^-2..2^-8 by 2; then 8's odd ones: 2^-1, 2^-3 */
    static const double want6[6] = {-2, -4, -6, -8, -1, -3};
    for (int i = 0; i < 6; i++) assert_true(fabsf(s[i] - (float)pow(2.0, want6[i])) < 1e-9f);
}

static void max_abs_diff_below(const float *a, const float *b, size_t n, float tol) {
    for (size_t i = 0; i < n; i++)
        if (!(fabsf(a[i] - b[i]) <= tol)) fail_msg("[%zu] %.9g vs %.9g", i, a[i], b[i]);
}

static void padded_rows_equal_single_runs_and_threads_agree(void **state) {
    (void)state;
    cdx_error err = {0};
    mdl_model *m1 = NULL, *m3 = NULL;
    assert_int_equal(mdl_model_open(model_dir, MDL_TOWER_TEXT, 1, &m1, &err), CDX_OK);
    assert_int_equal(mdl_model_open(model_dir, MDL_TOWER_TEXT, 3, &m3, &err), CDX_OK);
    enum { B = 3, S = 9 };
    static const int lens[B] = {9, 4, 2};
    int32_t ids[B * S] = {0}, mask[B * S] = {0};
    for (int b = 0; b < B; b++)
        for (int s = 0; s < lens[b]; s++) {
            ids[b * S + s] = 1 + (7 * b + 3 * s) % (V - 1);
            mask[b * S + s] = 1;
        }
    float out1[B * H], out3[B * H], nomask[B * H], single[H];
    assert_int_equal(mdl_text_embed(m1, ids, mask, B, S, out1, &err), CDX_OK);
    assert_int_equal(mdl_text_embed(m3, ids, mask, B, S, out3, &err), CDX_OK);
    assert_int_equal(mdl_text_embed(m1, ids, NULL, B, S, nomask, &err), CDX_OK);
    max_abs_diff_below(out1, out3, B * H, 1e-6f);
    max_abs_diff_below(out1, nomask, B * H, 0.0f);
    for (int b = 0; b < B; b++) {
        double ss = 0;
        for (int i = 0; i < H; i++) ss += (double)out1[b * H + i] * out1[b * H + i];
        assert_true(fabs(ss - 1.0) < 1e-5);
        assert_int_equal(mdl_text_embed(m3, ids + b * S, NULL, 1, (size_t)lens[b], single, &err), CDX_OK);
        max_abs_diff_below(single, out1 + b * H, H, 1e-6f);
    }
    /* ALiBi sees only |i - j|: the same tokens padded on the left embed alike */
    int32_t left[S] = {0}, lmask[S] = {0};
    for (int s = 0; s < lens[1]; s++) {
        left[S - lens[1] + s] = ids[S + s];
        lmask[S - lens[1] + s] = 1;
    }
    assert_int_equal(mdl_text_embed(m1, left, lmask, 1, S, single, &err), CDX_OK);
    max_abs_diff_below(single, out1 + H, H, 1e-6f);
    /* rows are independent: different contents give different embeddings */
    assert_true(fabsf(out1[0] - out1[H]) > 1e-6f || fabsf(out1[1] - out1[H + 1]) > 1e-6f);
    mdl_model_close(m1);
    mdl_model_close(m3);
}

/* fp32 on packed weights (the default) equals OpenBLAS sgemm on the mapped weights
 * (CDX_MODEL_GEMM=openblas) within fp32 rounding; the packed copy is counted; an int10 trip
 * (which reads the fp32 weights again after packing released their pages) leaves fp32 unchanged. */
static void packed_fp32_equals_openblas_and_survives_an_integer_trip(void **state) {
    (void)state;
    cdx_error err = {0};
    mdl_model *m = NULL;
    assert_int_equal(mdl_model_open(model_dir, MDL_TOWER_TEXT, 2, &m, &err), CDX_OK);
    enum { B = 2, S = 7 };
    int32_t ids[B * S];
    for (int i = 0; i < B * S; i++) ids[i] = 1 + (5 * i) % (V - 1);
    float blas[B * H], packed[B * H], again[B * H], q[B * H];
    setenv(MDL_GEMM_ENV, "openblas", 1);
    assert_int_equal(mdl_text_embed(m, ids, NULL, B, S, blas, &err), CDX_OK);
    assert_int_equal(mdl_model_pbytes(m), 0);
    unsetenv(MDL_GEMM_ENV);
    assert_true(mdl_model_packed_active(m, MDL_TOWER_TEXT));
    assert_int_equal(mdl_text_embed(m, ids, NULL, B, S, packed, &err), CDX_OK);
    /* 2 layers of Wqkv, out_proj, gated, wo with n rounded up to 16 columns */
    assert_int_equal(mdl_model_pbytes(m), 2 * 4 * (48 * H + 16 * H + 48 * H + 16 * I));
    max_abs_diff_below(blas, packed, B * H, 1e-5f);
    assert_int_equal(mdl_model_set_precision(m, MDL_PREC_INT10, &err), CDX_OK);
    assert_false(mdl_model_packed_active(m, MDL_TOWER_TEXT));
    assert_int_equal(mdl_text_embed(m, ids, NULL, B, S, q, &err), CDX_OK);
    assert_int_equal(mdl_model_set_precision(m, MDL_PREC_FP32, &err), CDX_OK);
    assert_int_equal(mdl_text_embed(m, ids, NULL, B, S, again, &err), CDX_OK);
    max_abs_diff_below(packed, again, B * H, 0.0f);
    mdl_model_close(m);
}

static void bad_input_fails_with_a_message(void **state) {
    (void)state;
    cdx_error err = {0};
    mdl_model *m = NULL;
    assert_int_equal(mdl_model_open(model_dir, MDL_TOWER_TEXT, 1, &m, &err), CDX_OK);
    int32_t ids[4] = {101 % V, 7, V, 0};
    float out[2 * H];
    assert_int_equal(mdl_text_embed(m, ids, NULL, 1, 4, out, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "token id 50"));
    int32_t pads[4] = {3, 4, 0, 0};
    assert_int_equal(mdl_text_embed(m, pads, NULL, 2, 2, out, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "sequence 1 has no tokens"));
    assert_int_equal(mdl_text_embed(m, pads, NULL, 0, 2, out, &err), CDX_EINVAL);
    ids[1] = -1;
    assert_int_equal(mdl_text_embed(m, ids, NULL, 1, 2, out, &err), CDX_EINVAL);
    mdl_model_close(m);
    /* the weights hold no vision tower: binding it names a missing tensor */
    assert_int_equal(mdl_model_open(model_dir, MDL_TOWER_BOTH, 1, &m, &err), CDX_ENOTFOUND);
    assert_null(m);
    assert_non_null(strstr(err.message, "vision_model."));
    char missing[1100];
    snprintf(missing, sizeof missing, "%s/nope", model_dir);
    assert_int_equal(mdl_model_open(missing, MDL_TOWER_TEXT, 1, &m, &err), CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, "config.json"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alibi_slopes_follow_the_published_rule),
        cmocka_unit_test(padded_rows_equal_single_runs_and_threads_agree),
        cmocka_unit_test(packed_fp32_equals_openblas_and_survives_an_integer_trip),
        cmocka_unit_test(bad_input_fails_with_a_message),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
