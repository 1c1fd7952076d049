/*
 * qgemm_avx2.c — the AVX2 integer kernel, for both precisions. Activations are stored as int16
 * (q - zero, |·| ≤ 1023) and weights as int16 (|·| ≤ 511), both in k pairs, so one vpmaddwd forms
 * 8 columns × 2 products exactly (no vpmaddubsw int16 saturation), and the precisions' k limits
 * keep |sum| < 2^31. Micro-tile: 6 rows × 16 columns in 12 ymm accumulators.
 * Compiled with a target attribute; handed out only when the CPU reports avx2.
 */
#include <string.h>

#include "model/qgemm_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define AVX2_TARGET __attribute__((target("avx2")))
#define AVX2_MR 6

static void avx2_pack_a(const uint16_t *q, size_t rows, const int32_t *zero, size_t k_pad,
                        void *dst) {
    int16_t *out = dst;
    size_t pairs = k_pad / 2;
    for (size_t r = 0; r < AVX2_MR; r++) {
        if (r >= rows) {
            for (size_t p = 0; p < pairs; p++)
                out[p * 2 * AVX2_MR + 2 * r] = out[p * 2 * AVX2_MR + 2 * r + 1] = 0;
            continue;
        }
        const uint16_t *src = q + r * k_pad;
        int32_t z = zero[r];
        for (size_t p = 0; p < pairs; p++) {
            out[p * 2 * AVX2_MR + 2 * r] = (int16_t)(src[2 * p] - z);
            out[p * 2 * AVX2_MR + 2 * r + 1] = (int16_t)(src[2 * p + 1] - z);
        }
    }
}

/* One row of the tile: broadcast its k pair, multiply-add against both weight vectors. */
#define AVX2_ROW(r)                                                                          \
    do {                                                                                     \
        int32_t pair_;                                                                       \
        memcpy(&pair_, pa + 2 * (r), sizeof pair_);                                          \
        __m256i a_ = _mm256_set1_epi32(pair_);                                               \
        acc##r##0 = _mm256_add_epi32(acc##r##0, _mm256_madd_epi16(a_, b0));                  \
        acc##r##1 = _mm256_add_epi32(acc##r##1, _mm256_madd_epi16(a_, b1));                  \
    } while (0)

#define AVX2_STORE(r)                                                                        \
    do {                                                                                     \
        __m256i *c0_ = (__m256i *)(c + (r) * ldc), *c1_ = (__m256i *)(c + (r) * ldc + 8);    \
        if (!first) {                                                                        \
            acc##r##0 = _mm256_add_epi32(acc##r##0, _mm256_loadu_si256(c0_));                \
            acc##r##1 = _mm256_add_epi32(acc##r##1, _mm256_loadu_si256(c1_));                \
        }                                                                                    \
        _mm256_storeu_si256(c0_, acc##r##0);                                                 \
        _mm256_storeu_si256(c1_, acc##r##1);                                                 \
    } while (0)

AVX2_TARGET static void avx2_micro(const void *a, const void *b, size_t b_stride, size_t kc,
                                   int32_t *c, size_t ldc, int first) {
    (void)b_stride; /* one sliver per call */
    const int16_t *pa = a; /* [k pair][row][2] */
    const __m256i *pb = b; /* two vectors (16 columns) per k pair */
    __m256i acc00 = _mm256_setzero_si256(), acc01 = acc00, acc10 = acc00, acc11 = acc00,
            acc20 = acc00, acc21 = acc00, acc30 = acc00, acc31 = acc00, acc40 = acc00,
            acc41 = acc00, acc50 = acc00, acc51 = acc00;
    for (size_t p = 0; p < kc / 2; p++) {
        __m256i b0 = _mm256_loadu_si256(pb), b1 = _mm256_loadu_si256(pb + 1);
        AVX2_ROW(0);
        AVX2_ROW(1);
        AVX2_ROW(2);
        AVX2_ROW(3);
        AVX2_ROW(4);
        AVX2_ROW(5);
        pa += 2 * AVX2_MR;
        pb += 2;
    }
    AVX2_STORE(0);
    AVX2_STORE(1);
    AVX2_STORE(2);
    AVX2_STORE(3);
    AVX2_STORE(4);
    AVX2_STORE(5);
}

#define AVX2_OPS(prec)                                                                       \
    {                                                                                        \
        .id = MDL_QKERNEL_AVX2, .precision = (prec), .name = "avx2", .mr = AVX2_MR,          \
        .nr_slivers = 1, .k_group = 2, .elem = 2, .zero_shifted = 1,                         \
        .pack_w = mdl_qgemm_pack_w_pairs16, .pack_a = avx2_pack_a, .micro = avx2_micro,      \
    }

static const mdl_qkernel_ops avx2_ops[MDL_QPREC_COUNT] = {AVX2_OPS(MDL_QPREC_W10A10),
                                                          AVX2_OPS(MDL_QPREC_W8A8)};

const mdl_qkernel_ops *mdl_qkernel_avx2_ops(mdl_qprecision precision) {
    return (unsigned)precision < MDL_QPREC_COUNT ? &avx2_ops[precision] : NULL;
}

#else
const mdl_qkernel_ops *mdl_qkernel_avx2_ops(mdl_qprecision precision) {
    (void)precision;
    return NULL;
}
#endif
