/*
 * pool.h — a small fixed pool of threads (scans, search, model kernels). Idle workers sleep on a condition
 * variable (no spinning: on a 2-core machine a spinning pool halves throughput). A run calls one
 * function once per thread, the caller's thread included; the function shares out the work
 * itself (e.g. an atomic chunk counter).
 */
#ifndef CDX_CORE_POOL_H
#define CDX_CORE_POOL_H

#include "clipdex.h"

typedef struct core_pool core_pool;

/* Creates a pool of `threads` threads in all (threads - 1 workers plus the caller); threads <= 0
 * means one per online CPU. Free it with core_pool_free. */
int core_pool_new(int threads, core_pool **out, cdx_error *err);

void core_pool_free(core_pool *pool);

/* Total threads a run uses, the caller's included. */
int core_pool_threads(const core_pool *pool);

/* Calls fn(ctx, i) for i = 0 .. threads-1, i = 0 on the caller's thread, and returns when all
 * calls have returned. One run at a time per pool. */
void core_pool_run(core_pool *pool, void (*fn)(void *ctx, int thread), void *ctx);

/* Number of online CPUs (at least 1). */
int core_cpu_count(void);

#endif
