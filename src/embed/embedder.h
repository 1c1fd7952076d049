/*
 * embedder.h — the embedder interface every backend implements (Jina's API, the local model).
 * A backend embeds `struct cdx_embedder` as its first member and fills `ops`; the public
 * functions in embedder.c check arguments, clear the outputs and dispatch through `ops`.
 */
#ifndef CDX_EMBED_EMBEDDER_H
#define CDX_EMBED_EMBEDDER_H

#include "clipdex.h"

typedef struct embed_ops {
    /* Same contracts as cdx_embed_texts / cdx_embed_images; n > 0, out/done/item_errs cleared
     * (done may not be NULL here: the dispatcher supplies scratch when the caller passed none). */
    int (*texts)(cdx_embedder *e, const char *const *texts, size_t n, float *out, uint8_t *done,
                 cdx_error *err);
    int (*images)(cdx_embedder *e, const cdx_blob *images, size_t n, const cdx_image_opts *opts,
                  float *out, uint8_t *done, cdx_error *item_errs, cdx_error *err);
    void (*destroy)(cdx_embedder *e);
} embed_ops;

struct cdx_embedder {
    const embed_ops *ops;
    const char *backend; /* static string: "jina", "local" */
    char model[64];      /* e.g. "jina-clip-v1" */
    size_t dim;
    uint64_t tokens; /* billed so far (remote backends) */
};

#endif
