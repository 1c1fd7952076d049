/*
 * qgemm.h — the reduced-precision linear layer y = x·Wᵀ + b. Weights are quantised once to int8
 * (symmetric, one scale per output row), activations per call to u8 (asymmetric, one scale and
 * zero point per row of x); the product runs in integers with int32 accumulation and is scaled
 * back to float. Kernels: a scalar twin (the reference), AVX2 (vpmaddwd), AVX512-VNNI (vpdpbusd),
 * chosen at run time; every kernel gives the same int32 sums, hence bit-identical floats.
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

/* A prepared weight matrix: int8 values packed in the layout of one kernel, plus scales. */
typedef struct mdl_qweight {
    mdl_qkernel kernel;
    size_t n, k;         /* logical shape of W: n output rows of k inputs */
    size_t n_pad, k_pad; /* packed shape (n_pad multiple of 32, k_pad multiple of 4) */
    float *scale;        /* [n] dequantisation scale of each output row (max|W_row| / 127) */
    int32_t *row_sum;    /* [n_pad] sum of each row's int8 values (u8 zero-point correction) */
    void *packed;        /* the kernel's layout (see qgemm_internal.h) */
    size_t packed_bytes;
} mdl_qweight;

/* Reusable scratch for mdl_qlinear (quantised activations, per-thread int32 tiles); zero-initialise
 * it, pass it to any number of calls, release it with mdl_qworkspace_free. */
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

/* Quantises W ([n × k] row-major fp32, as PyTorch's nn.Linear stores it) for the default kernel.
 * Fails with CDX_EINVAL on an empty or too large shape (k ≤ 65536) or a non-finite weight. The
 * caller releases qw with mdl_qweight_free. */
int mdl_qweight_prepare(const float *w, size_t n, size_t k, mdl_qweight *qw, cdx_error *err);

/* Same, for one named kernel (CDX_EUNSUPPORTED when this CPU lacks it). */
int mdl_qweight_prepare_kernel(const float *w, size_t n, size_t k, mdl_qkernel kernel,
                               mdl_qweight *qw, cdx_error *err);

void mdl_qweight_free(mdl_qweight *qw);

void mdl_qworkspace_free(mdl_qworkspace *ws);

/* y[m × n] = x[m × k] · Wᵀ + bias (bias may be NULL), with qw's n and k. `pool` may be NULL
 * (one thread); `ws` may be NULL (scratch allocated for this call). Rows of x are quantised
 * independently, so a row's result does not depend on the other rows in the batch. */
int mdl_qlinear(const float *x, size_t m, size_t k, const mdl_qweight *qw, const float *bias,
                float *y, core_pool *pool, mdl_qworkspace *ws, cdx_error *err);

/* The corrected int32 sums Σ (q_x - zero_x)·q_w before scaling ([m × n]); for the tests that
 * hold each kernel to the scalar twin. */
int mdl_qlinear_int32(const float *x, size_t m, size_t k, const mdl_qweight *qw, int32_t *acc,
                      core_pool *pool, mdl_qworkspace *ws, cdx_error *err);

#endif
