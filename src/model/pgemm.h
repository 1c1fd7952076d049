/*
 * pgemm.h — fp32 linear layers on pre-packed weights: y[m,n] = x[m,k] · Wᵀ + bias with W in
 * PyTorch's [n,k] layout, packed once into column panels of MDL_PGEMM_NR outputs × k so the
 * product never re-packs the weights (OpenBLAS re-packs them on every call, which dominates at
 * the text tower's ~128 rows). The pool splits the panels, so each thread streams its own part
 * of the weights. The micro-kernel exists per SIMD level (scalar twin, AVX2+FMA).
 */
#ifndef CDX_MODEL_PGEMM_H
#define CDX_MODEL_PGEMM_H

#include <stddef.h>

#include "clipdex.h"
#include "model/kernels.h"

/* Output columns per panel (two AVX2 vectors). */
#define MDL_PGEMM_NR 16

/* A packed weight: panel p holds W[p*NR + j][kk] at panels[(p*k + kk)*NR + j], zero-padded. */
typedef struct mdl_pweight {
    float *panels; /* 64-byte aligned; NULL for an empty matrix */
    size_t n, k, n_pad;
} mdl_pweight;

/* Rows per micro-tile the kernels handle at most. */
#define MDL_PGEMM_MR 6

/* c[r][0..16) = (init ? init[0..16) : c[r][0..16)) + Σ_kk a[kk*MR + r] · b[kk*16 + 0..16)
 * for r < mr (1..6), kk < kc: `a` is a tile of x packed k-major (6 floats per k, rows past mr
 * unread), b a 32-byte aligned panel slice. */
typedef void (*mdl_pgemm_kernel)(size_t mr, size_t kc, const float *a, const float *b, float *c,
                                 size_t ldc, const float *init);

mdl_pgemm_kernel mdl_pgemm_kernel_scalar(void);
/* The AVX2+FMA kernel, or NULL when the CPU or the build lacks it. */
mdl_pgemm_kernel mdl_pgemm_kernel_avx2(void);
/* The fastest kernel this CPU runs (CDX_MODEL_SIMD=scalar forces the scalar twin). */
mdl_pgemm_kernel mdl_pgemm_kernel_best(void);

/* Packs w[n][k] into `out` (free with mdl_pweight_free). CDX_ENOMEM / CDX_EINVAL on overflow. */
int mdl_pweight_pack(const float *w, size_t n, size_t k, mdl_pweight *out, cdx_error *err);

void mdl_pweight_free(mdl_pweight *pw);

/* Bytes held by a packed weight. */
size_t mdl_pweight_bytes(const mdl_pweight *pw);

/* y[r*ldy + c] = Σ x[r*ldx + kk] · W[c][kk] + bias[c] (bias may be NULL) for r < m, c < n, over
 * the pool of `ex` (NULL: the calling thread), with the best kernel. */
void mdl_plinear(mdl_exec *ex, const float *x, size_t ldx, size_t m, const mdl_pweight *pw,
                 const float *bias, float *y, size_t ldy);

/* mdl_plinear with a given kernel (for tests and benches). */
void mdl_plinear_with(mdl_exec *ex, mdl_pgemm_kernel kernel, const float *x, size_t ldx, size_t m,
                      const mdl_pweight *pw, const float *bias, float *y, size_t ldy);

#endif
