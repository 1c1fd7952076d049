/*
 * test_distance.c — the distance kernels: the scalar twin matches a double-precision reference,
 * every SIMD level this CPU has matches the scalar twin on random data at awkward dims (1..37,
 * 768, 769), `_distance` follows LanceDB's definitions, and NaN rows give NaN.
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

#include "store/distance.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static float rand_unit(void) { /* splitmix64 → [-1, 1) */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (float)((double)(z >> 40) / (double)(1u << 23)) - 1.0f;
}

static void fill(float *v, size_t n) {
    for (size_t i = 0; i < n; i++) v[i] = rand_unit();
}

/* |a - b| within rel * scale, where scale is the sum of |terms| (the error bound of float sums). */
static void assert_close(double a, double b, double scale, double rel) {
    if (fabs(a - b) > rel * scale + 1e-30) fail_msg("%.9g vs %.9g (scale %.3g)", a, b, scale);
}

static const size_t dims[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 36, 37, 768, 769};
#define NDIMS (sizeof dims / sizeof dims[0])

static void check_level_against(const store_kernels *k, const store_kernels *ref, int use_double) {
    float a[800], b[800];
    for (size_t d = 0; d < NDIMS; d++) {
        size_t dim = dims[d];
        for (int rep = 0; rep < 20; rep++) {
            fill(a, dim);
            fill(b, dim);
            double dot = 0, l2 = 0, bb = 0, sdot = 0, sl2 = 0;
            for (size_t i = 0; i < dim; i++) {
                dot += (double)a[i] * b[i];
                l2 += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
                bb += (double)b[i] * b[i];
                sdot += fabs((double)a[i] * b[i]);
            }
            sl2 = l2;
            if (!use_double) {
                dot = ref->dot(a, b, dim);
                l2 = ref->l2sq(a, b, dim);
                float rab, rbb;
                ref->dot_norm(a, b, dim, &rab, &rbb);
                bb = rbb;
            }
            float ab, kbb;
            k->dot_norm(a, b, dim, &ab, &kbb);
            assert_close(k->dot(a, b, dim), dot, sdot, 1e-6);
            assert_close(k->l2sq(a, b, dim), l2, sl2, 1e-6);
            assert_close(ab, dot, sdot, 1e-6);
            assert_close(kbb, bb, bb, 1e-6);
        }
    }
}

static void test_scalar_matches_double_reference(void **state) {
    (void)state;
    check_level_against(store_kernels_scalar(), NULL, 1);
}

static void test_avx2_matches_scalar_twin(void **state) {
    (void)state;
    const store_kernels *k = store_kernels_for(STORE_SIMD_AVX2);
    if (!k) {
        printf("  (this CPU has no AVX2+FMA: skipped)\n");
        skip();
        return; /* skip() long-jumps out; cmocka does not mark it noreturn */
    }
    check_level_against(k, store_kernels_scalar(), 0);
    check_level_against(k, NULL, 1);
}

static void test_avx512_matches_scalar_twin(void **state) {
    (void)state;
    const store_kernels *k = store_kernels_for(STORE_SIMD_AVX512);
    if (!k) {
        printf("  (this CPU has no AVX-512F: skipped)\n");
        skip();
        return; /* skip() long-jumps out; cmocka does not mark it noreturn */
    }
    check_level_against(k, store_kernels_scalar(), 0);
    check_level_against(k, NULL, 1);
}

static void test_best_level_is_supported(void **state) {
    (void)state;
    const store_kernels *best = store_kernels_best();
    assert_non_null(best);
    assert_ptr_equal(store_kernels_for(best->level), best);
    assert_non_null(store_kernels_for(STORE_SIMD_SCALAR));
}

/* LanceDB (lance-linalg): l2 = squared Euclidean, cosine = 1 - cos, dot = 1 - dot. */
static void test_distance_rows_follow_lancedb_definitions(void **state) {
    (void)state;
    const float q[3] = {1, 2, 2};                /* |q| = 3 */
    const float rows[3 * 3] = {1, 2, 2,          /* same: l2 0, cos 0, dot 1 - 9 */
                               -2, 1, 0,         /* orthogonal: cos 1 */
                               0, 0, 4};         /* |v| = 4, q.v = 8 */
    for (int lvl = 0; lvl <= 2; lvl++) {
        const store_kernels *k = store_kernels_for((store_simd)lvl);
        if (!k) continue;
        float out[3];
        store_query sq;
        store_query_init(&sq, k, q, 3, CDX_METRIC_L2);
        store_distance_rows(k, &sq, rows, 3, out);
        assert_float_equal(out[0], 0.0f, 0);
        assert_float_equal(out[1], 9 + 1 + 4, 1e-6);
        assert_float_equal(out[2], 1 + 4 + 4, 1e-6);
        store_query_init(&sq, k, q, 3, CDX_METRIC_COSINE);
        store_distance_rows(k, &sq, rows, 3, out);
        assert_float_equal(out[0], 0.0f, 1e-6);
        assert_float_equal(out[1], 1.0f, 1e-6);
        assert_float_equal(out[2], 1.0f - 8.0f / 12.0f, 1e-6);
        store_query_init(&sq, k, q, 3, CDX_METRIC_DOT);
        store_distance_rows(k, &sq, rows, 3, out);
        assert_float_equal(out[0], 1.0f - 9.0f, 1e-6);
        assert_float_equal(out[1], 1.0f, 1e-6);
        assert_float_equal(out[2], 1.0f - 8.0f, 1e-6);
    }
}

static void test_nan_rows_and_zero_cosine_rows_give_nan(void **state) {
    (void)state;
    float q[40], rows[2 * 40];
    fill(q, 40);
    fill(rows, 80);
    rows[17] = NAN;
    for (int i = 40; i < 80; i++) rows[i] = 0.0f;
    for (int lvl = 0; lvl <= 2; lvl++) {
        const store_kernels *k = store_kernels_for((store_simd)lvl);
        if (!k) continue;
        float out[2];
        store_query sq;
        for (int m = 0; m < 3; m++) {
            store_query_init(&sq, k, q, 40, (cdx_metric)m);
            store_distance_rows(k, &sq, rows, 2, out);
            assert_true(isnan(out[0]));
            assert_int_equal(isnan(out[1]) != 0, m == CDX_METRIC_COSINE);
        }
    }
}

static void test_metric_names_round_trip(void **state) {
    (void)state;
    cdx_metric m;
    cdx_error err = {0};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cdx_metric_parse(cdx_metric_name((cdx_metric)i), &m, &err), CDX_OK);
        assert_int_equal(m, i);
    }
    assert_int_equal(cdx_metric_parse("COSINE", &m, &err), CDX_OK);
    assert_int_equal(m, CDX_METRIC_COSINE);
    assert_int_equal(cdx_metric_parse("euclidean", &m, &err), CDX_OK);
    assert_int_equal(m, CDX_METRIC_L2);
    assert_int_equal(cdx_metric_parse("hamming", &m, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "hamming"));
    assert_string_equal(cdx_metric_name((cdx_metric)7), "unknown");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalar_matches_double_reference),
        cmocka_unit_test(test_avx2_matches_scalar_twin),
        cmocka_unit_test(test_avx512_matches_scalar_twin),
        cmocka_unit_test(test_best_level_is_supported),
        cmocka_unit_test(test_distance_rows_follow_lancedb_definitions),
        cmocka_unit_test(test_nan_rows_and_zero_cosine_rows_give_nan),
        cmocka_unit_test(test_metric_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
