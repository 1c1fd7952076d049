/*
 * qgemm_avx2.c — the AVX2 integer kernel, for both precisions. Activations are stored as int16
 * (q - zero, |·| ≤ 1023) and weights as int16 (|·| ≤ 511), both in k pairs, so one vpmaddwd forms
 * 8 columns × 2 products exactly (no vpmaddubsw int16 saturation), and the precisions' k limits
 * keep |sum| < 2^31. Micro-tile: 6 rows × 16 columns in 12 ymm accumulators (inline assembly:
 * see avx2_micro).
 * Compiled with a target attribute; handed out only when the CPU reports avx2.
 */
#include <string.h>

#include "model/qgemm_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include "model/qgemm_avx2_tile.h"

#define AVX2_TARGET __attribute__((target("avx2")))
#define AVX2_MR QGEMM_AVX2_MR

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

/* The inner loop is written in assembly: with 12 accumulators, two weight vectors, the
 * broadcast and a product in flight it needs all 16 ymm registers, and both gcc and clang spill
 * accumulators to the stack when given the intrinsics (gcc 12: 44 GMAC/s per core on Zen 3; this
 * loop: ~70, of a 94 vpmaddwd peak). The integer operations are the same, so are the sums.
 * The macro arguments are pasted into assembler text (stringified), not C expressions. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define AVX2_ASM_ROW(r, aoff)                                                                \
    "vpbroadcastd " #aoff "(%[pa]), %%ymm14\n\t"                                             \
    "vpmaddwd %%ymm12, %%ymm14, %%ymm15\n\t"                                                 \
    "vpaddd %%ymm15, %[c" #r "0], %[c" #r "0]\n\t"                                           \
    "vpmaddwd %%ymm13, %%ymm14, %%ymm15\n\t"                                                 \
    "vpaddd %%ymm15, %[c" #r "1], %[c" #r "1]\n\t"

/* One k pair: load its two weight vectors (16 columns), then the six rows. */
#define AVX2_ASM_PAIR(aoff, boff)                                                            \
    "vmovdqu " #boff "(%[pb]), %%ymm12\n\t"                                                  \
    "vmovdqu " #boff "+32(%[pb]), %%ymm13\n\t"                                               \
    AVX2_ASM_ROW(0, aoff) AVX2_ASM_ROW(1, aoff + 4) AVX2_ASM_ROW(2, aoff + 8)               \
    AVX2_ASM_ROW(3, aoff + 12) AVX2_ASM_ROW(4, aoff + 16) AVX2_ASM_ROW(5, aoff + 20)
// NOLINTEND(bugprone-macro-parentheses)

AVX2_TARGET static void avx2_micro(const void *a, const void *b, size_t b_stride, size_t kc,
                                   int32_t *c, size_t ldc, int first) {
    (void)b_stride; /* one sliver per call */
    const int16_t *pa = a; /* [k pair][row][2] */
    const int16_t *pb = b; /* [k pair][16 columns][2] */
    QGEMM_AVX2_TILE_DECLARE;
    size_t quads = kc / 4; /* two k pairs per iteration */
    if (quads)
        __asm__ volatile("1:\n\t" AVX2_ASM_PAIR(0, 0) AVX2_ASM_PAIR(24, 64)
                         QGEMM_AVX2_LOOP_END(48, 128)
                         : QGEMM_AVX2_TILE_OPERANDS(pa, pb, quads)
                         :
                         : "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
    QGEMM_AVX2_TILE_STORE(c, ldc, first);
}

#define AVX2_OPS(prec)                                                                       \
    {                                                                                        \
        .id = MDL_QKERNEL_AVX2, .precision = (prec), .name = "avx2", .mr = AVX2_MR,          \
        .nr_slivers = 1, .k_group = 2, .elem = 2, .zero_shifted = 1,                         \
        .pack_w = mdl_qgemm_pack_w_pairs16, .pack_a = avx2_pack_a, .micro = avx2_micro,      \
    }

/* W8A8P has its own u8×s8 kernel (qgemm_u8s8_avx2.c); the int16 one serves the others. */
static const mdl_qkernel_ops avx2_ops[] = {AVX2_OPS(MDL_QPREC_W10A10), AVX2_OPS(MDL_QPREC_W8A8)};

const mdl_qkernel_ops *mdl_qkernel_avx2_ops(mdl_qprecision precision) {
    if (precision == MDL_QPREC_W8A8P) return mdl_qkernel_avx2_u8s8_ops();
    return (unsigned)precision < sizeof avx2_ops / sizeof avx2_ops[0] ? &avx2_ops[precision]
                                                                      : NULL;
}

#else
const mdl_qkernel_ops *mdl_qkernel_avx2_ops(mdl_qprecision precision) {
    (void)precision;
    return NULL;
}
#endif
