/*
 * test_qgemm.c — the quantised linear layer, both precisions: the scalar twin's int32 sums equal
 * a naive computation of the documented scheme; every kernel this CPU supports gives the scalar
 * twin's int32 sums exactly and its floats bit for bit (awkward and real shapes, one and two
 * threads); results stay close to fp32; a row's result does not depend on its batch; products
 * sharing an input (mdl_qlinear_many) equal separate calls; bad input fails. It prints the
 * kernels it tested (CDX_QGEMM_KERNEL does not narrow this test).
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

#include "model/qgemm.h"
#include "model/qgemm_internal.h"

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static double rand_uniform(void) { /* splitmix64 → (0, 1) */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static float rand_normal(void) { /* Box-Muller */
    return (float)(sqrt(-2.0 * log(rand_uniform())) * cos(6.283185307179586 * rand_uniform()));
}

static float *normal_matrix(size_t rows, size_t cols, float std, float mean) {
    float *v = malloc(rows * cols * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < rows * cols; i++) v[i] = mean + std * rand_normal();
    return v;
}

static const long w_max[MDL_QPREC_COUNT] = {511, 127, 127};
static const long a_levels[MDL_QPREC_COUNT] = {1023, 255, 255};

/* The scheme as qgemm.h documents it, written plainly. */
static void naive_int32(mdl_qprecision prec, const float *x, size_t m, const float *w, size_t n,
                        size_t k, int32_t *out) {
    long wm = w_max[prec], levels = a_levels[prec];
    int16_t *qw = malloc(n * k * sizeof *qw);
    uint16_t *qx = malloc(k * sizeof *qx);
    assert_true(qw && qx);
    for (size_t r = 0; r < n; r++) {
        const float *wr = w + r * k;
        int16_t *qr = qw + r * k;
        float amax = 0;
        for (size_t i = 0; i < k; i++) amax = fmaxf(amax, fabsf(wr[i]));
        if (prec != MDL_QPREC_W8A8P) {
            for (size_t i = 0; i < k; i++) {
                long v = amax > 0 ? lrintf(wr[i] * ((float)wm / amax)) : 0;
                qr[i] = (int16_t)(v > wm ? wm : v < -wm ? -wm : v);
            }
            continue;
        }
        /* pair budget: the positive (negative) parts of w[2j], w[2j+1] add to at most 128 */
        float pmax = 0;
        for (size_t i = 0; i + 1 < k; i += 2) {
            float pos = 0, neg = 0;
            for (size_t j = i; j < i + 2; j++) {
                if (wr[j] > 0) pos += wr[j];
                else neg -= wr[j];
            }
            pmax = fmaxf(pmax, fmaxf(pos, neg));
        }
        float scale = fmaxf(amax / (float)wm, pmax / 128.0f), inv = scale > 0 ? 1.0f / scale : 0;
        for (size_t i = 0; i < k; i++) {
            long v = lrintf(wr[i] * inv);
            qr[i] = (int16_t)(v > wm ? wm : v < -wm ? -wm : v);
        }
        for (size_t i = 0; i + 1 < k; i += 2) {
            long a = qr[i], b = qr[i + 1];
            if (a * b <= 0 || labs(a) + labs(b) <= 128) continue;
            /* over by one: the element rounded up the most gives it back */
            float up_a = fabsf((float)a) - fabsf(wr[i] * inv);
            float up_b = fabsf((float)b) - fabsf(wr[i + 1] * inv);
            size_t j = up_a >= up_b ? i : i + 1;
            qr[j] = (int16_t)(qr[j] > 0 ? qr[j] - 1 : qr[j] + 1);
        }
        for (size_t i = 0; i + 1 < k; i += 2)
            assert_true(qr[i] * qr[i + 1] <= 0 || labs(qr[i]) + labs(qr[i + 1]) <= 128);
    }
    for (size_t row = 0; row < m; row++) {
        float lo = 0, hi = 0;
        for (size_t i = 0; i < k; i++) {
            lo = fminf(lo, x[row * k + i]);
            hi = fmaxf(hi, x[row * k + i]);
        }
        long z = 0;
        for (size_t i = 0; i < k; i++) qx[i] = 0;
        if (hi > lo) {
            float inv = (float)levels / (hi - lo);
            z = lrintf(-lo * inv);
            z = z < 0 ? 0 : z > levels ? levels : z;
            for (size_t i = 0; i < k; i++) {
                long v = lrintf(x[row * k + i] * inv) + z;
                qx[i] = (uint16_t)(v < 0 ? 0 : v > levels ? levels : v);
            }
        }
        for (size_t col = 0; col < n; col++) {
            int64_t s = 0;
            for (size_t i = 0; i < k; i++) s += ((int64_t)qx[i] - z) * qw[col * k + i];
            out[row * n + col] = (int32_t)s;
        }
    }
    free(qw);
    free(qx);
}

static uint32_t float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

typedef struct shape {
    size_t m, k, n;
} shape;

/* Awkward sizes (tails in every dimension, several K blocks) and slices of the model's. */
static const shape shapes[] = {
    {1, 1, 1},    {2, 3, 5},    {7, 17, 33},   {13, 64, 48},   {6, 768, 32}, {9, 770, 100},
    {25, 1537, 70}, {50, 3072, 96}, {17, 2048, 160}, {197, 768, 128}, {16, 768, 2304},
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

static void test_scalar_twin_equals_naive_scheme(void **state) {
    (void)state;
    for (int prec = 0; prec < MDL_QPREC_COUNT; prec++) {
        for (size_t s = 0; s < NSHAPES; s++) {
            size_t m = shapes[s].m, k = shapes[s].k, n = shapes[s].n;
            if (m * k * n > 40000000) continue;
            float *x = normal_matrix(m, k, 1.0f, 0.3f), *w = normal_matrix(n, k, 0.02f, 0.0f);
            int32_t *want = calloc(m * n, sizeof *want), *got = calloc(m * n, sizeof *got);
            assert_true(want && got);
            naive_int32((mdl_qprecision)prec, x, m, w, n, k, want);
            mdl_qweight qw;
            cdx_error err = {0};
            assert_int_equal(mdl_qweight_prepare_with(w, n, k, MDL_QKERNEL_SCALAR,
                                                      (mdl_qprecision)prec, &qw, &err), 0);
            assert_int_equal(mdl_qlinear_int32(x, m, k, &qw, got, NULL, NULL, &err), 0);
            for (size_t i = 0; i < m * n; i++)
                if (want[i] != got[i])
                    fail_msg("%s %zux%zux%zu: element %zu: %d vs naive %d",
                             mdl_qprecision_name(prec), m, k, n, i, got[i], want[i]);
            mdl_qweight_free(&qw);
            free(x), free(w), free(want), free(got);
        }
    }
}

/* Runs one kernel on (x, w) and returns its int32 sums and floats (malloc'd). */
static void run_kernel(mdl_qkernel kernel, mdl_qprecision prec, const float *x, const float *w, const float *bias,
                       const shape *sh, core_pool *pool, int32_t **acc, float **y) {
    mdl_qweight qw;
    mdl_qworkspace ws = {0};
    cdx_error err = {0};
    *acc = malloc(sh->m * sh->n * sizeof **acc);
    *y = malloc(sh->m * sh->n * sizeof **y);
    assert_true(*acc && *y);
    assert_int_equal(mdl_qweight_prepare_with(w, sh->n, sh->k, kernel, prec, &qw, &err), 0);
    assert_int_equal(mdl_qlinear_int32(x, sh->m, sh->k, &qw, *acc, pool, &ws, &err), 0);
    assert_int_equal(mdl_qlinear(x, sh->m, sh->k, &qw, bias, *y, pool, &ws, &err), 0);
    mdl_qworkspace_free(&ws);
    mdl_qweight_free(&qw);
}

static void test_every_kernel_equals_scalar_twin(void **state) {
    (void)state;
    core_pool *pool = NULL;
    cdx_error err = {0};
    assert_int_equal(core_pool_new(2, &pool, &err), 0);
    printf("qgemm kernels tested against the scalar twin:");
    for (int kern = 1; kern < MDL_QKERNEL_COUNT; kern++)
        if (mdl_qkernel_supported((mdl_qkernel)kern)) printf(" %s", mdl_qkernel_name(kern));
    printf(" (default: %s)\n", mdl_qkernel_name(mdl_qkernel_default()));
    for (int prec = 0; prec < MDL_QPREC_COUNT; prec++) {
        for (size_t s = 0; s < NSHAPES; s++) {
            const shape *sh = &shapes[s];
            float *x = normal_matrix(sh->m, sh->k, 1.0f, 0.1f);
            float *w = normal_matrix(sh->n, sh->k, 0.02f, 0), *bias = normal_matrix(1, sh->n, 0.1f, 0);
            int32_t *ref_acc;
            float *ref_y;
            run_kernel(MDL_QKERNEL_SCALAR, (mdl_qprecision)prec, x, w, bias, sh, NULL, &ref_acc,
                       &ref_y);
            for (int kern = 1; kern < MDL_QKERNEL_COUNT; kern++) {
                if (!mdl_qkernel_supported((mdl_qkernel)kern)) continue;
                for (int threaded = 0; threaded < 2; threaded++) {
                    int32_t *acc;
                    float *y;
                    run_kernel((mdl_qkernel)kern, (mdl_qprecision)prec, x, w, bias, sh,
                               threaded ? pool : NULL, &acc, &y);
                    for (size_t i = 0; i < sh->m * sh->n; i++) {
                        if (acc[i] != ref_acc[i])
                            fail_msg("%s %s %zux%zux%zu: int32 %zu: %d vs scalar %d",
                                     mdl_qkernel_name(kern), mdl_qprecision_name(prec), sh->m,
                                     sh->k, sh->n, i, acc[i], ref_acc[i]);
                        if (float_bits(y[i]) != float_bits(ref_y[i]))
                            fail_msg("%s %s %zux%zux%zu: float %zu: %.9g vs scalar %.9g",
                                     mdl_qkernel_name(kern), mdl_qprecision_name(prec), sh->m,
                                     sh->k, sh->n, i, y[i], ref_y[i]);
                    }
                    free(acc), free(y);
                }
            }
            free(ref_acc), free(ref_y), free(x), free(w), free(bias);
        }
    }
    core_pool_free(pool);
}

/* Relative Frobenius error against a double-precision x·Wᵀ + b on the model's activation and
 * weight statistics (LayerNorm-like inputs, std-0.02 weights). */
static void check_close_to_fp32(mdl_qprecision prec, double max_rel, double min_cos) {
    const shape sh = {64, 3072, 256};
    float *x = normal_matrix(sh.m, sh.k, 1.0f, 0.0f), *w = normal_matrix(sh.n, sh.k, 0.02f, 0);
    float *bias = normal_matrix(1, sh.n, 0.02f, 0);
    int32_t *acc;
    float *y;
    run_kernel(mdl_qkernel_default(), prec, x, w, bias, &sh, NULL, &acc, &y);
    double num = 0, den = 0, worst_cos = 1;
    for (size_t r = 0; r < sh.m; r++) {
        double dot = 0, aa = 0, bb = 0;
        for (size_t c = 0; c < sh.n; c++) {
            double want = bias[c];
            for (size_t i = 0; i < sh.k; i++) want += (double)x[r * sh.k + i] * w[c * sh.k + i];
            double got = y[r * sh.n + c];
            num += (got - want) * (got - want);
            den += want * want;
            dot += got * want, aa += got * got, bb += want * want;
        }
        worst_cos = fmin(worst_cos, dot / sqrt(aa * bb));
    }
    double rel = sqrt(num / den);
    printf("qgemm %s %zux%zux%zu: relative error %.3g, worst row cosine %.7f\n",
           mdl_qprecision_name(prec), sh.m, sh.k, sh.n, rel, worst_cos);
    assert_true(rel < max_rel);
    assert_true(worst_cos > min_cos);
    free(acc), free(y), free(x), free(w), free(bias);
}

static void test_close_to_fp32(void **state) {
    (void)state;
    check_close_to_fp32(MDL_QPREC_W10A10, 0.004, 0.99999); /* measured 0.0029, 0.999995 */
    check_close_to_fp32(MDL_QPREC_W8A8, 0.015, 0.9998);    /* measured 0.0117, 0.99991 */
    check_close_to_fp32(MDL_QPREC_W8A8P, 0.018, 0.9998);   /* measured 0.0140, 0.99987 */
}

/* The largest sums each precision allows: every activation at 0 or at the top level, weights at
 * ±w_max or, for W8A8P, pairs on the budget (64 + 64, 127 + 0, 127 - 127), so that u8×s8 pairs sit
 * on vpmaddubsw's int16 limit (255 · 128 = 32640); a kernel that saturated, wrapped or dropped a
 * sign would differ from the scalar twin and from the exact value. */
static void test_extreme_values_exact(void **state) {
    (void)state;
    const shape sh = {13, 520, 48};
    float *x = malloc(sh.m * sh.k * sizeof *x), *w = malloc(sh.n * sh.k * sizeof *w);
    assert_true(x && w);
    for (size_t r = 0; r < sh.m; r++) /* rows of all-top, all-zero-point and mixed values */
        for (size_t i = 0; i < sh.k; i++)
            x[r * sh.k + i] = r % 3 == 0 ? 1.0f : r % 3 == 1 ? -1.0f : (i + r) % 2 ? 1.0f : -1.0f;
    for (size_t c = 0; c < sh.n; c++) /* per column: +1, -1, pairs of either sign, (±1, 0), (1, -1) */
        for (size_t i = 0; i < sh.k; i++) {
            float v[6] = {1.0f, -1.0f, (i / 2) % 2 ? 1.0f : -1.0f, i % 2 ? 0.0f : 1.0f,
                          i % 2 ? 0.0f : -1.0f, i % 2 ? -1.0f : 1.0f};
            w[c * sh.k + i] = v[c % 6];
        }
    for (int prec = 0; prec < MDL_QPREC_COUNT; prec++) {
        int32_t *want = malloc(sh.m * sh.n * sizeof *want);
        assert_non_null(want);
        naive_int32((mdl_qprecision)prec, x, sh.m, w, sh.n, sh.k, want);
        for (int kern = 0; kern < MDL_QKERNEL_COUNT; kern++) {
            if (!mdl_qkernel_supported((mdl_qkernel)kern)) continue;
            mdl_qweight qw;
            cdx_error err = {0};
            int32_t *got = malloc(sh.m * sh.n * sizeof *got);
            assert_non_null(got);
            assert_int_equal(mdl_qweight_prepare_with(w, sh.n, sh.k, (mdl_qkernel)kern,
                                                      (mdl_qprecision)prec, &qw, &err), 0);
            assert_int_equal(mdl_qlinear_int32(x, sh.m, sh.k, &qw, got, NULL, NULL, &err), 0);
            for (size_t i = 0; i < sh.m * sh.n; i++)
                if (got[i] != want[i])
                    fail_msg("%s %s extreme values: element %zu: %d vs exact %d",
                             mdl_qkernel_name(kern), mdl_qprecision_name(prec), i, got[i],
                             want[i]);
            mdl_qweight_free(&qw);
            free(got);
        }
        /* the extremes are reached: |sum| = k · top level · w_max somewhere */
        long top = 0;
        for (size_t i = 0; i < sh.m * sh.n; i++) top = labs(want[i]) > top ? labs(want[i]) : top;
        long w_top = prec == MDL_QPREC_W8A8P ? 64 : w_max[prec]; /* all-ones rows: 64 + 64 */
        assert_int_equal(top, (long)sh.k * a_levels[prec] * w_top);
        free(want);
    }
    free(x), free(w);
}

/* W8A8P's AVX2 row steps against plain loops: the pair statistics (max |w|, largest same-signed
 * pair part) on rows of every length 1..40 and a model-sized one, and the heavy-pair test on
 * blocks with pair sums around the budget (127, 128, 129), of both signs and mixed. */
static void test_pair_steps_avx2_equal_plain(void **state) {
    (void)state;
    if (!mdl_qkernel_supported(MDL_QKERNEL_AVX2)) {
        printf("no AVX2 here: W8A8P's AVX2 row steps not run\n");
        return;
    }
    for (size_t k = 1; k <= 770; k = k < 40 ? k + 1 : k + 730) { /* 1..40, then 770 */
        float *w = normal_matrix(1, k, 0.02f, 0.001f);
        float amax = 0, pmax = 0, got_a, got_p;
        for (size_t i = 0; i < k; i++) amax = fmaxf(amax, fabsf(w[i]));
        for (size_t i = 0; i + 1 < k; i += 2) {
            float pos = fmaxf(w[i], 0) + fmaxf(w[i + 1], 0);
            float neg = fmaxf(-w[i], 0) + fmaxf(-w[i + 1], 0);
            pmax = fmaxf(pmax, fmaxf(pos, neg));
        }
        mdl_qgemm_pair_maxes_avx2(w, k, &got_a, &got_p);
        assert_true(got_a == amax);
        assert_true(got_p == pmax);
        free(w);
    }
    for (int trial = 0; trial < 2000; trial++) {
        int16_t q[16];
        int want = 0;
        for (int i = 0; i < 16; i++) q[i] = (int16_t)((int)(rand_uniform() * 255) - 127);
        if (trial % 2) { /* put one pair on the edge */
            int p = (int)(rand_uniform() * 8), s = trial % 4 == 1 ? 1 : -1, top = 127 + trial % 3;
            int a = 1 + (int)(rand_uniform() * 126);
            a = a > top - 1 ? top - 1 : a;
            q[2 * p] = (int16_t)(s * a);
            q[2 * p + 1] = (int16_t)(s * (top - a > 127 ? 127 : top - a));
            if (trial % 8 == 3) q[2 * p + 1] = (int16_t)-q[2 * p + 1]; /* mixed signs */
        }
        for (int p = 0; p < 8; p++) want |= abs(q[2 * p]) + abs(q[2 * p + 1]) > 128;
        assert_int_equal(mdl_qgemm_heavy_pairs16_avx2(q, 128), want);
    }
}

/* mdl_qlinear_ld on the first k of wider rows equals mdl_qlinear on those rows packed, bit for
 * bit, for every kernel and precision; a stride below k is refused. */
static void test_strided_input_equals_packed(void **state) {
    (void)state;
    const size_t m = 19, k = 100, ld = 230, n = 40;
    float *wide = normal_matrix(m, ld, 1.0f, 0.2f), *w = normal_matrix(n, k, 0.02f, 0);
    float *packed = malloc(m * k * sizeof *packed), *y1 = malloc(m * n * sizeof *y1);
    float *y2 = malloc(m * n * sizeof *y2);
    assert_true(packed && y1 && y2);
    for (size_t r = 0; r < m; r++) memcpy(packed + r * k, wide + r * ld, k * sizeof *packed);
    for (int prec = 0; prec < MDL_QPREC_COUNT; prec++)
        for (int kern = 0; kern < MDL_QKERNEL_COUNT; kern++) {
            if (!mdl_qkernel_supported((mdl_qkernel)kern)) continue;
            mdl_qweight qw;
            cdx_error err = {0};
            assert_int_equal(mdl_qweight_prepare_with(w, n, k, (mdl_qkernel)kern,
                                                      (mdl_qprecision)prec, &qw, &err), 0);
            assert_int_equal(mdl_qlinear(packed, m, k, &qw, NULL, y1, NULL, NULL, &err), 0);
            assert_int_equal(mdl_qlinear_ld(wide, ld, m, k, &qw, NULL, y2, NULL, NULL, &err), 0);
            assert_memory_equal(y1, y2, m * n * sizeof *y1);
            assert_int_not_equal(mdl_qlinear_ld(wide, k - 1, m, k, &qw, NULL, y2, NULL, NULL, &err), 0);
            assert_non_null(strstr(err.message, "stride"));
            mdl_qweight_free(&qw);
        }
    free(wide), free(w), free(packed), free(y1), free(y2);
}

static void test_row_result_independent_of_batch(void **state) {
    (void)state;
    const shape sh = {20, 768, 64};
    float *x = normal_matrix(sh.m, sh.k, 1.0f, 0.0f), *w = normal_matrix(sh.n, sh.k, 0.02f, 0);
    x[3 * sh.k + 5] = 40.0f; /* an outlier in row 3 must not change the other rows */
    mdl_qweight qw;
    cdx_error err = {0};
    assert_int_equal(mdl_qweight_prepare(w, sh.n, sh.k, &qw, &err), 0);
    float *all = malloc(sh.m * sh.n * sizeof *all), one[64];
    assert_non_null(all);
    assert_int_equal(mdl_qlinear(x, sh.m, sh.k, &qw, NULL, all, NULL, NULL, &err), 0);
    for (size_t r = 0; r < sh.m; r++) {
        assert_int_equal(mdl_qlinear(x + r * sh.k, 1, sh.k, &qw, NULL, one, NULL, NULL, &err), 0);
        assert_memory_equal(one, all + r * sh.n, sizeof one);
    }
    mdl_qweight_free(&qw);
    free(x), free(w), free(all);
}

static void test_bad_input_fails_with_message(void **state) {
    (void)state;
    float w[8 * 4] = {0}, x[2 * 4] = {1, 2, 3, 4, 5, 6, 7, 8}, y[2 * 8];
    mdl_qweight qw;
    cdx_error err = {0};
    assert_int_equal(mdl_qweight_prepare(w, 0, 4, &qw, &err), CDX_EINVAL);
    assert_int_equal(mdl_qweight_prepare_with(w, 8, 4097, MDL_QKERNEL_SCALAR, MDL_QPREC_W10A10,
                                              &qw, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "k at most 4096"));
    assert_int_equal(mdl_qweight_prepare_with(w, 8, 70000, MDL_QKERNEL_SCALAR, MDL_QPREC_W8A8,
                                              &qw, &err), CDX_EINVAL);
    w[9] = NAN;
    assert_int_equal(mdl_qweight_prepare(w, 8, 4, &qw, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "element 9"));
    w[9] = 0.5f;
    assert_int_equal(mdl_qweight_prepare(w, 8, 4, &qw, &err), 0);
    assert_int_equal(mdl_qlinear(x, 2, 3, &qw, NULL, y, NULL, NULL, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "3 columns"));
    x[6] = INFINITY;
    assert_int_equal(mdl_qlinear(x, 2, 4, &qw, NULL, y, NULL, NULL, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "row 1"));
    x[6] = 7;
    assert_int_equal(mdl_qlinear(x, 2, 4, &qw, NULL, y, NULL, NULL, &err), 0);
    for (int c = 0; c < 8; c++) assert_true(c == 2 ? y[c] != 0 : y[c] == 0); /* only W[2][1] set */
    assert_int_equal(mdl_qlinear(x, 0, 4, &qw, NULL, NULL, NULL, NULL, &err), 0);
    mdl_qweight_free(&qw);
}

/* mdl_qlinear_many (one quantisation, one pass for products of the same x) gives each product
 * exactly what its own mdl_qlinear call gives, on every kernel, one and two threads, with several
 * row chunks and panels of different products in one pass; mismatched weights are refused. */
static void test_shared_input_products_equal_separate_calls(void **state) {
    (void)state;
    core_pool *pool = NULL;
    cdx_error err = {0};
    assert_int_equal(core_pool_new(2, &pool, &err), 0);
    const size_t m = 401, k = 100, ns[3] = {40, 130, 256};
    float *x = normal_matrix(m, k, 1.0f, 0.1f);
    for (int kern = 0; kern < MDL_QKERNEL_COUNT; kern++) {
        if (!mdl_qkernel_supported((mdl_qkernel)kern)) continue;
        mdl_qweight qw[3];
        mdl_qproduct prods[3];
        float *w[3], *bias[3], *want[3];
        for (int i = 0; i < 3; i++) {
            w[i] = normal_matrix(ns[i], k, 0.02f, 0);
            bias[i] = normal_matrix(1, ns[i], 0.1f, 0);
            want[i] = malloc(m * ns[i] * sizeof(float));
            assert_non_null(want[i]);
            assert_int_equal(mdl_qweight_prepare_with(w[i], ns[i], k, (mdl_qkernel)kern,
                                                      MDL_QPREC_W10A10, &qw[i], &err), 0);
            assert_int_equal(mdl_qlinear(x, m, k, &qw[i], i == 1 ? NULL : bias[i], want[i], NULL,
                                         NULL, &err), 0);
            prods[i] = (mdl_qproduct){&qw[i], i == 1 ? NULL : bias[i], malloc(m * ns[i] * 4)};
            assert_non_null(prods[i].y);
        }
        for (int threaded = 0; threaded < 2; threaded++) {
            mdl_qworkspace ws = {0};
            core_pool *p = threaded ? pool : NULL;
            assert_int_equal(mdl_qlinear_many(x, m, k, prods, 3, p, &ws, &err), 0);
            mdl_qworkspace_free(&ws);
            for (int i = 0; i < 3; i++)
                for (size_t j = 0; j < m * ns[i]; j++)
                    if (float_bits(prods[i].y[j]) != float_bits(want[i][j]))
                        fail_msg("%s product %d element %zu: %.9g vs alone %.9g",
                                 mdl_qkernel_name(kern), i, j, prods[i].y[j], want[i][j]);
        }
        mdl_qweight other;
        assert_int_equal(mdl_qweight_prepare_with(w[0], ns[0], k, (mdl_qkernel)kern,
                                                  MDL_QPREC_W8A8, &other, &err), 0);
        mdl_qproduct mixed[2] = {prods[0], {&other, NULL, prods[1].y}};
        assert_int_equal(mdl_qlinear_many(x, m, k, mixed, 2, NULL, NULL, &err), CDX_EINVAL);
        assert_non_null(strstr(err.message, "weights 1 use kernel"));
        assert_int_equal(mdl_qlinear_many(x, m, k, prods, 0, NULL, NULL, &err), CDX_EINVAL);
        mdl_qweight_free(&other);
        for (int i = 0; i < 3; i++) {
            mdl_qweight_free(&qw[i]);
            free(w[i]), free(bias[i]), free(want[i]), free(prods[i].y);
        }
    }
    free(x);
    core_pool_free(pool);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_twin_equals_naive_scheme),
        cmocka_unit_test(test_every_kernel_equals_scalar_twin),
        cmocka_unit_test(test_close_to_fp32),
        cmocka_unit_test(test_extreme_values_exact),
        cmocka_unit_test(test_strided_input_equals_packed),
        cmocka_unit_test(test_pair_steps_avx2_equal_plain),
        cmocka_unit_test(test_row_result_independent_of_batch),
        cmocka_unit_test(test_bad_input_fails_with_message),
        cmocka_unit_test(test_shared_input_products_equal_separate_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
