/*
 * kernels.h — the tensor operations both towers are made of. Matrix products go through
 * OpenBLAS (single-threaded per call; our sleeping pool splits the work, so OpenBLAS's own
 * threads never spin against it). The element-wise and row kernels exist per SIMD level (scalar,
 * AVX2+FMA) behind one table; the scalar twin is the reference the SIMD level is tested against.
 */
#ifndef CDX_MODEL_KERNELS_H
#define CDX_MODEL_KERNELS_H

#include <stddef.h>

#include "clipdex.h"

/* ---- Execution context: the thread pool the model runs on ---------------------------------- */

typedef struct mdl_exec mdl_exec;

/* A context running on `threads` threads (<= 0: one per online CPU). Also pins OpenBLAS to one
 * thread per call (process-wide) so only our pool, which sleeps when idle, runs in parallel. */
int mdl_exec_new(int threads, mdl_exec **out, cdx_error *err);
void mdl_exec_free(mdl_exec *ex);
int mdl_exec_threads(const mdl_exec *ex);

struct core_pool;
/* The pool under `ex` (for mdl_qlinear), or NULL when ex is NULL. */
struct core_pool *mdl_exec_pool(mdl_exec *ex);

/* A buffer of at least `bytes` (64-byte aligned) owned by ex and kept between calls, so a hot
 * path does not fault in fresh pages on every call; NULL while another caller holds it (or
 * without memory): the caller then allocates its own. Give it back with mdl_exec_scratch_give. */
void *mdl_exec_scratch_take(mdl_exec *ex, size_t bytes);
void mdl_exec_scratch_give(mdl_exec *ex, void *p);

/* Calls fn(ctx, begin, end) on disjoint ranges covering [0, n) (rounded to multiples of
 * `grain`, except the last), spread over the pool's threads; returns when all are done. */
void mdl_exec_parallel(mdl_exec *ex, size_t n, size_t grain,
                       void (*fn)(void *ctx, size_t begin, size_t end), void *ctx);

/* ---- Matrix products (OpenBLAS sgemm, row-major) -------------------------------------------- */

/* y[m,n] = x[m,k] · w[n,k]ᵀ (+ bias[n] when non-NULL): PyTorch's Linear layout. The pool splits
 * the n output columns. */
void mdl_linear(mdl_exec *ex, const float *x, size_t m, size_t k, const float *w, size_t n,
                const float *bias, float *y);

/* mdl_linear with row strides: x rows `ldx` floats apart, y rows `ldy` apart. */
void mdl_linear_ld(mdl_exec *ex, const float *x, size_t ldx, size_t m, size_t k, const float *w,
                   size_t n, const float *bias, float *y, size_t ldy);

/* c = alpha · a[m,k] · b[n,k]ᵀ + beta · c, with leading dimensions; on the calling thread. */
void mdl_gemm_nt(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                 const float *b, size_t ldb, float beta, float *c, size_t ldc);

/* c = alpha · a[m,k] · b[k,n] + beta · c, with leading dimensions; on the calling thread. */
void mdl_gemm_nn(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                 const float *b, size_t ldb, float beta, float *c, size_t ldc);

/* ---- Row and element-wise kernels ------------------------------------------------------------ */

typedef struct mdl_kernels {
    const char *name;
    /* y = (x - mean) / sqrt(var + eps) * g + b per row of `dim` (biased variance); y may be x. */
    void (*layer_norm)(const float *x, float *y, size_t rows, size_t dim, const float *g,
                       const float *b, float eps);
    /* In-place softmax over each row of `cols`. */
    void (*softmax_rows)(float *x, size_t rows, size_t cols);
    /* x = 0.5 x (1 + erf(x / sqrt 2)) (exact-erf GELU). */
    void (*gelu)(float *x, size_t n);
    /* a = gelu(a) * b (GEGLU). */
    void (*gelu_mul)(float *a, const float *b, size_t n);
    /* x = x * sigmoid(x). */
    void (*silu)(float *x, size_t n);
    /* a = silu(a) * b (SwiGLU). */
    void (*silu_mul)(float *a, const float *b, size_t n);
    /* y[r, :] += bias for each of `rows` rows of n. */
    void (*add_bias)(float *y, size_t rows, size_t n, const float *bias);
    /* y += x. */
    void (*add)(float *y, const float *x, size_t n);
    /* Each row divided by max(L2 norm, 1e-12) (F.normalize). */
    void (*l2_normalize)(float *x, size_t rows, size_t dim);
} mdl_kernels;

/* The scalar reference twin (always available). */
const mdl_kernels *mdl_kernels_scalar(void);
/* AVX2+FMA kernels, or NULL when the CPU or the build lacks them. */
const mdl_kernels *mdl_kernels_avx2(void);
/* The fastest level this CPU runs (CDX_MODEL_SIMD=scalar in the environment forces scalar). */
const mdl_kernels *mdl_kernels_best(void);

#endif
