/*
 * qgemm_scalar.c — the plain C twin of the int8 kernels: u8 activations times s8 weights summed
 * in int32, one element at a time. It is the reference the SIMD kernels are tested against and
 * the fallback on CPUs without AVX2.
 */
#include <string.h>

#include "model/qgemm_internal.h"

#define SCALAR_MR 4

static void scalar_pack_w(const int8_t *q, size_t n, size_t k, size_t n_pad, size_t k_pad,
                          void *dst) {
    int8_t *out = dst;
    memset(out, 0, n_pad * k_pad);
    for (size_t row = 0; row < n; row++) {
        int8_t *sliver = out + (row / 16) * 16 * k_pad;
        for (size_t i = 0; i < k; i++) sliver[i * 16 + row % 16] = q[row * k + i];
    }
}

static void scalar_pack_a(const uint8_t *q, size_t rows, const int32_t *zero, size_t k_pad,
                          void *dst) {
    uint8_t *out = dst;
    memset(out, 0, k_pad * SCALAR_MR);
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < k_pad; i++) out[i * SCALAR_MR + r] = q[r * k_pad + i];
}

static void scalar_micro(const void *a, const void *b, size_t b_stride, size_t kc, int32_t *c,
                         size_t ldc, int first) {
    const uint8_t *av = a;
    const int8_t *bv = b;
    for (size_t r = 0; r < SCALAR_MR; r++) {
        for (size_t col = 0; col < 16; col++) {
            int32_t sum = first ? 0 : c[r * ldc + col];
            for (size_t i = 0; i < kc; i++)
                sum += (int32_t)av[i * SCALAR_MR + r] * (int32_t)bv[i * 16 + col];
            c[r * ldc + col] = sum;
        }
    }
}

static const mdl_qkernel_ops scalar_ops = {
    .id = MDL_QKERNEL_SCALAR,
    .name = "scalar",
    .mr = SCALAR_MR,
    .nr_slivers = 1,
    .k_group = 1,
    .elem = 1,
    .zero_shifted = 0,
    .pack_w = scalar_pack_w,
    .pack_a = scalar_pack_a,
    .micro = scalar_micro,
};

const mdl_qkernel_ops *mdl_qkernel_scalar_ops(void) { return &scalar_ops; }
