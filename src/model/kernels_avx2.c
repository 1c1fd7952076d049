/*
 * kernels_avx2.c — AVX2+FMA versions of the row/element kernels. exp is Cephes' expf (range
 * reduction by ln 2, degree-6 polynomial); erf uses Abramowitz & Stegun 7.1.26 in its erfc form
 * (|error| < 1.5e-7), so GELU of large negative inputs keeps its relative accuracy. Compiled with
 * a target attribute; mdl_kernels_avx2() hands them out only when the CPU has AVX2 and FMA.
 */
#include "model/kernels.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#include <math.h>

#define AVX2_TARGET __attribute__((target("avx2,fma")))

AVX2_TARGET static float av_hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2_TARGET static float av_hmax(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* e^x; exactly 0 below -87.3 (where float32 would go subnormal), +inf beyond 88.7. */
AVX2_TARGET static __m256 av_exp(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.3f), hi = _mm256_set1_ps(88.7f);
    __m256 keep = _mm256_cmp_ps(x, lo, _CMP_GE_OQ);
    __m256 big = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, lo), _mm256_set1_ps(88.0f));
    __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    y = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
    y = _mm256_and_ps(y, keep);
    return _mm256_blendv_ps(y, _mm256_set1_ps(INFINITY), big);
}

/* gelu(x) = 0.5 x (1 + erf(x/sqrt2)) via q = erfc(|x|/sqrt2): x >= 0 -> x (1 - q/2), else x q/2. */
AVX2_TARGET static __m256 av_gelu8(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 z = _mm256_mul_ps(_mm256_andnot_ps(sign, x), _mm256_set1_ps(0.70710678118654752f));
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f),
                             _mm256_fmadd_ps(z, _mm256_set1_ps(0.3275911f), _mm256_set1_ps(1.0f)));
    __m256 p = _mm256_set1_ps(1.061405429f);
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
    p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
    p = _mm256_mul_ps(p, t);
    __m256 q = _mm256_mul_ps(p, av_exp(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(z, z))));
    __m256 half_q = _mm256_mul_ps(q, _mm256_set1_ps(0.5f));
    __m256 pos = _mm256_sub_ps(_mm256_set1_ps(1.0f), half_q);
    __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_mul_ps(x, _mm256_blendv_ps(pos, half_q, neg));
}

AVX2_TARGET static __m256 av_silu8(__m256 x) {
    __m256 e = av_exp(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

static float av_gelu1(float v) { return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); }
static float av_silu1(float v) { return v / (1.0f + expf(-v)); }

AVX2_TARGET static void av_layer_norm(const float *x, float *y, size_t rows, size_t dim,
                                      const float *g, const float *b, float eps) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        __m256 s = _mm256_setzero_ps();
        size_t i = 0;
        float tail = 0.0f;
        for (; i + 8 <= dim; i += 8) s = _mm256_add_ps(s, _mm256_loadu_ps(xr + i));
        for (; i < dim; i++) tail += xr[i];
        float mean = (av_hsum(s) + tail) / (float)dim;
        __m256 m = _mm256_set1_ps(mean), v = _mm256_setzero_ps();
        tail = 0.0f;
        for (i = 0; i + 8 <= dim; i += 8) {
            __m256 d = _mm256_sub_ps(_mm256_loadu_ps(xr + i), m);
            v = _mm256_fmadd_ps(d, d, v);
        }
        for (; i < dim; i++) tail += (xr[i] - mean) * (xr[i] - mean);
        float inv = 1.0f / sqrtf((av_hsum(v) + tail) / (float)dim + eps);
        __m256 iv = _mm256_set1_ps(inv);
        for (i = 0; i + 8 <= dim; i += 8) {
            __m256 d = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xr + i), m), iv);
            _mm256_storeu_ps(yr + i, _mm256_fmadd_ps(d, _mm256_loadu_ps(g + i), _mm256_loadu_ps(b + i)));
        }
        for (; i < dim; i++) yr[i] = (xr[i] - mean) * inv * g[i] + b[i];
    }
}

AVX2_TARGET static void av_softmax_rows(float *x, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *xr = x + r * cols;
        __m256 mv = _mm256_set1_ps(-INFINITY);
        size_t i = 0;
        for (; i + 8 <= cols; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(xr + i));
        float mx = av_hmax(mv);
        for (; i < cols; i++) mx = xr[i] > mx ? xr[i] : mx;
        __m256 m = _mm256_set1_ps(mx), s = _mm256_setzero_ps();
        float tail = 0.0f;
        for (i = 0; i + 8 <= cols; i += 8) {
            __m256 e = av_exp(_mm256_sub_ps(_mm256_loadu_ps(xr + i), m));
            _mm256_storeu_ps(xr + i, e);
            s = _mm256_add_ps(s, e);
        }
        for (; i < cols; i++) {
            xr[i] = expf(xr[i] - mx);
            tail += xr[i];
        }
        float inv = 1.0f / (av_hsum(s) + tail);
        __m256 iv = _mm256_set1_ps(inv);
        for (i = 0; i + 8 <= cols; i += 8) _mm256_storeu_ps(xr + i, _mm256_mul_ps(_mm256_loadu_ps(xr + i), iv));
        for (; i < cols; i++) xr[i] *= inv;
    }
}

AVX2_TARGET static void av_gelu(float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, av_gelu8(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) x[i] = av_gelu1(x[i]);
}

AVX2_TARGET static void av_gelu_mul(float *a, const float *b, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(a + i, _mm256_mul_ps(av_gelu8(_mm256_loadu_ps(a + i)), _mm256_loadu_ps(b + i)));
    for (; i < n; i++) a[i] = av_gelu1(a[i]) * b[i];
}

AVX2_TARGET static void av_silu(float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, av_silu8(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) x[i] = av_silu1(x[i]);
}

AVX2_TARGET static void av_silu_mul(float *a, const float *b, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(a + i, _mm256_mul_ps(av_silu8(_mm256_loadu_ps(a + i)), _mm256_loadu_ps(b + i)));
    for (; i < n; i++) a[i] = av_silu1(a[i]) * b[i];
}

AVX2_TARGET static void av_add(float *y, const float *x, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
    for (; i < n; i++) y[i] += x[i];
}

AVX2_TARGET static void av_add_bias(float *y, size_t rows, size_t n, const float *bias) {
    for (size_t r = 0; r < rows; r++) av_add(y + r * n, bias, n);
}

AVX2_TARGET static void av_l2_normalize(float *x, size_t rows, size_t dim) {
    for (size_t r = 0; r < rows; r++) {
        float *xr = x + r * dim;
        __m256 s = _mm256_setzero_ps();
        size_t i = 0;
        float tail = 0.0f;
        for (; i + 8 <= dim; i += 8) {
            __m256 v = _mm256_loadu_ps(xr + i);
            s = _mm256_fmadd_ps(v, v, s);
        }
        for (; i < dim; i++) tail += xr[i] * xr[i];
        float norm = sqrtf(av_hsum(s) + tail);
        float inv = 1.0f / (norm > 1e-12f ? norm : 1e-12f);
        __m256 iv = _mm256_set1_ps(inv);
        for (i = 0; i + 8 <= dim; i += 8) _mm256_storeu_ps(xr + i, _mm256_mul_ps(_mm256_loadu_ps(xr + i), iv));
        for (; i < dim; i++) xr[i] *= inv;
    }
}

static const mdl_kernels av_kernels = {
    .name = "avx2",
    .layer_norm = av_layer_norm,
    .softmax_rows = av_softmax_rows,
    .gelu = av_gelu,
    .gelu_mul = av_gelu_mul,
    .silu = av_silu,
    .silu_mul = av_silu_mul,
    .add_bias = av_add_bias,
    .add = av_add,
    .l2_normalize = av_l2_normalize,
};

const mdl_kernels *mdl_kernels_avx2(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return NULL;
    return &av_kernels;
}

#else
const mdl_kernels *mdl_kernels_avx2(void) { return NULL; }
#endif
