/*
 * embedder.c — the public embedder calls: argument checks, output clearing, dispatch to the
 * backend's ops (see embedder.h).
 */
#include "embed/embedder.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

void cdx_embedder_free(cdx_embedder *e) {
    if (e) e->ops->destroy(e);
}

const char *cdx_embedder_model(const cdx_embedder *e) { return e->model; }
const char *cdx_embedder_backend(const cdx_embedder *e) { return e->backend; }
size_t cdx_embedder_dim(const cdx_embedder *e) { return e->dim; }
uint64_t cdx_embedder_tokens(const cdx_embedder *e) { return e->tokens; }

/* Checks the common arguments and clears the outputs; *scratch gets a done array when the
 * caller passed none (free it after the call). */
static int embed_prepare(const cdx_embedder *e, size_t n, float *out, uint8_t **done,
                         uint8_t **scratch, cdx_error *err) {
    *scratch = NULL;
    if (!e || !out) return cdx_fail(err, CDX_EINVAL, "embed: no embedder or output buffer");
    if (n > SIZE_MAX / sizeof(float) / (e->dim ? e->dim : 1))
        return cdx_fail(err, CDX_ETOOLARGE, "embed: %zu inputs overflow the output size", n);
    memset(out, 0, n * e->dim * sizeof(float));
    if (!*done) {
        *scratch = malloc(n);
        if (!*scratch) return cdx_fail(err, CDX_ENOMEM, "embed: out of memory");
        *done = *scratch;
    }
    memset(*done, 0, n);
    return CDX_OK;
}

int cdx_embed_texts(cdx_embedder *e, const char *const *texts, size_t n, float *out, uint8_t *done,
                    cdx_error *err) {
    if (n == 0) return CDX_OK;
    if (!texts) return cdx_fail(err, CDX_EINVAL, "embed: no texts");
    uint8_t *scratch;
    int rc = embed_prepare(e, n, out, &done, &scratch, err);
    if (rc == CDX_OK) rc = e->ops->texts(e, texts, n, out, done, err);
    free(scratch);
    return rc;
}

int cdx_embed_images(cdx_embedder *e, const cdx_blob *images, size_t n, const cdx_image_opts *opts,
                     float *out, uint8_t *done, cdx_error *item_errs, cdx_error *err) {
    if (n == 0) return CDX_OK;
    if (!images) return cdx_fail(err, CDX_EINVAL, "embed: no images");
    uint8_t *scratch;
    int rc = embed_prepare(e, n, out, &done, &scratch, err);
    if (rc != CDX_OK) return rc;
    if (item_errs)
        for (size_t i = 0; i < n; i++) cdx_error_clear(&item_errs[i]);
    rc = e->ops->images(e, images, n, opts, out, done, item_errs, err);
    free(scratch);
    return rc;
}
