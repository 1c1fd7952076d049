/*
 * qgemm.h — the reduced-precision linear layer y = x·Wᵀ + b. Weights are quantised once to
 * integers (symmetric, one scale per output row), activations per call (asymmetric, one scale and
 * zero point per row of x); the product runs in integers with exact int32 accumulation and is
 * scaled back to float. Two precisions: W10A10 (|w| ≤ 511, 1024 activation levels; the default,
 * cosine ≥ 0.999 end to end) and W8A8 (|w| ≤ 127, 256 levels; int8 as ONNX Runtime does it, but
 * per row). Kernels: a scalar twin (the reference), AVX2 (vpmaddwd), AVX512-VNNI (vpdpwssd for
 * W10A10, vpdpbusd for W8A8), chosen at run time; all give the same int32 sums, hence the same
 * floats bit for bit.
 */
#ifndef CDX_MODEL_QGEMM_H
#define CDX_MODEL_QGEMM_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"
#include "core/pool.h"

typedef enum mdl_qkernel {
    MDL_QKERNEL_SCALAR = 0,
    MDL_QKERNEL_AVX2 = 1,       /* AVX2: u8-zero-point-shifted int16 × int16 pairs (vpmaddwd) */
    MDL_QKERNEL_AVX512VNNI = 2, /* AVX512F + AVX512-VNNI: u8 × s8 quads (vpdpbusd) */
    MDL_QKERNEL_COUNT
} mdl_qkernel;

typedef enum mdl_qprecision {
    MDL_QPREC_W10A10 = 0, /* weights in [-511, 511], activations 0..1023 (k ≤ 4096) */
    MDL_QPREC_W8A8 = 1,   /* weights in [-127, 127], activations 0..255 (k ≤ 65536) */
    MDL_QPREC_W8A8P = 2,  /* W8A8 with a pair budget: weights in [-127, 127] whose same-signed
                           * parts of each k pair (2j, 2j+1) add to ≤ 128, activations 0..255
                           * (k ≤ 65536): a u8×s8 pair sum then fits int16 (255·128 = 32640),
                           * so AVX2's vpmaddubsw is exact (see qgemm.c) */
    MDL_QPREC_COUNT
} mdl_qprecision;

/* A prepared weight matrix: integer values packed in the layout of one kernel, plus scales. */
struct mdl_qkernel_ops;

typedef struct mdl_qweight {
    const struct mdl_qkernel_ops *ops; /* the kernel that packed it (qgemm_internal.h) */
    mdl_qkernel kernel;
    mdl_qprecision precision;
    size_t n, k;         /* logical shape of W: n output rows of k inputs */
    size_t n_pad, k_pad; /* packed shape (n_pad multiple of 32, k_pad multiple of 4) */
    float *scale;        /* [n] dequantisation scale of each output row (max|W_row| / w_max) */
    int32_t *row_sum;    /* [n_pad] sum of each row's integers (zero-point correction) */
    void *packed;        /* the kernel's layout (see qgemm_internal.h) */
    size_t packed_bytes;
} mdl_qweight;

/* Reusable scratch for mdl_qlinear (quantised activations, per-thread int32 tiles); zero-initialise
 * it, pass it to any number of calls, release it with mdl_qworkspace_free. A prepared weight is
 * read-only during calls, so concurrent calls may share it, each with its own workspace. */
typedef struct mdl_qworkspace {
    void *mem;
    size_t cap;
} mdl_qworkspace;

/* The kernel's name ("scalar", "avx2", "avx512vnni"). */
const char *mdl_qkernel_name(mdl_qkernel kernel);

/* Whether this CPU (and build) can run `kernel`. */
int mdl_qkernel_supported(mdl_qkernel kernel);

/* The kernel mdl_qweight_prepare uses: $CDX_QGEMM_KERNEL (scalar|avx2|avx512vnni) when set and
 * supported, else the widest one this CPU supports. */
mdl_qkernel mdl_qkernel_default(void);

/* The precision's name ("w10a10", "w8a8"). */
const char *mdl_qprecision_name(mdl_qprecision precision);

/* The precision mdl_qweight_prepare uses: $CDX_QGEMM_PRECISION (w10a10|w8a8) when set, else
 * W10A10. */
mdl_qprecision mdl_qprecision_default(void);

/* Quantises W ([n × k] row-major fp32, as PyTorch's nn.Linear stores it) for the default kernel
 * and precision. Fails with CDX_EINVAL on an empty or too large shape (see mdl_qprecision for k)
 * or a non-finite weight. The caller releases qw with mdl_qweight_free. */
int mdl_qweight_prepare(const float *w, size_t n, size_t k, mdl_qweight *qw, cdx_error *err);

/* Same, for a named kernel and precision (CDX_EUNSUPPORTED when this CPU lacks the kernel). */
int mdl_qweight_prepare_with(const float *w, size_t n, size_t k, mdl_qkernel kernel,
                             mdl_qprecision precision, mdl_qweight *qw, cdx_error *err);

void mdl_qweight_free(mdl_qweight *qw);

void mdl_qworkspace_free(mdl_qworkspace *ws);

/* y[m × n] = x[m × k] · Wᵀ + bias (bias may be NULL), with qw's n and k. `pool` may be NULL
 * (one thread); `ws` may be NULL (scratch allocated for this call). Rows of x are quantised
 * independently, so a row's result does not depend on the other rows in the batch. */
int mdl_qlinear(const float *x, size_t m, size_t k, const mdl_qweight *qw, const float *bias,
                float *y, core_pool *pool, mdl_qworkspace *ws, cdx_error *err);

/* mdl_qlinear reading rows of x `ldx` (≥ k) floats apart (e.g. the first half of wider rows). */
int mdl_qlinear_ld(const float *x, size_t ldx, size_t m, size_t k, const mdl_qweight *qw,
                   const float *bias, float *y, core_pool *pool, mdl_qworkspace *ws,
                   cdx_error *err);

/* Up to this many products share one mdl_qlinear_many call. */
#define MDL_QLINEAR_MAX_PRODUCTS 4

/* One product of a group that shares its input: y[m × qw->n] = x · qwᵀ + bias (may be NULL). */
typedef struct mdl_qproduct {
    const mdl_qweight *qw;
    const float *bias;
    float *y;
} mdl_qproduct;

/* mdl_qlinear for `count` (1..MDL_QLINEAR_MAX_PRODUCTS) products of the same x: x is quantised
 * once and every product's panels share one pass over the pool (e.g. attention's q, k, v). The
 * weights must have this k and one kernel and precision. Each output is bit-identical to its own
 * mdl_qlinear call. */
int mdl_qlinear_many(const float *x, size_t m, size_t k, const mdl_qproduct *prods, size_t count,
                     core_pool *pool, mdl_qworkspace *ws, cdx_error *err);

/* The corrected int32 sums Σ (q_x - zero_x)·q_w before scaling ([m × n]); for the tests that
 * hold each kernel to the scalar twin. */
int mdl_qlinear_int32(const float *x, size_t m, size_t k, const mdl_qweight *qw, int32_t *acc,
                      core_pool *pool, mdl_qworkspace *ws, cdx_error *err);

#endif
