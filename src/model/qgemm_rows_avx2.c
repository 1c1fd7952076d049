/*
 * qgemm_rows_avx2.c — AVX2 versions of the per-row steps around the integer product: quantising
 * a row of activations or (once, when preparing) of weights, and scaling a row of int32 sums back
 * to float. They perform the same
 * IEEE operations in the same order as the scalar versions in qgemm.c (min/max, one multiply,
 * round-half-even; convert, multiply, add), so their results are identical, not just close.
 */
#include <math.h>
#include <string.h>

#include "model/qgemm_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define ROWS_TARGET __attribute__((target("avx2")))

ROWS_TARGET static float rows_hmin(__m256 v) {
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

ROWS_TARGET static float rows_hmax(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

/* clamp(round(x · inv) + zero, 0, levels) for 8 values, as int32. */
ROWS_TARGET static __m256i rows_q8(const float *x, __m256 inv, __m256i zero, __m256i levels) {
    __m256i v = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), inv)), zero);
    return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_setzero_si256()), levels);
}

ROWS_TARGET int mdl_qgemm_quantise_row_avx2(const float *x, size_t k, size_t k_pad, int32_t levels,
                                            uint16_t *q, float *scale, int32_t *zero) {
    __m256 vlo = _mm256_setzero_ps(), vhi = vlo, poison = vlo, zeros = vlo;
    size_t i = 0;
    for (; i + 8 <= k; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        vlo = _mm256_min_ps(v, vlo);
        vhi = _mm256_max_ps(v, vhi);
        poison = _mm256_add_ps(poison, _mm256_mul_ps(v, zeros));
    }
    float lo = rows_hmin(vlo), hi = rows_hmax(vhi);
    float bad = _mm256_movemask_ps(_mm256_cmp_ps(poison, zeros, _CMP_NEQ_UQ)) ? 1.0f : 0.0f;
    for (; i < k; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
        bad += x[i] * 0.0f;
    }
    memset(q + k, 0, (k_pad - k) * sizeof *q);
    float range = hi - lo, fl = (float)levels;
    if (bad != 0.0f || !(range - range == 0.0f)) return 0;
    if (range == 0.0f) {
        memset(q, 0, k * sizeof *q);
        *scale = 0.0f;
        *zero = 0;
        return 1;
    }
    float inv = fl / range;
    long z = _mm_cvtss_si32(_mm_set_ss(-lo * inv));
    z = z < 0 ? 0 : (z > levels ? levels : z);
    __m256 vinv = _mm256_set1_ps(inv);
    __m256i vz = _mm256_set1_epi32((int)z), vl = _mm256_set1_epi32(levels);
    for (i = 0; i + 16 <= k; i += 16) {
        /* packus works per 128-bit lane; permute4x64 puts the four 64-bit groups in order */
        __m256i ab = _mm256_packus_epi32(rows_q8(x + i, vinv, vz, vl),
                                         rows_q8(x + i + 8, vinv, vz, vl));
        _mm256_storeu_si256((__m256i *)(q + i), _mm256_permute4x64_epi64(ab, 0xd8));
    }
    for (; i < k; i++) {
        long v = _mm_cvtss_si32(_mm_set_ss(x[i] * inv)) + z;
        q[i] = (uint16_t)(v < 0 ? 0 : (v > levels ? levels : v));
    }
    *scale = range / fl;
    *zero = (int32_t)z;
    return 1;
}

ROWS_TARGET void mdl_qgemm_quantise_weight_row_avx2(const float *w, size_t k, int32_t w_max,
                                                   int16_t *q, float *scale, int32_t *sum) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 vmax = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= k; i += 8) vmax = _mm256_max_ps(vmax, _mm256_andnot_ps(sign, _mm256_loadu_ps(w + i)));
    float amax = rows_hmax(vmax), fmax = (float)w_max;
    for (; i < k; i++) amax = fabsf(w[i]) > amax ? fabsf(w[i]) : amax;
    *scale = amax / fmax;
    *sum = mdl_qgemm_round_row_avx2(w, k, amax > 0.0f ? fmax / amax : 0.0f, w_max, q);
}

ROWS_TARGET int32_t mdl_qgemm_round_row_avx2(const float *w, size_t k, float inv, int32_t w_max,
                                             int16_t *q) {
    __m256 vinv = _mm256_set1_ps(inv);
    __m256i hi = _mm256_set1_epi32(w_max), lo = _mm256_set1_epi32(-w_max), acc = _mm256_setzero_si256();
    size_t i;
    for (i = 0; i + 16 <= k; i += 16) {
        __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(w + i), vinv));
        __m256i b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(w + i + 8), vinv));
        a = _mm256_min_epi32(_mm256_max_epi32(a, lo), hi);
        b = _mm256_min_epi32(_mm256_max_epi32(b, lo), hi);
        acc = _mm256_add_epi32(acc, _mm256_add_epi32(a, b));
        _mm256_storeu_si256((__m256i *)(q + i),
                            _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xd8));
    }
    int32_t lanes[8], s = 0;
    _mm256_storeu_si256((__m256i *)lanes, acc);
    for (int j = 0; j < 8; j++) s += lanes[j];
    for (; i < k; i++) {
        int32_t v = _mm_cvtss_si32(_mm_set_ss(w[i] * inv));
        v = v > w_max ? w_max : (v < -w_max ? -w_max : v);
        q[i] = (int16_t)v;
        s += v;
    }
    return s;
}

ROWS_TARGET void mdl_qgemm_pair_maxes_avx2(const float *w, size_t k, float *amax, float *pmax) {
    const __m256 sign = _mm256_set1_ps(-0.0f), zero = _mm256_setzero_ps();
    __m256 va = zero, vp = zero;
    size_t i = 0;
    for (; i + 8 <= k; i += 8) {
        __m256 v = _mm256_loadu_ps(w + i);
        va = _mm256_max_ps(va, _mm256_andnot_ps(sign, v));
        __m256 pos = _mm256_max_ps(v, zero), neg = _mm256_max_ps(_mm256_xor_ps(v, sign), zero);
        vp = _mm256_max_ps(vp, _mm256_hadd_ps(pos, neg)); /* pair sums of both parts */
    }
    float a = rows_hmax(va), p = rows_hmax(vp);
    for (size_t j = i; j < k; j++) a = fabsf(w[j]) > a ? fabsf(w[j]) : a;
    for (; i + 1 < k; i += 2) {
        float x = w[i], y = w[i + 1];
        float pos = (x > 0.0f ? x : 0.0f) + (y > 0.0f ? y : 0.0f);
        float neg = (x < 0.0f ? -x : 0.0f) + (y < 0.0f ? -y : 0.0f);
        p = pos > p ? pos : p;
        p = neg > p ? neg : p;
    }
    *amax = a;
    *pmax = p;
}

ROWS_TARGET int mdl_qgemm_heavy_pairs16_avx2(const int16_t *q, int32_t budget) {
    __m256i sums = _mm256_madd_epi16(_mm256_abs_epi16(_mm256_loadu_si256((const __m256i *)q)),
                                     _mm256_set1_epi16(1));
    return !_mm256_testz_si256(_mm256_cmpgt_epi32(sums, _mm256_set1_epi32(budget)),
                               _mm256_set1_epi32(-1));
}

ROWS_TARGET void mdl_qgemm_dequant_row_avx2(const int32_t *c, size_t cols, int32_t zero,
                                            const int32_t *row_sum, float a_scale,
                                            const float *w_scale, const float *bias, float *y) {
    __m256i vz = _mm256_set1_epi32(zero);
    __m256 vsa = _mm256_set1_ps(a_scale);
    size_t j = 0;
    for (; j + 8 <= cols; j += 8) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(c + j));
        if (row_sum)
            v = _mm256_sub_epi32(
                v, _mm256_mullo_epi32(vz, _mm256_loadu_si256((const __m256i *)(row_sum + j))));
        __m256 out = _mm256_mul_ps(_mm256_cvtepi32_ps(v),
                                   _mm256_mul_ps(vsa, _mm256_loadu_ps(w_scale + j)));
        if (bias) out = _mm256_add_ps(out, _mm256_loadu_ps(bias + j));
        _mm256_storeu_ps(y + j, out);
    }
    for (; j < cols; j++) {
        int32_t v = c[j] - (row_sum ? zero * row_sum[j] : 0);
        float out = (float)v * (a_scale * w_scale[j]);
        y[j] = bias ? out + bias[j] : out;
    }
}

#else
int mdl_qgemm_quantise_row_avx2(const float *x, size_t k, size_t k_pad, int32_t levels,
                                uint16_t *q, float *scale, int32_t *zero) {
    (void)x, (void)k, (void)k_pad, (void)levels, (void)q, (void)scale, (void)zero;
    return 0;
}
void mdl_qgemm_quantise_weight_row_avx2(const float *w, size_t k, int32_t w_max, int16_t *q,
                                        float *scale, int32_t *sum) {
    (void)w, (void)k, (void)w_max, (void)q, (void)scale, (void)sum;
}
int32_t mdl_qgemm_round_row_avx2(const float *w, size_t k, float inv, int32_t w_max, int16_t *q) {
    (void)w, (void)k, (void)inv, (void)w_max, (void)q;
    return 0;
}
void mdl_qgemm_pair_maxes_avx2(const float *w, size_t k, float *amax, float *pmax) {
    (void)w, (void)k, (void)amax, (void)pmax;
}
int mdl_qgemm_heavy_pairs16_avx2(const int16_t *q, int32_t budget) {
    (void)q, (void)budget;
    return 1;
}
void mdl_qgemm_dequant_row_avx2(const int32_t *c, size_t cols, int32_t zero,
                                const int32_t *row_sum, float a_scale, const float *w_scale,
                                const float *bias, float *y) {
    (void)c, (void)cols, (void)zero, (void)row_sum, (void)a_scale, (void)w_scale, (void)bias,
        (void)y;
}
#endif
