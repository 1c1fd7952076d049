/*
 * test_kernels_vision.c — the vision tower's own kernels against naive twins written from the
 * reference's formulas: RoPE tables (interleaved frequency pairs, rows in the first half of a
 * head, columns in the second; intp_freq scaling; a grid mismatch refused), RoPE application
 * (x·cos + rotate_pairs(x)·sin), and the (c, ky, kx) patch gather of the conv-as-GEMM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "model/kernels_vision.h"

static float frand(uint32_t *s) {
    *s = *s * 1664525u + 1013904223u;
    return (float)(*s >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
}

/* angle of patch (r, c), dim d, as rope_embeddings.py computes it (in double here) */
static double naive_angle(int r, int c, int d, int hd, int grid, int pt, int intp) {
    const int half = hd / 2, ft = intp ? grid : pt;
    const double t = (double)(d < half ? r : c) / ft * pt;
    const int j = (d % half) / 2;
    return t * pow(10000.0, -(2.0 * j) / half);
}

static void expect_tables(int grid, int hd, int pt, int intp) {
    const size_t n = (size_t)grid * (size_t)grid * (size_t)hd;
    float *co = malloc(n * sizeof *co), *si = malloc(n * sizeof *si);
    assert_non_null(co);
    assert_non_null(si);
    assert_int_equal(mdl_rope_tables(grid, hd, pt, intp, 10000.0f, co, si), 0);
    for (int r = 0; r < grid; r++)
        for (int c = 0; c < grid; c++)
            for (int d = 0; d < hd; d++) {
                const double a = naive_angle(r, c, d, hd, grid, pt, intp);
                const size_t at = ((size_t)r * (size_t)grid + (size_t)c) * (size_t)hd + (size_t)d;
                /* float32 angles: a few ulp of an angle up to ~16 rad */
                if (fabs(co[at] - cos(a)) > 1e-5 || fabs(si[at] - sin(a)) > 1e-5)
                    fail_msg("grid %d hd %d pt %d: (%d,%d) dim %d: cos %g sin %g, want %g %g", grid,
                             hd, pt, r, c, d, (double)co[at], (double)si[at], cos(a), sin(a));
            }
    free(co);
    free(si);
}

static void test_rope_tables_match_the_reference_formula(void **state) {
    (void)state;
    expect_tables(14, 64, 14, 0); /* jina-clip-v1 */
    expect_tables(4, 16, 4, 0);   /* the reference's tiny config */
    expect_tables(14, 64, 16, 1); /* EVA02 upstream: t = i * 16 / 14 */
}

static void test_rope_tables_refuse_a_grid_mismatch(void **state) {
    (void)state;
    float co[16 * 64], si[16 * 64];
    assert_int_equal(mdl_rope_tables(4, 16, 16, 0, 10000.0f, co, si), -1);
    assert_int_equal(mdl_rope_tables(4, 6, 4, 0, 10000.0f, co, si), -1);
}

static void test_rope_apply_equals_rotate_pairs_twin(void **state) {
    (void)state;
    enum { TOK = 9, HEADS = 3, HD = 8, STRIDE = HEADS * HD + 5 };
    uint32_t s = 5;
    float x[TOK * STRIDE], want[TOK * STRIDE], co[TOK * HD], si[TOK * HD];
    for (int i = 0; i < TOK * STRIDE; i++) x[i] = want[i] = frand(&s);
    for (int i = 0; i < TOK * HD; i++) co[i] = frand(&s), si[i] = frand(&s);
    for (int t = 0; t < TOK; t++)
        for (int h = 0; h < HEADS; h++) {
            const float *v = x + t * STRIDE + h * HD;
            float rot[HD];
            for (int i = 0; i < HD; i += 2) rot[i] = -v[i + 1], rot[i + 1] = v[i];
            for (int i = 0; i < HD; i++)
                want[t * STRIDE + h * HD + i] = v[i] * co[t * HD + i] + rot[i] * si[t * HD + i];
        }
    mdl_rope_apply(x, TOK, STRIDE, HEADS, HD, co, si);
    for (int i = 0; i < TOK * STRIDE; i++) assert_true(x[i] == want[i]); /* padding untouched too */
}

static void test_patchify_is_the_conv_weight_layout(void **state) {
    (void)state;
    enum { SIZE = 12, P = 4, G = SIZE / P };
    float pix[3 * SIZE * SIZE], out[G * G * 3 * P * P];
    for (int i = 0; i < 3 * SIZE * SIZE; i++) pix[i] = (float)i;
    mdl_patchify(pix, SIZE, P, out);
    for (int gy = 0; gy < G; gy++)
        for (int gx = 0; gx < G; gx++)
            for (int c = 0; c < 3; c++)
                for (int ky = 0; ky < P; ky++)
                    for (int kx = 0; kx < P; kx++) {
                        const float want = pix[c * SIZE * SIZE + (gy * P + ky) * SIZE + gx * P + kx];
                        assert_true(out[(gy * G + gx) * 3 * P * P + c * P * P + ky * P + kx] == want);
                    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rope_tables_match_the_reference_formula),
        cmocka_unit_test(test_rope_tables_refuse_a_grid_mismatch),
        cmocka_unit_test(test_rope_apply_equals_rotate_pairs_twin),
        cmocka_unit_test(test_patchify_is_the_conv_weight_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
