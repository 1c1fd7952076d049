/*
 * qgemm_internal.h — what the integer GEMM driver (qgemm.c) asks of each kernel. All layouts are
 * k-major inside a tile so a K block is a plain pointer offset:
 *   activations: tiles of `mr` rows, element (k, r) at [k / g][r][k % g] (g = k_group);
 *   weights: slivers of 16 output rows, element (n, k) at [n / 16][k / g][n % 16][k % g].
 * The int16 kernels store activations q - zero, so their sums need no correction; the u8×s8
 * kernels (VNNI's W8A8/W8A8P, AVX2's W8A8P) store u8 q and take zero · row_sum off afterwards.
 * Either way the corrected sums agree.
 */
#ifndef CDX_MODEL_QGEMM_INTERNAL_H
#define CDX_MODEL_QGEMM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "model/qgemm.h"

typedef struct mdl_qkernel_ops {
    mdl_qkernel id;
    mdl_qprecision precision;
    const char *name;
    size_t mr;           /* activation rows per tile */
    size_t nr_slivers;   /* 16-column slivers one micro-kernel call covers */
    size_t k_group;      /* consecutive k values stored together (2 for int16 pairs, 4 for quads) */
    size_t elem;         /* bytes per stored element (activations and weights alike) */
    int zero_shifted;    /* activations hold q - zero (no row-sum correction) */
    /* Packs rows of `q` (row-major [n][k] quantised weights) into the weight layout, zero
     * padding to [n_pad][k_pad]. */
    void (*pack_w)(const int16_t *q, size_t n, size_t k, size_t n_pad, size_t k_pad, void *dst);
    /* Packs `rows` (≤ mr) rows of quantised activations (row r at q + r * k_pad, zero point
     * zero[r]) into one tile; missing rows are zero. */
    void (*pack_a)(const uint16_t *q, size_t rows, const int32_t *zero, size_t k_pad, void *dst);
    /* c[mr × 16·nr_slivers] (row stride ldc) = (first ? 0 : c) + A tile · B slivers over kc
     * values of k (a multiple of 4); b_stride is the byte distance between two slivers. */
    void (*micro)(const void *a, const void *b, size_t b_stride, size_t kc, int32_t *c,
                  size_t ldc, int first);
} mdl_qkernel_ops;

/* v rounded up to a multiple of `to`. */
static inline size_t mdl_qgemm_round_up(size_t v, size_t to) { return (v + to - 1) / to * to; }

/* The top activation level of a precision (activations are quantised to 0..levels). */
int32_t mdl_qgemm_a_levels(mdl_qprecision precision);

/* The per-row steps around the product, AVX2 versions (identical results to the scalar ones in
 * qgemm.c; call them only on a CPU with AVX2). Quantising to 0..levels returns 0 for a row with a
 * NaN or infinity. Dequantising writes y[j] = (float)(c[j] - zero·row_sum[j]) · (a_scale ·
 * w_scale[j]) (+ bias[j]); row_sum and bias may be NULL. */
int mdl_qgemm_quantise_row_avx2(const float *x, size_t k, size_t k_pad, int32_t levels,
                                uint16_t *q, float *scale, int32_t *zero);
/* Symmetric weight row quantisation as qgemm.c's scalar version does it (max |w|, one multiply,
 * round-half-even, clamp to ±w_max), for finite w; identical results. */
void mdl_qgemm_quantise_weight_row_avx2(const float *w, size_t k, int32_t w_max, int16_t *q,
                                        float *scale, int32_t *sum);
/* q[i] = clamp(round-half-even(w[i] · inv), ±w_max); returns the sum of q. */
int32_t mdl_qgemm_round_row_avx2(const float *w, size_t k, float inv, int32_t w_max, int16_t *q);
/* W8A8P's row statistics: max |w| and the largest same-signed part of a k pair (2j, 2j+1); the
 * scalar loops' values exactly (maxima of the same sums). */
void mdl_qgemm_pair_maxes_avx2(const float *w, size_t k, float *amax, float *pmax);
/* Whether any pair (2j, 2j+1) of the 16 values at q has |q[2j]| + |q[2j+1]| > budget. */
int mdl_qgemm_heavy_pairs16_avx2(const int16_t *q, int32_t budget);
void mdl_qgemm_dequant_row_avx2(const int32_t *c, size_t cols, int32_t zero,
                                const int32_t *row_sum, float a_scale, const float *w_scale,
                                const float *bias, float *y);

/* A kernel's ops for one precision, or NULL when this build has no such kernel for this
 * architecture. */
/* Packs int16 weights q[n][k] as the AVX2 and VNNI int16 kernels read them: slivers of 16 rows,
 * k in pairs ([k/2][16 rows][2]), zero-padded to n_pad x k_pad. */
void mdl_qgemm_pack_w_pairs16(const int16_t *q, size_t n, size_t k, size_t n_pad, size_t k_pad,
                              void *dst);
/* Packs int8-range weights q[n][k] as the u8×s8 kernels (AVX2 W8A8P, VNNI W8A8/W8A8P) read them:
 * slivers of 16 rows, k in quads ([k/4][16 rows][4] int8), zero-padded to n_pad x k_pad. */
void mdl_qgemm_pack_w_quads8(const int16_t *q, size_t n, size_t k, size_t n_pad, size_t k_pad,
                             void *dst);
const mdl_qkernel_ops *mdl_qkernel_scalar_ops(mdl_qprecision precision);
const mdl_qkernel_ops *mdl_qkernel_avx2_ops(mdl_qprecision precision);
const mdl_qkernel_ops *mdl_qkernel_avx512vnni_ops(mdl_qprecision precision);
/* The AVX2 W8A8P kernel (qgemm_u8s8_avx2.c); mdl_qkernel_avx2_ops hands it out for W8A8P. */
const mdl_qkernel_ops *mdl_qkernel_avx2_u8s8_ops(void);

/* Prepares qw for exactly these ops (the tests use it to run kernels the CPU check would refuse,
 * e.g. the VNNI kernels on emulated intrinsics). */
int mdl_qweight_prepare_ops(const float *w, size_t n, size_t k, const mdl_qkernel_ops *ops,
                            mdl_qweight *qw, cdx_error *err);

#endif
