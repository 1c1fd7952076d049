/*
 * qgemm_avx2_tile.h — what the two AVX2 integer micro-kernels (qgemm_avx2.c: int16 pairs,
 * qgemm_u8s8_avx2.c: u8×s8 quads) share: a 6 × 16 int32 tile in 12 ymm accumulators named
 * c<row><half>, the operand list of their inline-assembly loops, and the tile's store. Include
 * only from files compiled for x86-64 with GCC or clang.
 */
#ifndef CDX_MODEL_QGEMM_AVX2_TILE_H
#define CDX_MODEL_QGEMM_AVX2_TILE_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define QGEMM_AVX2_MR 6

/* Declares the 12 zeroed accumulators c00 … c51. */
#define QGEMM_AVX2_TILE_DECLARE                                                              \
    __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00,        \
            c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00

/* The output operands of a loop over `n` steps reading `pa` and `pb`: the pointers, the count
 * and the accumulators, by name ([c00] … [c51]) for the assembler text. */
#define QGEMM_AVX2_TILE_OPERANDS(a_ptr, b_ptr, count)                                        \
    [pa] "+r"(a_ptr), [pb] "+r"(b_ptr), [n] "+r"(count), [c00] "+x"(c00), [c01] "+x"(c01),             \
        [c10] "+x"(c10), [c11] "+x"(c11), [c20] "+x"(c20), [c21] "+x"(c21), [c30] "+x"(c30), \
        [c31] "+x"(c31), [c40] "+x"(c40), [c41] "+x"(c41), [c50] "+x"(c50), [c51] "+x"(c51)

/* The end of one loop step: advance %[pa] and %[pb] by these byte counts (literal numbers, pasted
 * into the assembler text), count %[n] down, loop back to label 1. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define QGEMM_AVX2_LOOP_END(a_bytes, b_bytes)                                                \
    "add $" #a_bytes ", %[pa]\n\t"                                                           \
    "add $" #b_bytes ", %[pb]\n\t"                                                           \
    "dec %[n]\n\t"                                                                           \
    "jnz 1b\n\t"
// NOLINTEND(bugprone-macro-parentheses)

/* c[r · ldc + j] = (first ? 0 : c[r · ldc + j]) + the tile, row r in acc[2r] (columns 0..7) and
 * acc[2r + 1] (8..15). */
__attribute__((target("avx2"))) static inline void qgemm_avx2_store_tile(const __m256i *acc,
                                                                          int32_t *c, size_t ldc,
                                                                          int first) {
    for (size_t i = 0; i < 2 * QGEMM_AVX2_MR; i++) {
        int32_t *dst = c + (i / 2) * ldc + (i % 2) * 8;
        __m256i v = acc[i];
        if (!first) v = _mm256_add_epi32(v, _mm256_loadu_si256((const __m256i *)dst));
        _mm256_storeu_si256((__m256i *)dst, v);
    }
}

/* Stores the accumulators declared by QGEMM_AVX2_TILE_DECLARE. */
#define QGEMM_AVX2_TILE_STORE(c, ldc, first)                                                 \
    do {                                                                                     \
        const __m256i tile_[2 * QGEMM_AVX2_MR] = {c00, c01, c10, c11, c20, c21,              \
                                                  c30, c31, c40, c41, c50, c51};             \
        qgemm_avx2_store_tile(tile_, (c), (ldc), (first));                                   \
    } while (0)

#endif
