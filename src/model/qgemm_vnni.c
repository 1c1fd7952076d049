/*
 * qgemm_vnni.c — the AVX512-VNNI int8 kernel: vpdpbusd multiplies u8 activations by s8 weights
 * four at a time and accumulates into int32 in one instruction (no intermediate saturation), so
 * its sums equal the scalar twin's exactly; the u8 zero point is taken out afterwards with the
 * weights' row sums. Micro-tile: 8 rows × 32 columns in 16 zmm accumulators. Compiled with a
 * target attribute; handed out only when the CPU reports avx512f and avx512vnni.
 */
#include <string.h>

#include "model/qgemm_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define VNNI_TARGET __attribute__((target("avx512f,avx512vnni")))
#define VNNI_MR 8

static void vnni_pack_w(const int8_t *q, size_t n, size_t k, size_t n_pad, size_t k_pad,
                        void *dst) {
    int8_t *out = dst;
    memset(out, 0, n_pad * k_pad);
    for (size_t row = 0; row < n; row++) {
        int8_t *sliver = out + (row / 16) * 16 * k_pad;
        for (size_t i = 0; i < k; i++)
            sliver[(i / 4) * 64 + (row % 16) * 4 + i % 4] = q[row * k + i];
    }
}

static void vnni_pack_a(const uint8_t *q, size_t rows, const int32_t *zero, size_t k_pad,
                        void *dst) {
    uint8_t *out = dst;
    size_t quads = k_pad / 4;
    for (size_t r = 0; r < VNNI_MR; r++) {
        for (size_t g = 0; g < quads; g++) {
            uint8_t *o = out + (g * VNNI_MR + r) * 4;
            if (r < rows)
                memcpy(o, q + r * k_pad + 4 * g, 4);
            else
                memset(o, 0, 4);
        }
    }
}

#define VNNI_ROW(r)                                                                          \
    do {                                                                                     \
        int32_t quad_;                                                                       \
        memcpy(&quad_, pa + 4 * (r), sizeof quad_);                                          \
        __m512i a_ = _mm512_set1_epi32(quad_);                                               \
        acc##r##0 = _mm512_dpbusd_epi32(acc##r##0, a_, b0);                                  \
        acc##r##1 = _mm512_dpbusd_epi32(acc##r##1, a_, b1);                                  \
    } while (0)

#define VNNI_STORE(r)                                                                        \
    do {                                                                                     \
        int32_t *c0_ = c + (r) * ldc, *c1_ = c + (r) * ldc + 16;                             \
        if (!first) {                                                                        \
            acc##r##0 = _mm512_add_epi32(acc##r##0, _mm512_loadu_si512(c0_));                \
            acc##r##1 = _mm512_add_epi32(acc##r##1, _mm512_loadu_si512(c1_));                \
        }                                                                                    \
        _mm512_storeu_si512(c0_, acc##r##0);                                                 \
        _mm512_storeu_si512(c1_, acc##r##1);                                                 \
    } while (0)

VNNI_TARGET static void vnni_micro(const void *a, const void *b, size_t b_stride, size_t kc,
                                   int32_t *c, size_t ldc, int first) {
    const uint8_t *pa = a;                  /* [k quad][row][4] */
    const uint8_t *pb0 = b, *pb1 = pb0 + b_stride; /* [k quad][16 columns][4] each */
    __m512i acc00 = _mm512_setzero_si512(), acc01 = acc00, acc10 = acc00, acc11 = acc00,
            acc20 = acc00, acc21 = acc00, acc30 = acc00, acc31 = acc00, acc40 = acc00,
            acc41 = acc00, acc50 = acc00, acc51 = acc00, acc60 = acc00, acc61 = acc00,
            acc70 = acc00, acc71 = acc00;
    for (size_t g = 0; g < kc / 4; g++) {
        __m512i b0 = _mm512_loadu_si512(pb0 + 64 * g), b1 = _mm512_loadu_si512(pb1 + 64 * g);
        VNNI_ROW(0);
        VNNI_ROW(1);
        VNNI_ROW(2);
        VNNI_ROW(3);
        VNNI_ROW(4);
        VNNI_ROW(5);
        VNNI_ROW(6);
        VNNI_ROW(7);
        pa += 4 * VNNI_MR;
    }
    VNNI_STORE(0);
    VNNI_STORE(1);
    VNNI_STORE(2);
    VNNI_STORE(3);
    VNNI_STORE(4);
    VNNI_STORE(5);
    VNNI_STORE(6);
    VNNI_STORE(7);
}

static const mdl_qkernel_ops vnni_ops = {
    .id = MDL_QKERNEL_AVX512VNNI,
    .name = "avx512vnni",
    .mr = VNNI_MR,
    .nr_slivers = 2,
    .k_group = 4,
    .elem = 1,
    .zero_shifted = 0,
    .pack_w = vnni_pack_w,
    .pack_a = vnni_pack_a,
    .micro = vnni_micro,
};

const mdl_qkernel_ops *mdl_qkernel_avx512vnni_ops(void) { return &vnni_ops; }

#else
const mdl_qkernel_ops *mdl_qkernel_avx512vnni_ops(void) { return NULL; }
#endif
