/*
 * fake_embedder.h — an in-test embedder backend for the indexer tests: deterministic unit
 * vectors from the input bytes (FNV-1a seeded xorshift), images decoded with cdx_image_load_mem
 * so undecodable ones fail alone, a count of calls and inputs, and an injected stop (an API
 * error after embedding part of a batch) on a chosen call.
 */
#ifndef CDX_TEST_FAKE_EMBEDDER_H
#define CDX_TEST_FAKE_EMBEDDER_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "embed/embedder.h"

typedef struct fake_embedder {
    cdx_embedder base;
    int calls, inputs;
    int stop_on_call; /* 1-based; 0: never. That call embeds its first half, then fails */
} fake_embedder;

static void fake_vector(const void *data, size_t len, float *out, size_t dim)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) h = (h ^ ((const uint8_t *)data)[i]) * 1099511628211ull;
    double norm = 0;
    for (size_t d = 0; d < dim; d++) {
        h ^= h << 13;
        h ^= h >> 7;
        h ^= h << 17;
        out[d] = (float)((double)(h >> 11) / 9007199254740992.0 - 0.5);
        norm += (double)out[d] * out[d];
    }
    for (size_t d = 0; d < dim; d++) out[d] = (float)(out[d] / sqrt(norm));
}

static int fake_texts(cdx_embedder *e, const char *const *texts, size_t n, float *out,
                      uint8_t *done, cdx_error *err)
{
    fake_embedder *f = (fake_embedder *)e;
    f->calls++;
    for (size_t i = 0; i < n; i++) {
        fake_vector(texts[i], strlen(texts[i]), out + i * e->dim, e->dim);
        done[i] = 1;
    }
    (void)err;
    return 0;
}

static int fake_images(cdx_embedder *e, const cdx_blob *images, size_t n,
                       const cdx_image_opts *opts, float *out, uint8_t *done,
                       cdx_error *item_errs, cdx_error *err)
{
    fake_embedder *f = (fake_embedder *)e;
    f->calls++;
    size_t upto = n;
    if (f->calls == f->stop_on_call) upto = n / 2;
    for (size_t i = 0; i < upto; i++) {
        cdx_image *img = NULL;
        cdx_error ie = {0};
        if (cdx_image_load_mem(images[i].data, images[i].size, images[i].name, opts, &img, &ie)) {
            if (item_errs) item_errs[i] = ie;
            continue;
        }
        cdx_image_free(img);
        fake_vector(images[i].data, images[i].size, out + i * e->dim, e->dim);
        done[i] = 1;
        f->inputs++;
        e->tokens += 1000;
    }
    if (upto < n) return cdx_fail(err, CDX_ECREDIT, "jina: out of credits");
    return 0;
}

static void fake_destroy(cdx_embedder *e) { free(e); }

static const embed_ops fake_ops = {fake_texts, fake_images, fake_destroy};

static fake_embedder *fake_new(const char *model, size_t dim)
{
    fake_embedder *f = calloc(1, sizeof *f);
    f->base.ops = &fake_ops;
    f->base.backend = "fake";
    snprintf(f->base.model, sizeof f->base.model, "%s", model);
    f->base.dim = dim;
    return f;
}

#endif
