/*
 * resample_avx2.c — AVX2 versions of the 8-bit resampler passes (resample.c keeps the plain C
 * twins and picks these only when __builtin_cpu_supports("avx2")). Same 22-bit coefficients,
 * 32-bit products and sums as Pillow (Pillow-SIMD's 16-bit coefficients would not be exact);
 * integer sums do not depend on their order, so the bytes match the scalar passes exactly.
 */
#include "image/resample.h"

#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>

#define AVX2_TARGET __attribute__((target("avx2")))
#define AVX2_INLINE static inline __attribute__((always_inline, target("avx2")))
#define HALF (1 << (IMG_PRECISION_BITS - 1))

int img_have_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

/* Pillow's clip8 on four sums: negative -> 0, else >> 22 saturated at 255. */
AVX2_INLINE uint32_t clip4(__m128i ss) {
    __m128i v = _mm_srai_epi32(ss, IMG_PRECISION_BITS);
    v = _mm_packs_epi32(v, v);
    v = _mm_packus_epi16(v, v);
    return (uint32_t)_mm_cvtsi128_si32(v);
}

/* Two adjacent 3-byte pixels from 8 loadable bytes, widened to 2 x 4 int32 lanes (4th = 0). */
AVX2_INLINE __m256i rgb_pair(const uint8_t *p) {
    const __m128i shuf = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    return _mm256_cvtepu8_epi32(_mm_shuffle_epi8(_mm_loadl_epi64((const __m128i *)p), shuf));
}

/* Coefficients k[0] x 4 lanes then k[1] x 4 lanes. */
AVX2_INLINE __m256i coeff_pair(const int32_t *k) {
    const __m256i idx = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
    return _mm256_permutevar8x32_epi32(_mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *)k)),
                                       idx);
}

/* Adds taps x.. of one pixel's tail (taps that are not done in pairs) to `sum`. */
AVX2_INLINE __m128i htail(__m128i sum, const uint8_t *s, const int32_t *k, int x, int n,
                          const int ch) {
    for (; x < n; x++) {
        uint32_t px = 0;
        memcpy(&px, s + x * ch, (size_t)ch);
        __m128i p = _mm_cvtepu8_epi32(_mm_cvtsi32_si128((int)px));
        sum = _mm_add_epi32(sum, _mm_mullo_epi32(p, _mm_set1_epi32(k[x])));
    }
    return sum;
}

AVX2_INLINE __m128i fold(__m256i acc) {
    return _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
}

/* Pixels x and x+1 of `nrows` (1 or 2) rows `stride` apart as 8 int32 lanes each (the second
 * row's lanes are zero when nrows == 1). */
AVX2_INLINE void load_pixel_pair(const uint8_t *s, size_t stride, int x, const int ch,
                                 const int nrows, __m256i *p0, __m256i *p1) {
    *p1 = _mm256_setzero_si256();
    if (ch == 4) {
        *p0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(s + x * 4)));
        if (nrows == 2)
            *p1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(s + stride + x * 4)));
    } else {
        *p0 = rgb_pair(s + x * 3);
        if (nrows == 2) *p1 = rgb_pair(s + stride + x * 3);
    }
}

/* The same output pixel of `nrows` (1 or 2) source rows `stride` apart, `ch` (3 or 4)
 * channels: taps in pairs while 8 bytes can be read inside the row (`avail` pixels from s to
 * the row end), the rest one by one; the rows share the coefficient loads. */
AVX2_INLINE void hpixels(const uint8_t *s, size_t stride, const int32_t *k, int n, int avail,
                         const int ch, const int nrows, uint32_t out[2]) {
    __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
    const int pairs = ch == 4 ? n / 2 : (avail - 1) / 2 < n / 2 ? (avail - 1) / 2 : n / 2;
    int x = 0;
    for (int i = 0; i < pairs; i++, x += 2) {
        const __m256i kk = coeff_pair(k + x);
        __m256i p0, p1;
        load_pixel_pair(s, stride, x, ch, nrows, &p0, &p1);
        acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(p0, kk));
        if (nrows == 2) acc1 = _mm256_add_epi32(acc1, _mm256_mullo_epi32(p1, kk));
    }
    /* An odd last tap rides in the low half of one more pair (zero weight for the pixel after
     * it) when that pixel can be read, which keeps the slow one-tap loop for the row end. */
    if (x == n - 1 && x + (ch == 4 ? 2 : 3) <= avail) {
        const __m256i kk = _mm256_inserti128_si256(_mm256_setzero_si256(), _mm_set1_epi32(k[x]), 0);
        __m256i p0, p1;
        load_pixel_pair(s, stride, x, ch, nrows, &p0, &p1);
        acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(p0, kk));
        if (nrows == 2) acc1 = _mm256_add_epi32(acc1, _mm256_mullo_epi32(p1, kk));
        x++;
    }
    const __m128i half = _mm_set1_epi32(HALF);
    out[0] = clip4(_mm_add_epi32(htail(fold(acc0), s, k, x, n, ch), half));
    if (nrows == 2) out[1] = clip4(_mm_add_epi32(htail(fold(acc1), s + stride, k, x, n, ch), half));
}

AVX2_INLINE void hpass_rows(const img_pass *p, const int ch) {
    int y = 0;
    for (; y + 2 <= p->rows; y += 2) {
        const uint8_t *src = p->src + (size_t)y * p->src_stride;
        uint8_t *dst = p->dst + (size_t)y * p->dst_stride;
        for (int xx = 0; xx < p->out_len; xx++) {
            const int xmin = p->bounds[xx * 2], n = p->bounds[xx * 2 + 1];
            uint32_t v[2];
            hpixels(src + (size_t)xmin * ch, p->src_stride, p->k + (size_t)xx * p->ksize, n,
                    p->in_len - xmin, ch, 2, v);
            memcpy(dst + (size_t)xx * ch, &v[0], (size_t)ch);
            memcpy(dst + p->dst_stride + (size_t)xx * ch, &v[1], (size_t)ch);
        }
    }
    for (; y < p->rows; y++) {
        const uint8_t *src = p->src + (size_t)y * p->src_stride;
        uint8_t *dst = p->dst + (size_t)y * p->dst_stride;
        for (int xx = 0; xx < p->out_len; xx++) {
            const int xmin = p->bounds[xx * 2], n = p->bounds[xx * 2 + 1];
            uint32_t v[2];
            hpixels(src + (size_t)xmin * ch, p->src_stride, p->k + (size_t)xx * p->ksize, n,
                    p->in_len - xmin, ch, 1, v);
            memcpy(dst + (size_t)xx * ch, &v[0], (size_t)ch);
        }
    }
}

AVX2_TARGET int img_hpass_u8_avx2(const img_pass *p, int ch) {
    if (ch == 3)
        hpass_rows(p, 3);
    else if (ch == 4)
        hpass_rows(p, 4);
    else
        return -1;
    return 0;
}

/* Eight output samples of one output row, the taps running down the source rows. */
AVX2_INLINE __m256i vsum8(const uint8_t *col, size_t stride, const int32_t *k, int n) {
    __m256i acc = _mm256_set1_epi32(HALF);
    for (int t = 0; t < n; t++) {
        __m256i px = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(col + t * stride)));
        acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(px, _mm256_set1_epi32(k[t])));
    }
    return acc;
}

AVX2_INLINE void store8(uint8_t *dst, __m256i ss) {
    __m256i v = _mm256_srai_epi32(ss, IMG_PRECISION_BITS);
    __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64((__m128i *)dst, _mm_packus_epi16(w, w));
}

/* Vertical pass: `p->out_len` output rows of `p->row_bytes` samples each. */
AVX2_TARGET void img_vpass_u8_avx2(const img_pass *p) {
    const size_t nb = (size_t)p->row_bytes;
    for (int yy = 0; yy < p->out_len; yy++) {
        const int ymin = p->bounds[yy * 2], n = p->bounds[yy * 2 + 1];
        const int32_t *k = p->k + (size_t)yy * p->ksize;
        const uint8_t *src = p->src + (size_t)ymin * p->src_stride;
        uint8_t *dst = p->dst + (size_t)yy * p->dst_stride;
        size_t i = 0;
        for (; i + 8 <= nb; i += 8)
            store8(dst + i, vsum8(src + i, p->src_stride, k, n));
        for (; i < nb; i++) {
            int32_t ss = HALF;
            for (int t = 0; t < n; t++)
                ss += (int32_t)src[i + (size_t)t * p->src_stride] * k[t];
            dst[i] = ss < 0                             ? 0
                     : (ss >> IMG_PRECISION_BITS) > 255 ? 255
                                                        : (uint8_t)(ss >> IMG_PRECISION_BITS);
        }
    }
}

#else

int img_have_avx2(void) {
    return 0;
}
int img_hpass_u8_avx2(const img_pass *p, int ch) {
    (void)p;
    (void)ch;
    return -1;
}
void img_vpass_u8_avx2(const img_pass *p) {
    (void)p;
}

#endif
