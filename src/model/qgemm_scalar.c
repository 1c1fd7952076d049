/*
 * qgemm_scalar.c — the plain C twin of the integer kernels: activations (q - zero) times weights,
 * both held as int16, summed in int32 one product at a time. It is the reference the SIMD kernels
 * are tested against and the fallback on CPUs without AVX2; one layout serves both precisions.
 */
#include <string.h>

#include "model/qgemm_internal.h"

#define SCALAR_MR 4

static void scalar_pack_w(const int16_t *q, size_t n, size_t k, size_t n_pad, size_t k_pad,
                          void *dst) {
    int16_t *out = dst;
    memset(out, 0, n_pad * k_pad * sizeof *out);
    for (size_t row = 0; row < n; row++) {
        int16_t *sliver = out + (row / 16) * 16 * k_pad;
        for (size_t i = 0; i < k; i++) sliver[i * 16 + row % 16] = q[row * k + i];
    }
}

static void scalar_pack_a(const uint16_t *q, size_t rows, const int32_t *zero, size_t k_pad,
                          void *dst) {
    int16_t *out = dst;
    memset(out, 0, k_pad * SCALAR_MR * sizeof *out);
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < k_pad; i++)
            out[i * SCALAR_MR + r] = (int16_t)((int32_t)q[r * k_pad + i] - zero[r]);
}

static void scalar_micro(const void *a, const void *b, size_t b_stride, size_t kc, int32_t *c,
                         size_t ldc, int first) {
    (void)b_stride; /* one sliver per call */
    const int16_t *av = a, *bv = b;
    for (size_t r = 0; r < SCALAR_MR; r++) {
        for (size_t col = 0; col < 16; col++) {
            int32_t sum = first ? 0 : c[r * ldc + col];
            for (size_t i = 0; i < kc; i++)
                sum += (int32_t)av[i * SCALAR_MR + r] * (int32_t)bv[i * 16 + col];
            c[r * ldc + col] = sum;
        }
    }
}

#define SCALAR_OPS(prec)                                                                     \
    {                                                                                        \
        .id = MDL_QKERNEL_SCALAR, .precision = (prec), .name = "scalar", .mr = SCALAR_MR,    \
        .nr_slivers = 1, .k_group = 1, .elem = 2, .zero_shifted = 1,                         \
        .pack_w = scalar_pack_w, .pack_a = scalar_pack_a, .micro = scalar_micro,             \
    }

static const mdl_qkernel_ops scalar_ops[MDL_QPREC_COUNT] = {
    SCALAR_OPS(MDL_QPREC_W10A10), SCALAR_OPS(MDL_QPREC_W8A8), SCALAR_OPS(MDL_QPREC_W8A8P)};

const mdl_qkernel_ops *mdl_qkernel_scalar_ops(mdl_qprecision precision) {
    return (unsigned)precision < MDL_QPREC_COUNT ? &scalar_ops[precision] : NULL;
}
