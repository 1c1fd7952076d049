/*
 * kernels.c — the execution context (our sleeping pool; OpenBLAS kept to one thread per call so
 * its spinning workers never compete with ours on small machines), the sgemm wrappers, and the
 * run-time choice of the SIMD level.
 */
#include "model/kernels.h"

#include <cblas.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/pool.h"

struct mdl_exec {
    core_pool *pool;
    int threads;
    atomic_flag scratch_busy; /* set while a caller holds `scratch` */
    void *scratch;
    size_t scratch_cap;
};

int mdl_exec_new(int threads, mdl_exec **out, cdx_error *err) {
    *out = NULL;
    mdl_exec *ex = calloc(1, sizeof *ex);
    if (!ex) return cdx_fail(err, CDX_ENOMEM, "model: out of memory");
    atomic_flag_clear(&ex->scratch_busy);
    int rc = core_pool_new(threads, &ex->pool, err);
    if (rc) {
        free(ex);
        return rc;
    }
    ex->threads = core_pool_threads(ex->pool);
    /* Each sgemm call runs on the thread that makes it; parallelism is ours. */
    openblas_set_num_threads(1);
    *out = ex;
    return CDX_OK;
}

void mdl_exec_free(mdl_exec *ex) {
    if (!ex) return;
    core_pool_free(ex->pool);
    free(ex->scratch);
    free(ex);
}

void *mdl_exec_scratch_take(mdl_exec *ex, size_t bytes) {
    if (!ex || atomic_flag_test_and_set(&ex->scratch_busy)) return NULL;
    if (ex->scratch_cap < bytes) {
        size_t cap = (bytes + 63) / 64 * 64;
        free(ex->scratch);
        ex->scratch = aligned_alloc(64, cap);
        ex->scratch_cap = ex->scratch ? cap : 0;
    }
    if (!ex->scratch) atomic_flag_clear(&ex->scratch_busy);
    return ex->scratch;
}

void mdl_exec_scratch_give(mdl_exec *ex, void *p) {
    if (ex && p && p == ex->scratch) atomic_flag_clear(&ex->scratch_busy);
}

int mdl_exec_threads(const mdl_exec *ex) { return ex->threads; }

core_pool *mdl_exec_pool(mdl_exec *ex) { return ex ? ex->pool : NULL; }

typedef struct exec_job {
    size_t n, grain;
    int parts;
    void (*fn)(void *ctx, size_t begin, size_t end);
    void *ctx;
} exec_job;

static void exec_part(void *p, int thread) {
    const exec_job *job = p;
    if (thread >= job->parts) return;
    size_t units = (job->n + job->grain - 1) / job->grain;
    size_t u0 = units * (size_t)thread / (size_t)job->parts;
    size_t u1 = units * (size_t)(thread + 1) / (size_t)job->parts;
    size_t begin = u0 * job->grain, end = u1 * job->grain;
    if (end > job->n) end = job->n;
    if (begin < end) job->fn(job->ctx, begin, end);
}

void mdl_exec_parallel(mdl_exec *ex, size_t n, size_t grain,
                       void (*fn)(void *ctx, size_t begin, size_t end), void *ctx) {
    if (grain == 0) grain = 1;
    size_t units = (n + grain - 1) / grain;
    int parts = ex ? ex->threads : 1;
    if ((size_t)parts > units) parts = (int)units;
    if (parts <= 1) {
        if (n) fn(ctx, 0, n);
        return;
    }
    exec_job job = {n, grain, parts, fn, ctx};
    core_pool_run(ex->pool, exec_part, &job);
}

void mdl_gemm_nt(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                 const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    if (m == 0 || n == 0) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, alpha, a,
                (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

void mdl_gemm_nn(size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                 const float *b, size_t ldb, float beta, float *c, size_t ldc) {
    if (m == 0 || n == 0) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, alpha, a,
                (int)lda, b, (int)ldb, beta, c, (int)ldc);
}

typedef struct linear_job {
    const float *x, *w, *bias;
    float *y;
    size_t ldx, ldy, m, k, n;
} linear_job;

static void linear_cols(void *p, size_t begin, size_t end) {
    const linear_job *j = p;
    size_t cols = end - begin;
    float beta = 0.0f;
    if (j->bias) {
        for (size_t r = 0; r < j->m; r++)
            memcpy(j->y + r * j->ldy + begin, j->bias + begin, cols * sizeof(float));
        beta = 1.0f;
    }
    mdl_gemm_nt(j->m, cols, j->k, 1.0f, j->x, j->ldx, j->w + begin * j->k, j->k, beta,
                j->y + begin, j->ldy);
}

void mdl_linear(mdl_exec *ex, const float *x, size_t m, size_t k, const float *w, size_t n,
                const float *bias, float *y) {
    mdl_linear_ld(ex, x, k, m, k, w, n, bias, y, n);
}

void mdl_linear_ld(mdl_exec *ex, const float *x, size_t ldx, size_t m, size_t k, const float *w,
                   size_t n, const float *bias, float *y, size_t ldy) {
    linear_job job = {x, w, bias, y, ldx, ldy, m, k, n};
    /* 64-column grains keep each thread's slice a whole number of sgemm panels */
    mdl_exec_parallel(ex, n, 64, linear_cols, &job);
}

const mdl_kernels *mdl_kernels_best(void) {
    const char *force = getenv("CDX_MODEL_SIMD");
    if (force && strcmp(force, "scalar") == 0) return mdl_kernels_scalar();
    const mdl_kernels *k = mdl_kernels_avx2();
    return k ? k : mdl_kernels_scalar();
}
