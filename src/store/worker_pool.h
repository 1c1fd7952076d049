/*
 * worker_pool.h — a small fixed pool of threads for scans. Idle workers sleep on a condition
 * variable (no spinning: on a 2-core machine a spinning pool halves throughput). A run calls one
 * function once per thread, the caller's thread included; the function shares out the work
 * itself (e.g. an atomic chunk counter).
 */
#ifndef CDX_STORE_WORKER_POOL_H
#define CDX_STORE_WORKER_POOL_H

#include "clipdex.h"

typedef struct store_pool store_pool;

/* Creates a pool of `threads` threads in all (threads - 1 workers plus the caller); threads <= 0
 * means one per online CPU. Free it with store_pool_free. */
int store_pool_new(int threads, store_pool **out, cdx_error *err);

void store_pool_free(store_pool *pool);

/* Total threads a run uses, the caller's included. */
int store_pool_threads(const store_pool *pool);

/* Calls fn(ctx, i) for i = 0 .. threads-1, i = 0 on the caller's thread, and returns when all
 * calls have returned. One run at a time per pool. */
void store_pool_run(store_pool *pool, void (*fn)(void *ctx, int thread), void *ctx);

/* Number of online CPUs (at least 1). */
int store_cpu_count(void);

#endif
