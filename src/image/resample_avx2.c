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
#define HALF (1 << (IMG_PRECISION_BITS - 1))

int img_have_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

/* Pillow's clip8 on four sums: negative -> 0, else >> 22 saturated at 255. */
AVX2_TARGET static inline uint32_t clip4(__m128i ss) {
    __m128i v = _mm_srai_epi32(ss, IMG_PRECISION_BITS);
    v = _mm_packs_epi32(v, v);
    v = _mm_packus_epi16(v, v);
    return (uint32_t)_mm_cvtsi128_si32(v);
}

/* Two adjacent 3-byte pixels from 8 loadable bytes, widened to 2 x 4 int32 lanes (4th = 0). */
AVX2_TARGET static inline __m256i rgb_pair(const uint8_t *p) {
    const __m128i shuf = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    return _mm256_cvtepu8_epi32(_mm_shuffle_epi8(_mm_loadl_epi64((const __m128i *)p), shuf));
}

/* Coefficients k[0] x 4 lanes then k[1] x 4 lanes. */
AVX2_TARGET static inline __m256i coeff_pair(const int32_t *k) {
    const __m256i idx = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
    return _mm256_permutevar8x32_epi32(
        _mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *)k)), idx);
}

/* One output pixel of `ch` (3 or 4) channels: taps in pairs while 8 bytes can be read inside
 * the row (`avail` pixels from s to the row end), the rest one by one. */
AVX2_TARGET static inline uint32_t hpixel(const uint8_t *s, const int32_t *k, int n, int avail,
                                          const int ch) {
    __m256i acc = _mm256_setzero_si256();
    int x = 0;
    if (ch == 4) {
        for (; x + 2 <= n; x += 2) {
            __m256i p = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(s + x * 4)));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(p, coeff_pair(k + x)));
        }
    } else {
        for (; x + 2 <= n && x + 3 <= avail; x += 2)
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(rgb_pair(s + x * 3), coeff_pair(k + x)));
    }
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    for (; x < n; x++) {
        uint32_t px = 0;
        memcpy(&px, s + x * ch, (size_t)ch);
        __m128i p = _mm_cvtepu8_epi32(_mm_cvtsi32_si128((int)px));
        sum = _mm_add_epi32(sum, _mm_mullo_epi32(p, _mm_set1_epi32(k[x])));
    }
    return clip4(_mm_add_epi32(sum, _mm_set1_epi32(HALF)));
}

AVX2_TARGET static inline void hpass_rows(const img_pass *p, const int ch) {
    for (int y = 0; y < p->rows; y++) {
        const uint8_t *src = p->src + (size_t)y * p->src_stride;
        uint8_t *dst = p->dst + (size_t)y * p->dst_stride;
        for (int xx = 0; xx < p->out_len; xx++) {
            const int xmin = p->bounds[xx * 2], n = p->bounds[xx * 2 + 1];
            const uint32_t v = hpixel(src + (size_t)xmin * ch, p->k + (size_t)xx * p->ksize, n,
                                      p->in_len - xmin, ch);
            memcpy(dst + (size_t)xx * ch, &v, (size_t)ch);
        }
    }
}

AVX2_TARGET int img_hpass_u8_avx2(const img_pass *p, int ch) {
    if (ch == 3) hpass_rows(p, 3);
    else if (ch == 4) hpass_rows(p, 4);
    else return -1;
    return 0;
}

/* Eight output samples of one output row, the taps running down the source rows. */
AVX2_TARGET static inline __m256i vsum8(const uint8_t *col, size_t stride, const int32_t *k,
                                        int n) {
    __m256i acc = _mm256_set1_epi32(HALF);
    for (int t = 0; t < n; t++) {
        __m256i px = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(col + t * stride)));
        acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(px, _mm256_set1_epi32(k[t])));
    }
    return acc;
}

AVX2_TARGET static inline void store8(uint8_t *dst, __m256i ss) {
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
        for (; i + 8 <= nb; i += 8) store8(dst + i, vsum8(src + i, p->src_stride, k, n));
        for (; i < nb; i++) {
            int32_t ss = HALF;
            for (int t = 0; t < n; t++) ss += (int32_t)src[i + (size_t)t * p->src_stride] * k[t];
            dst[i] = ss < 0 ? 0 : (ss >> IMG_PRECISION_BITS) > 255 ? 255
                                                                   : (uint8_t)(ss >> IMG_PRECISION_BITS);
        }
    }
}

#else

int img_have_avx2(void) { return 0; }
int img_hpass_u8_avx2(const img_pass *p, int ch) {
    (void)p;
    (void)ch;
    return -1;
}
void img_vpass_u8_avx2(const img_pass *p) { (void)p; }

#endif
