/*
 * pool.c — the sleeping worker pool (see pool.h). A generation counter under one
 * mutex starts a run; workers wait on `start`, the caller waits on `done` until every worker has
 * finished the generation.
 */
#include "core/pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"

struct core_pool {
    int threads;       /* including the caller */
    int started;       /* worker threads actually created */
    pthread_t *tids;
    pthread_mutex_t lock;
    pthread_cond_t start, done;
    unsigned long generation;
    int pending;       /* workers still running the current generation */
    int quit;
    void (*fn)(void *, int);
    void *ctx;
};

typedef struct pool_worker_arg {
    core_pool *pool;
    int index;
} pool_worker_arg;

int core_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 1024 ? 1024 : (int)n);
}

static void *pool_worker_main(void *p) {
    pool_worker_arg *arg = p;
    core_pool *pool = arg->pool;
    int index = arg->index;
    free(arg);
    unsigned long seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->quit && pool->generation == seen) pthread_cond_wait(&pool->start, &pool->lock);
        if (pool->quit) break;
        seen = pool->generation;
        void (*fn)(void *, int) = pool->fn;
        void *ctx = pool->ctx;
        pthread_mutex_unlock(&pool->lock);
        fn(ctx, index);
        pthread_mutex_lock(&pool->lock);
        if (--pool->pending == 0) pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

static int pool_start_workers(core_pool *pool, cdx_error *err) {
    for (int i = 1; i < pool->threads; i++) {
        pool_worker_arg *arg = malloc(sizeof *arg);
        if (!arg) return cdx_fail(err, CDX_ENOMEM, "worker pool: out of memory");
        arg->pool = pool;
        arg->index = i;
        if (pthread_create(&pool->tids[i - 1], NULL, pool_worker_main, arg) != 0) {
            free(arg);
            return cdx_fail(err, CDX_ENOMEM, "worker pool: cannot start thread %d", i);
        }
        pool->started++;
    }
    return CDX_OK;
}

int core_pool_new(int threads, core_pool **out, cdx_error *err) {
    *out = NULL;
    if (threads <= 0) threads = core_cpu_count();
    if (threads > 1024) return cdx_fail(err, CDX_EINVAL, "worker pool: %d threads is too many", threads);
    core_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return cdx_fail(err, CDX_ENOMEM, "worker pool: out of memory");
    pool->threads = threads;
    pool->tids = calloc((size_t)threads, sizeof *pool->tids);
    if (!pool->tids) {
        free(pool);
        return cdx_fail(err, CDX_ENOMEM, "worker pool: out of memory");
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->start, NULL);
    pthread_cond_init(&pool->done, NULL);
    int rc = pool_start_workers(pool, err);
    if (rc != CDX_OK) {
        core_pool_free(pool);
        return rc;
    }
    *out = pool;
    return CDX_OK;
}

void core_pool_free(core_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->start);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->started; i++) pthread_join(pool->tids[i], NULL);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->start);
    pthread_mutex_destroy(&pool->lock);
    free(pool->tids);
    free(pool);
}

int core_pool_threads(const core_pool *pool) { return pool->threads; }

void core_pool_run(core_pool *pool, void (*fn)(void *ctx, int thread), void *ctx) {
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->pending = pool->started;
    pool->generation++;
    pthread_cond_broadcast(&pool->start);
    pthread_mutex_unlock(&pool->lock);

    fn(ctx, 0);

    pthread_mutex_lock(&pool->lock);
    while (pool->pending > 0) pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}
