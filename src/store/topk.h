/*
 * topk.h — bounded selection of the k nearest rows. A max-heap of k hits keeps the worst kept
 * hit at the root, so each candidate costs one comparison unless it enters. Hits are ordered by
 * (distance, row) — ties go to the smaller row id — which makes the result independent of
 * how rows were split between threads.
 */
#ifndef CDX_STORE_TOPK_H
#define CDX_STORE_TOPK_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

typedef struct store_hit {
    uint64_t row;
    float distance;
} store_hit;

typedef struct store_topk {
    store_hit *heap; /* heap[0] is the worst kept hit */
    size_t k, len;
} store_topk;

/* Nonzero when a ranks before b: smaller distance, then smaller row. */
static inline int store_hit_before(float da, uint64_t ra, float db, uint64_t rb) {
    return da < db || (da == db && ra < rb);
}

/* Allocates room for k hits (k may be 0). */
int store_topk_init(store_topk *t, size_t k, cdx_error *err);
void store_topk_free(store_topk *t);

/* Offers one hit; NaN distances must be filtered by the caller. */
void store_topk_push(store_topk *t, float distance, uint64_t row);

/* Offers every hit of src to dst. */
void store_topk_merge(store_topk *dst, const store_topk *src);

/* Writes the kept hits to out in ascending order and returns their count; empties t. */
size_t store_topk_take_sorted(store_topk *t, store_hit *out);

#endif
