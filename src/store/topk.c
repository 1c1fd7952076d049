/*
 * topk.c — the k-bounded max-heap behind exact top-k search (see topk.h for the ordering).
 */
#include "store/topk.h"

#include <stdlib.h>

#include "core/error.h"

int store_topk_init(store_topk *t, size_t k, cdx_error *err) {
    t->k = k;
    t->len = 0;
    t->heap = NULL;
    if (k == 0) return CDX_OK;
    if (k > SIZE_MAX / sizeof(store_hit)) return cdx_fail(err, CDX_EINVAL, "top-k: k too large");
    t->heap = malloc(k * sizeof(store_hit));
    if (!t->heap) return cdx_fail(err, CDX_ENOMEM, "top-k: cannot allocate %zu hits", k);
    return CDX_OK;
}

void store_topk_free(store_topk *t) {
    free(t->heap);
    t->heap = NULL;
    t->len = t->k = 0;
}

static int topk_worse(const store_hit *a, const store_hit *b) {
    return store_hit_before(b->distance, b->row, a->distance, a->row);
}

static void topk_sift_down(store_hit *h, size_t len, size_t i) {
    store_hit v = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= len) break;
        if (c + 1 < len && topk_worse(&h[c + 1], &h[c])) c++;
        if (!topk_worse(&h[c], &v)) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = v;
}

static void topk_sift_up(store_hit *h, size_t i) {
    store_hit v = h[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!topk_worse(&v, &h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = v;
}

void store_topk_push(store_topk *t, float distance, uint64_t row) {
    if (t->len < t->k) {
        t->heap[t->len] = (store_hit){row, distance};
        topk_sift_up(t->heap, t->len++);
    } else if (t->k > 0 &&
               store_hit_before(distance, row, t->heap[0].distance, t->heap[0].row)) {
        t->heap[0] = (store_hit){row, distance};
        topk_sift_down(t->heap, t->len, 0);
    }
}

void store_topk_merge(store_topk *dst, const store_topk *src) {
    for (size_t i = 0; i < src->len; i++)
        store_topk_push(dst, src->heap[i].distance, src->heap[i].row);
}

size_t store_topk_take_sorted(store_topk *t, store_hit *out) {
    size_t n = t->len;
    /* Pop the worst hit into the last free slot until the heap is empty. */
    while (t->len > 0) {
        out[t->len - 1] = t->heap[0];
        t->heap[0] = t->heap[--t->len];
        topk_sift_down(t->heap, t->len, 0);
    }
    return n;
}
