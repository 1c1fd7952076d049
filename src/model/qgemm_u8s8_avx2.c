/*
 * qgemm_u8s8_avx2.c — the AVX2 kernel of the W8A8P precision: u8 activations (the quantised q,
 * zero point taken off afterwards with the weights' row sums) times s8 weights, four k at a time.
 * vpmaddubsw multiplies 32 byte pairs and adds neighbours into int16, which saturates for any
 * 8-bit weights (255 · 127 · 2 > 32767) — ONNX Runtime's AVX2 u8s8 kernel accepts that loss; here
 * the W8A8P weights keep the same-signed parts of every k pair within 128 (qgemm.c), so a pair
 * sum is within ±255 · 128 = ±32640 and every int16 is exact, and vpmaddwd with ones widens the
 * two pairs of a quad into the int32 sums. Three vector operations per 32 products against the int16 kernel's
 * four per 32 (vpmaddwd + vpaddd per 16): ~1.35x the int16 kernel's rate on Zen 3.
 * Micro-tile: 6 rows × 16 columns in 12 ymm accumulators; the weights are memory operands, so the
 * loop needs only the ones vector, the broadcast and two products besides (inline assembly, as
 * in qgemm_avx2.c, so no compiler spills an accumulator).
 * Compiled with a target attribute; handed out only when the CPU reports avx2.
 */
#include <string.h>

#include "model/qgemm_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include "model/qgemm_avx2_tile.h"

#define U8_TARGET __attribute__((target("avx2")))
#define U8_MR QGEMM_AVX2_MR

/* u8 q as is (the zero point comes off with the row sums), [k quad][row][4]; missing rows 0.
 * q ≤ 255, so packing the uint16 values to bytes with unsigned saturation is exact. */
U8_TARGET static void u8_pack_a(const uint16_t *q, size_t rows, const int32_t *zero,
                                size_t k_pad, void *dst) {
    (void)zero;
    uint8_t *out = dst;
    size_t quads = k_pad / 4;
    if (rows < U8_MR) memset(out, 0, quads * U8_MR * 4);
    for (size_t r = 0; r < rows; r++) {
        const uint16_t *src = q + r * k_pad;
        size_t g = 0;
        for (; g + 4 <= quads; g += 4) { /* 16 values: four quads */
            __m128i lo = _mm_loadu_si128((const __m128i *)(src + 4 * g));
            __m128i hi = _mm_loadu_si128((const __m128i *)(src + 4 * g + 8));
            __m128i b = _mm_packus_epi16(lo, hi);
            for (size_t i = 0; i < 4; i++) {
                int32_t quad = _mm_cvtsi128_si32(b);
                memcpy(out + ((g + i) * U8_MR + r) * 4, &quad, 4);
                b = _mm_srli_si128(b, 4);
            }
        }
        for (; g < quads; g++)
            for (size_t i = 0; i < 4; i++) out[(g * U8_MR + r) * 4 + i] = (uint8_t)src[4 * g + i];
    }
}

/* One row of one quad: broadcast its 4 activation bytes, multiply by both weight vectors (16
 * columns × 4 k), widen, accumulate. The macro arguments are pasted into assembler text. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define U8_ASM_ROW(r, aoff)                                                                  \
    "vpbroadcastd " #aoff "(%[pa]), %%ymm14\n\t"                                             \
    "vpmaddubsw (%[pb]), %%ymm14, %%ymm15\n\t"                                               \
    "vpmaddubsw 32(%[pb]), %%ymm14, %%ymm13\n\t"                                             \
    "vpmaddwd %%ymm12, %%ymm15, %%ymm15\n\t"                                                 \
    "vpmaddwd %%ymm12, %%ymm13, %%ymm13\n\t"                                                 \
    "vpaddd %%ymm15, %[c" #r "0], %[c" #r "0]\n\t"                                           \
    "vpaddd %%ymm13, %[c" #r "1], %[c" #r "1]\n\t"
// NOLINTEND(bugprone-macro-parentheses)

U8_TARGET static void u8_micro(const void *a, const void *b, size_t b_stride, size_t kc,
                               int32_t *c, size_t ldc, int first) {
    (void)b_stride; /* one sliver per call */
    const uint8_t *pa = a; /* [k quad][row][4] */
    const int8_t *pb = b;  /* [k quad][16 columns][4] */
    QGEMM_AVX2_TILE_DECLARE;
    size_t quads = kc / 4;
    if (quads)
        __asm__ volatile("vpcmpeqw %%ymm12, %%ymm12, %%ymm12\n\t"
                         "vpsrlw $15, %%ymm12, %%ymm12\n\t" /* int16 ones */
                         "1:\n\t" U8_ASM_ROW(0, 0) U8_ASM_ROW(1, 4) U8_ASM_ROW(2, 8)
                             U8_ASM_ROW(3, 12) U8_ASM_ROW(4, 16) U8_ASM_ROW(5, 20)
                         QGEMM_AVX2_LOOP_END(24, 64)
                         : QGEMM_AVX2_TILE_OPERANDS(pa, pb, quads)
                         :
                         : "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
    QGEMM_AVX2_TILE_STORE(c, ldc, first);
}

static const mdl_qkernel_ops u8s8_ops = {
    .id = MDL_QKERNEL_AVX2, .precision = MDL_QPREC_W8A8P, .name = "avx2", .mr = U8_MR,
    .nr_slivers = 1, .k_group = 4, .elem = 1, .zero_shifted = 0,
    .pack_w = mdl_qgemm_pack_w_quads8, .pack_a = u8_pack_a, .micro = u8_micro,
};

const mdl_qkernel_ops *mdl_qkernel_avx2_u8s8_ops(void) { return &u8s8_ops; }

#else
const mdl_qkernel_ops *mdl_qkernel_avx2_u8s8_ops(void) { return NULL; }
#endif
