/*
 * qgemm_vnni.c — the AVX512-VNNI kernels. W8A8: vpdpbusd multiplies u8 activations by s8 weights
 * four at a time and accumulates into int32 in one instruction (no intermediate saturation); the
 * u8 zero point is taken out afterwards with the weights' row sums. W10A10: vpdpwssd does the
 * same for int16 pairs (q - zero times weights). Both sums equal the scalar twin's exactly.
 * Micro-tile: 8 rows × 32 columns in 16 zmm accumulators. Compiled with a target attribute;
 * handed out only when the CPU reports avx512f and avx512vnni.
 */
#include <string.h>

#include "model/qgemm_internal.h"

/* The few vector operations used, named once so tests can swap in plain-C stand-ins. */
#if defined(MDL_QGEMM_VNNI_EMULATE) /* tests/model/test_qgemm_vnni_emu.c */
#include "model/qgemm_vnni_emu.h"
typedef emu_m512i vnni_vec;
#define VNNI_TARGET
#define VNNI_OPS_FN mdl_qkernel_avx512vnni_emu_ops
#define VNNI_ZERO emu_setzero
#define VNNI_SET1 emu_set1_epi32
#define VNNI_LOAD emu_loadu
#define VNNI_STOREV emu_storeu
#define VNNI_ADD emu_add_epi32
#define VNNI_DPBUSD emu_dpbusd_epi32
#define VNNI_DPWSSD emu_dpwssd_epi32
#define VNNI_BUILD 1
#elif defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
typedef __m512i vnni_vec;
#define VNNI_TARGET __attribute__((target("avx512f,avx512vnni")))
#define VNNI_OPS_FN mdl_qkernel_avx512vnni_ops
#define VNNI_ZERO _mm512_setzero_si512
#define VNNI_SET1 _mm512_set1_epi32
#define VNNI_LOAD _mm512_loadu_si512
#define VNNI_STOREV _mm512_storeu_si512
#define VNNI_ADD _mm512_add_epi32
#define VNNI_DPBUSD _mm512_dpbusd_epi32
#define VNNI_DPWSSD _mm512_dpwssd_epi32
#define VNNI_BUILD 1
#endif

#ifdef VNNI_BUILD
#define VNNI_MR 8

static void vnni_pack_a(const uint16_t *q, size_t rows, const int32_t *zero, size_t k_pad,
                        void *dst) {
    (void)zero; /* u8 q as is: the zero point comes off later with the row sums */
    uint8_t *out = dst;
    for (size_t r = 0; r < VNNI_MR; r++)
        for (size_t i = 0; i < k_pad; i++)
            out[((i / 4) * VNNI_MR + r) * 4 + i % 4] = (uint8_t)(r < rows ? q[r * k_pad + i] : 0);
}

/* W10A10: the AVX2 layout (int16 pairs; weights packed by mdl_qgemm_pack_w_pairs16), 16
 * columns per zmm. */
static void vnni16_pack_a(const uint16_t *q, size_t rows, const int32_t *zero, size_t k_pad,
                          void *dst) {
    int16_t *out = dst;
    for (size_t r = 0; r < VNNI_MR; r++)
        for (size_t i = 0; i < k_pad; i++)
            out[((i / 2) * VNNI_MR + r) * 2 + i % 2] =
                (int16_t)(r < rows ? (int32_t)q[r * k_pad + i] - zero[r] : 0);
}

#define VNNI_ROW(r)                                                                          \
    do {                                                                                     \
        int32_t quad_;                                                                       \
        memcpy(&quad_, pa + 4 * (r), sizeof quad_);                                          \
        vnni_vec a_ = VNNI_SET1(quad_);                                               \
        acc##r##0 = VNNI_DPBUSD(acc##r##0, a_, b0);                                  \
        acc##r##1 = VNNI_DPBUSD(acc##r##1, a_, b1);                                  \
    } while (0)

#define VNNI_STORE(r)                                                                        \
    do {                                                                                     \
        int32_t *c0_ = c + (r) * ldc, *c1_ = c + (r) * ldc + 16;                             \
        if (!first) {                                                                        \
            acc##r##0 = VNNI_ADD(acc##r##0, VNNI_LOAD(c0_));                \
            acc##r##1 = VNNI_ADD(acc##r##1, VNNI_LOAD(c1_));                \
        }                                                                                    \
        VNNI_STOREV(c0_, acc##r##0);                                                 \
        VNNI_STOREV(c1_, acc##r##1);                                                 \
    } while (0)

VNNI_TARGET static void vnni_micro(const void *a, const void *b, size_t b_stride, size_t kc,
                                   int32_t *c, size_t ldc, int first) {
    const uint8_t *pa = a;                  /* [k quad][row][4] */
    const uint8_t *pb0 = b, *pb1 = pb0 + b_stride; /* [k quad][16 columns][4] each */
    vnni_vec acc00 = VNNI_ZERO(), acc01 = acc00, acc10 = acc00, acc11 = acc00,
            acc20 = acc00, acc21 = acc00, acc30 = acc00, acc31 = acc00, acc40 = acc00,
            acc41 = acc00, acc50 = acc00, acc51 = acc00, acc60 = acc00, acc61 = acc00,
            acc70 = acc00, acc71 = acc00;
    for (size_t g = 0; g < kc / 4; g++) {
        vnni_vec b0 = VNNI_LOAD(pb0 + 64 * g), b1 = VNNI_LOAD(pb1 + 64 * g);
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

#define VNNI16_ROW(r)                                                                        \
    do {                                                                                     \
        int32_t pair_;                                                                       \
        memcpy(&pair_, pa + 2 * (r), sizeof pair_);                                          \
        vnni_vec a_ = VNNI_SET1(pair_);                                               \
        acc##r##0 = VNNI_DPWSSD(acc##r##0, a_, b0);                                  \
        acc##r##1 = VNNI_DPWSSD(acc##r##1, a_, b1);                                  \
    } while (0)

VNNI_TARGET static void vnni16_micro(const void *a, const void *b, size_t b_stride, size_t kc,
                                     int32_t *c, size_t ldc, int first) {
    const int16_t *pa = a;                         /* [k pair][row][2] */
    const uint8_t *pb0 = b, *pb1 = pb0 + b_stride; /* [k pair][16 columns][2] int16 each */
    vnni_vec acc00 = VNNI_ZERO(), acc01 = acc00, acc10 = acc00, acc11 = acc00,
            acc20 = acc00, acc21 = acc00, acc30 = acc00, acc31 = acc00, acc40 = acc00,
            acc41 = acc00, acc50 = acc00, acc51 = acc00, acc60 = acc00, acc61 = acc00,
            acc70 = acc00, acc71 = acc00;
    for (size_t p = 0; p < kc / 2; p++) {
        vnni_vec b0 = VNNI_LOAD(pb0 + 64 * p), b1 = VNNI_LOAD(pb1 + 64 * p);
        VNNI16_ROW(0);
        VNNI16_ROW(1);
        VNNI16_ROW(2);
        VNNI16_ROW(3);
        VNNI16_ROW(4);
        VNNI16_ROW(5);
        VNNI16_ROW(6);
        VNNI16_ROW(7);
        pa += 2 * VNNI_MR;
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

static const mdl_qkernel_ops vnni_ops[MDL_QPREC_COUNT] = {
    {
        .id = MDL_QKERNEL_AVX512VNNI, .precision = MDL_QPREC_W10A10, .name = "avx512vnni",
        .mr = VNNI_MR, .nr_slivers = 2, .k_group = 2, .elem = 2, .zero_shifted = 1,
        .pack_w = mdl_qgemm_pack_w_pairs16, .pack_a = vnni16_pack_a, .micro = vnni16_micro,
    },
    {
        .id = MDL_QKERNEL_AVX512VNNI, .precision = MDL_QPREC_W8A8, .name = "avx512vnni",
        .mr = VNNI_MR, .nr_slivers = 2, .k_group = 4, .elem = 1, .zero_shifted = 0,
        .pack_w = mdl_qgemm_pack_w_quads8, .pack_a = vnni_pack_a, .micro = vnni_micro,
    },
    { /* the same u8 × s8 kernel: weights in [-64, 64] are s8 too */
        .id = MDL_QKERNEL_AVX512VNNI, .precision = MDL_QPREC_W8A8P, .name = "avx512vnni",
        .mr = VNNI_MR, .nr_slivers = 2, .k_group = 4, .elem = 1, .zero_shifted = 0,
        .pack_w = mdl_qgemm_pack_w_quads8, .pack_a = vnni_pack_a, .micro = vnni_micro,
    },
};

const mdl_qkernel_ops *VNNI_OPS_FN(mdl_qprecision precision) {
    return (unsigned)precision < MDL_QPREC_COUNT ? &vnni_ops[precision] : NULL;
}

#else
const mdl_qkernel_ops *mdl_qkernel_avx512vnni_ops(mdl_qprecision precision) {
    (void)precision;
    return NULL;
}
#endif
