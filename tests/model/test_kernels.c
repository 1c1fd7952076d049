/*
 * test_kernels.c — the model kernels: the scalar twin against double-precision formulas (erf
 * GELU, SiLU, layer norm, softmax, L2 normalise), every SIMD level this CPU has against the
 * scalar twin at awkward lengths (tails of 1..7 elements, 768, 3072), the extreme inputs of
 * exp/erf (±100, masked -10000 scores), and mdl_linear/sgemm against a plain triple loop with and
 * without the pool.
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

#include "model/kernels.h"

static uint64_t rng_state = 0x243f6a8885a308d3u;

static float rand_unit(void) { /* splitmix64 -> [-1, 1) */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (float)((double)(z >> 40) / (double)(1u << 23)) - 1.0f;
}

static void fill(float *v, size_t n, float scale) {
    for (size_t i = 0; i < n; i++) v[i] = scale * rand_unit();
}

static void assert_near(const float *got, const float *want, size_t n, double abs_tol,
                        double rel_tol, const char *what, size_t len) {
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        if (!(d <= abs_tol + rel_tol * fabs((double)want[i])))
            fail_msg("%s (n=%zu) [%zu]: %.9g vs %.9g", what, len, i, got[i], want[i]);
    }
}

static const size_t lens[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 96, 197, 768, 3072};
#define NLENS (sizeof lens / sizeof lens[0])

static void scalar_matches_double(void **state) {
    (void)state;
    const mdl_kernels *k = mdl_kernels_scalar();
    float x[4096], y[4096], want[4096], g[4096], b[4096];
    for (size_t li = 0; li < NLENS; li++) {
        size_t n = lens[li];
        fill(x, n, 6.0f);
        memcpy(y, x, n * sizeof *x);
        k->gelu(y, n);
        for (size_t i = 0; i < n; i++) want[i] = (float)(0.5 * x[i] * (1.0 + erf(x[i] / sqrt(2.0))));
        assert_near(y, want, n, 1e-6, 1e-6, "scalar gelu", n);
        memcpy(y, x, n * sizeof *x);
        k->silu(y, n);
        for (size_t i = 0; i < n; i++) want[i] = (float)(x[i] / (1.0 + exp(-(double)x[i])));
        assert_near(y, want, n, 1e-6, 1e-6, "scalar silu", n);
        fill(g, n, 1.0f);
        fill(b, n, 1.0f);
        k->layer_norm(x, y, 1, n, g, b, 1e-12f);
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++) mean += x[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
        var /= (double)n;
        for (size_t i = 0; i < n; i++) want[i] = (float)((x[i] - mean) / sqrt(var + 1e-12) * g[i] + b[i]);
        assert_near(y, want, n, 1e-5, 1e-5, "scalar layer_norm", n);
        memcpy(y, x, n * sizeof *x);
        k->softmax_rows(y, 1, n);
        double mx = -1e30, sum = 0;
        for (size_t i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
        for (size_t i = 0; i < n; i++) sum += exp(x[i] - mx);
        for (size_t i = 0; i < n; i++) want[i] = (float)(exp(x[i] - mx) / sum);
        assert_near(y, want, n, 1e-7, 1e-5, "scalar softmax", n);
        memcpy(y, x, n * sizeof *x);
        k->l2_normalize(y, 1, n);
        double ss = 0;
        for (size_t i = 0; i < n; i++) ss += (double)x[i] * x[i];
        for (size_t i = 0; i < n; i++) want[i] = (float)(x[i] / sqrt(ss));
        assert_near(y, want, n, 1e-7, 1e-6, "scalar l2_normalize", n);
    }
}

/* The SIMD level against the scalar twin on the same inputs. */
static void check_level(const mdl_kernels *k) {
    const mdl_kernels *s = mdl_kernels_scalar();
    enum { CAP = 3 * 3072 };
    static float x[CAP], x2[CAP], a[CAP], b[CAP], g[CAP], bb[CAP];
    for (size_t li = 0; li < NLENS; li++) {
        size_t n = lens[li];
        for (int scale_i = 0; scale_i < 3; scale_i++) {
            float scale = scale_i == 0 ? 1.0f : scale_i == 1 ? 8.0f : 100.0f;
            fill(x, 3 * n, scale);
            fill(x2, 3 * n, 2.0f);
            memcpy(a, x, n * sizeof *x);
            memcpy(b, x, n * sizeof *x);
            k->gelu(a, n);
            s->gelu(b, n);
            assert_near(a, b, n, 2e-6, 2e-6, "gelu", n);
            memcpy(a, x, n * sizeof *x);
            memcpy(b, x, n * sizeof *x);
            k->gelu_mul(a, x2, n);
            s->gelu_mul(b, x2, n);
            assert_near(a, b, n, 4e-6, 2e-6, "gelu_mul", n);
            memcpy(a, x, n * sizeof *x);
            memcpy(b, x, n * sizeof *x);
            k->silu(a, n);
            s->silu(b, n);
            assert_near(a, b, n, 1e-6, 2e-6, "silu", n);
            memcpy(a, x, n * sizeof *x);
            memcpy(b, x, n * sizeof *x);
            k->silu_mul(a, x2, n);
            s->silu_mul(b, x2, n);
            assert_near(a, b, n, 2e-6, 2e-6, "silu_mul", n);
            /* three rows: row kernels must not leak across rows */
            fill(g, n, 1.0f);
            fill(bb, n, 1.0f);
            k->layer_norm(x, a, 3, n, g, bb, 1e-6f);
            s->layer_norm(x, b, 3, n, g, bb, 1e-6f);
            assert_near(a, b, 3 * n, 2e-5, 2e-5, "layer_norm", n);
            memcpy(a, x, 3 * n * sizeof *x);
            k->layer_norm(a, a, 3, n, g, bb, 1e-12f); /* in place */
            s->layer_norm(x, b, 3, n, g, bb, 1e-12f);
            assert_near(a, b, 3 * n, 2e-5, 2e-5, "layer_norm in place", n);
            memcpy(a, x, 3 * n * sizeof *x);
            memcpy(b, x, 3 * n * sizeof *x);
            a[n / 2] = b[n / 2] = -10000.0f; /* a masked key */
            k->softmax_rows(a, 3, n);
            s->softmax_rows(b, 3, n);
            assert_near(a, b, 3 * n, 1e-7, 1e-5, "softmax_rows", n);
            memcpy(a, x, 3 * n * sizeof *x);
            memcpy(b, x, 3 * n * sizeof *x);
            k->add_bias(a, 3, n, x2);
            s->add_bias(b, 3, n, x2);
            assert_near(a, b, 3 * n, 0, 0, "add_bias", n);
            k->add(a, x2, 3 * n);
            s->add(b, x2, 3 * n);
            assert_near(a, b, 3 * n, 0, 0, "add", n);
            memcpy(a, x, 3 * n * sizeof *x);
            memcpy(b, x, 3 * n * sizeof *x);
            k->l2_normalize(a, 3, n);
            s->l2_normalize(b, 3, n);
            assert_near(a, b, 3 * n, 1e-7, 1e-5, "l2_normalize", n);
        }
    }
    /* the edges of exp and erf */
    float e[16] = {-100, -30, -10, -5.5f, -3, -1e-3f, 0, 1e-3f, 3, 5.5f, 10, 30, 88, 100, -88, -87.4f};
    memcpy(a, e, sizeof e);
    memcpy(b, e, sizeof e);
    k->gelu(a, 16);
    s->gelu(b, 16);
    assert_near(a, b, 16, 1e-6, 2e-6, "gelu edges", 16);
    memcpy(a, e, sizeof e);
    memcpy(b, e, sizeof e);
    k->silu(a, 16);
    s->silu(b, 16);
    assert_near(a, b, 16, 1e-6, 2e-6, "silu edges", 16);
    float z[8] = {0};
    k->l2_normalize(z, 1, 8); /* a zero row stays zero, no NaN */
    for (int i = 0; i < 8; i++) assert_true(z[i] == 0.0f);
}

static void simd_levels_match_scalar(void **state) {
    (void)state;
    const mdl_kernels *k = mdl_kernels_avx2();
    if (!k) {
        print_message("no AVX2+FMA on this CPU: scalar only\n");
        return;
    }
    check_level(k);
    assert_non_null(mdl_kernels_best());
}

static void naive_linear(const float *x, size_t m, size_t kd, const float *w, size_t n,
                         const float *bias, float *y) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = bias ? bias[j] : 0.0;
            for (size_t t = 0; t < kd; t++) s += (double)x[i * kd + t] * w[j * kd + t];
            y[i * n + j] = (float)s;
        }
}

static void linear_matches_triple_loop(void **state) {
    (void)state;
    static const size_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {16, 96, 288}, {7, 65, 130}, {33, 768, 200}};
    for (int threads = 1; threads <= 3; threads++) {
        mdl_exec *ex = NULL;
        cdx_error err = {0};
        assert_int_equal(mdl_exec_new(threads, &ex, &err), CDX_OK);
        assert_int_equal(mdl_exec_threads(ex), threads);
        for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
            size_t m = shapes[si][0], kd = shapes[si][1], n = shapes[si][2];
            float *x = malloc(m * kd * 4), *w = malloc(n * kd * 4), *bias = malloc(n * 4);
            float *y = malloc(m * n * 4), *want = malloc(m * n * 4);
            fill(x, m * kd, 1.0f);
            fill(w, n * kd, 1.0f);
            fill(bias, n, 1.0f);
            for (int with_bias = 0; with_bias < 2; with_bias++) {
                mdl_linear(ex, x, m, kd, w, n, with_bias ? bias : NULL, y);
                naive_linear(x, m, kd, w, n, with_bias ? bias : NULL, want);
                assert_near(y, want, m * n, 1e-4, 1e-5, "mdl_linear", n);
            }
            /* nn: c = x · wᵀ written as x · (wᵀ materialised) */
            float *wt = malloc(n * kd * 4);
            for (size_t j = 0; j < n; j++)
                for (size_t t = 0; t < kd; t++) wt[t * n + j] = w[j * kd + t];
            mdl_gemm_nn(m, n, kd, 1.0f, x, kd, wt, n, 0.0f, y, n);
            naive_linear(x, m, kd, w, n, NULL, want);
            assert_near(y, want, m * n, 1e-4, 1e-5, "mdl_gemm_nn", n);
            free(wt);
            free(x);
            free(w);
            free(bias);
            free(y);
            free(want);
        }
        mdl_exec_free(ex);
    }
}

typedef struct cover_ctx {
    int hits[1000];
} cover_ctx;

static void cover(void *p, size_t begin, size_t end) {
    cover_ctx *c = p;
    for (size_t i = begin; i < end; i++) c->hits[i]++;
}

static void parallel_covers_each_index_once(void **state) {
    (void)state;
    mdl_exec *ex = NULL;
    cdx_error err = {0};
    assert_int_equal(mdl_exec_new(2, &ex, &err), CDX_OK);
    static const size_t ns[] = {0, 1, 5, 64, 65, 999};
    for (size_t g = 1; g <= 64; g *= 8)
        for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
            cover_ctx c = {{0}};
            mdl_exec_parallel(ex, ns[i], g, cover, &c);
            for (size_t j = 0; j < 1000; j++) assert_int_equal(c.hits[j], j < ns[i] ? 1 : 0);
        }
    mdl_exec_free(ex);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scalar_matches_double),
        cmocka_unit_test(simd_levels_match_scalar),
        cmocka_unit_test(linear_matches_triple_loop),
        cmocka_unit_test(parallel_covers_each_index_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
