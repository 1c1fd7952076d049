/*
 * jina_window.c — encodes a window of inputs ahead of the request being built: images are
 * thumbnailed, PNG-encoded and base64'd in parallel on the embedder's thread pool, and the
 * caller's thread (thread 0) calls a tick between its items so transfers in flight move on.
 */
#include "embed/jina.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

typedef struct window_run {
    jina_window *w;
    const jina_inputs *in;
    size_t first;
    atomic_size_t next;
    int *rcs;
    cdx_error *errs;
    void (*tick)(void *ctx);
    void *ctx;
} window_run;

int jina_window_init(jina_window *w, size_t cap, cdx_error *err) {
    memset(w, 0, sizeof *w);
    w->items = calloc(cap, sizeof *w->items);
    w->rcs = calloc(cap, sizeof *w->rcs);
    w->errs = calloc(cap, sizeof *w->errs);
    w->cap = cap;
    if (!w->items || !w->rcs || !w->errs) {
        jina_window_free(w);
        return cdx_fail(err, CDX_ENOMEM, "jina: out of memory");
    }
    return CDX_OK;
}

void jina_window_free(jina_window *w) {
    for (size_t i = w->head; w->items && i < w->count; i++)
        free(w->items[i].json);
    free(w->items);
    free(w->rcs);
    free(w->errs);
    memset(w, 0, sizeof *w);
}

static void window_thread(void *ctx, int thread) {
    window_run *r = ctx;
    for (;;) {
        size_t k = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
        if (k >= r->w->count) break;
        r->rcs[k] = jina_item_encode(r->in, r->first + k, &r->w->items[k], &r->errs[k]);
        if (thread == 0 && r->tick) r->tick(r->ctx);
    }
}

int jina_window_fill(jina_window *w, const jina_inputs *in, size_t first, size_t count,
                     core_pool *pool, void (*tick)(void *ctx), void *ctx, cdx_error *err) {
    for (size_t i = w->head; i < w->count; i++)
        free(w->items[i].json);
    if (count > w->cap) count = w->cap;
    memset(w->items, 0, count * sizeof *w->items);
    w->head = 0;
    w->count = count;
    window_run r = {
        .w = w, .in = in, .first = first, .rcs = w->rcs, .errs = w->errs, .tick = tick, .ctx = ctx};
    atomic_init(&r.next, 0);
    if (pool && in->images && count > 1)
        core_pool_run(pool, window_thread, &r);
    else
        window_thread(&r, 0);
    for (size_t k = 0; k < count; k++)
        if (w->rcs[k] != CDX_OK) {
            if (err) *err = w->errs[k];
            return w->rcs[k];
        }
    return CDX_OK;
}
