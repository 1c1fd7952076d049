/*
 * test_pgemm.c — the packed fp32 linear layer: the scalar twin and the AVX2 kernel (when this CPU
 * has it) both match a naive double-precision triple loop within the fp32 summation bound
 * (k · FLT_EPSILON · Σ|x·w| + |b|) over awkward shapes (m = 1..13 and past a row block, n not a
 * multiple of 16, odd and block-crossing k, k = 0), row strides, with and without bias, on one
 * and two threads; columns past n and rows past m are never written.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model/pgemm.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static float rand_float(void) { /* splitmix64 → [-1, 1) */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (float)((double)(z >> 11) / 4503599627370496.0 - 1.0);
}

static float *rand_vec(size_t count) {
    float *v = malloc((count ? count : 1) * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < count; i++)
        v[i] = rand_float();
    return v;
}

#define SENTINEL 12345.0f

/* Runs one shape through `kernel` on `ex` and checks every output against the naive sum. */
static void check_shape(mdl_exec *ex, mdl_pgemm_kernel kernel, size_t m, size_t n, size_t k,
                        size_t ldx, size_t ldy, int with_bias) {
    float *x = rand_vec(m * ldx), *w = rand_vec(n * k), *bias = with_bias ? rand_vec(n) : NULL;
    float *y = malloc((m * ldy + 1) * sizeof *y);
    assert_non_null(y);
    for (size_t i = 0; i < m * ldy + 1; i++)
        y[i] = SENTINEL;
    mdl_pweight pw;
    cdx_error err = {0};
    assert_int_equal(mdl_pweight_pack(w, n, k, &pw, &err), CDX_OK);
    mdl_plinear_with(ex, kernel, x, ldx, m, &pw, bias, y, ldy);
    for (size_t r = 0; r < m; r++)
        for (size_t c = 0; c < ldy; c++) {
            float got = y[r * ldy + c];
            if (c >= n) {
                assert_true(got == SENTINEL);
                continue;
            }
            double sum = bias ? bias[c] : 0.0, mag = bias ? fabs((double)bias[c]) : 0.0;
            for (size_t i = 0; i < k; i++) {
                sum += (double)x[r * ldx + i] * w[c * k + i];
                mag += fabs((double)x[r * ldx + i] * w[c * k + i]);
            }
            double tol = (double)(k + 1) * FLT_EPSILON * mag + 1e-30;
            if (fabs(got - sum) > tol)
                fail_msg("m %zu n %zu k %zu ldx %zu ldy %zu bias %d: y[%zu][%zu] = %.9g, want "
                         "%.9g (tol %.3g)",
                         m, n, k, ldx, ldy, with_bias, r, c, (double)got, sum, tol);
        }
    assert_true(y[m * ldy] == SENTINEL);
    mdl_pweight_free(&pw);
    free(x);
    free(w);
    free(bias);
    free(y);
}

static void check_kernel_all_shapes(mdl_pgemm_kernel kernel) {
    static const size_t ns[] = {1, 15, 16, 17, 33, 40};
    static const size_t ks[] = {0, 1, 7, 255, 256, 257, 513};
    for (int threads = 1; threads <= 2; threads++) {
        mdl_exec *ex;
        cdx_error err = {0};
        assert_int_equal(mdl_exec_new(threads, &ex, &err), CDX_OK);
        for (size_t m = 1; m <= 13; m++)
            for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
                for (size_t b = 0; b < sizeof ks / sizeof ks[0]; b++) {
                    size_t n = ns[a], k = ks[b];
                    check_shape(ex, kernel, m, n, k, k, n, (int)((m + a + b) & 1));
                    check_shape(ex, kernel, m, n, k, k + 3, n + 5, (int)((m + a + b + 1) & 1));
                }
        /* more rows than a row block; a larger real-model-like shape */
        check_shape(ex, kernel, 200, 40, 300, 301, 41, 1);
        /* more rows than one packed chunk (PG_CHUNK = 2304), a partial last tile */
        check_shape(ex, kernel, 2401, 33, 24, 25, 35, 0);
        check_shape(ex, kernel, 37, 768, 96, 96, 768, 0);
        mdl_exec_free(ex);
    }
}

static void test_scalar_twin_matches_naive(void **state) {
    (void)state;
    check_kernel_all_shapes(mdl_pgemm_kernel_scalar());
}

static void test_avx2_kernel_matches_naive(void **state) {
    (void)state;
    mdl_pgemm_kernel k = mdl_pgemm_kernel_avx2();
    if (!k) {
        printf("# AVX2+FMA not available: skipped\n");
        skip();
    }
    check_kernel_all_shapes(k);
}

/* The AVX2 kernel and the scalar twin sum in the same order; they differ only by FMA rounding. */
static void test_avx2_close_to_scalar_twin(void **state) {
    (void)state;
    mdl_pgemm_kernel k = mdl_pgemm_kernel_avx2();
    if (!k) skip();
    const size_t m = 29, n = 70, kk = 777;
    float *x = rand_vec(m * kk), *w = rand_vec(n * kk), *bias = rand_vec(n);
    float *y1 = malloc(m * n * sizeof *y1), *y2 = malloc(m * n * sizeof *y2);
    assert_non_null(y1);
    assert_non_null(y2);
    mdl_pweight pw;
    cdx_error err = {0};
    assert_int_equal(mdl_pweight_pack(w, n, kk, &pw, &err), CDX_OK);
    assert_int_equal(mdl_pweight_bytes(&pw), 80 * kk * sizeof(float));
    mdl_plinear_with(NULL, mdl_pgemm_kernel_scalar(), x, kk, m, &pw, bias, y1, n);
    mdl_plinear_with(NULL, k, x, kk, m, &pw, bias, y2, n);
    for (size_t i = 0; i < m * n; i++)
        assert_true(fabsf(y1[i] - y2[i]) <= 1e-5f * (1.0f + fabsf(y1[i])) * sqrtf((float)kk));
    mdl_pweight_free(&pw);
    free(x);
    free(w);
    free(bias);
    free(y1);
    free(y2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_twin_matches_naive),
        cmocka_unit_test(test_avx2_kernel_matches_naive),
        cmocka_unit_test(test_avx2_close_to_scalar_twin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
