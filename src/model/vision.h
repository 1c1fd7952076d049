/*
 * vision.h — jina-clip-v1's image tower (EVA02-B/16 as eva_model.py builds it): patch embedding,
 * CLS + learned positions, pre-LN blocks with sub-LN in attention and MLP, q/v biases without a
 * k bias, interleaved 2-D RoPE on patch tokens, SwiGLU, final LN, CLS pooling; batched, fp32,
 * GEMMs through OpenBLAS on the model's thread pool.
 */
#ifndef CDX_MODEL_VISION_H
#define CDX_MODEL_VISION_H

#include <stddef.h>

#include "model/config.h"
#include "model/kernels.h"
#include "model/weights.h"

typedef struct mdl_vision mdl_vision;

/* Called with intermediate activations: "vision.embed_out" and "vision.block<i>_out" for every
 * block i, each [n, tokens, width] floats (count = n * tokens * width). */
typedef struct mdl_vision_trace {
    void (*fn)(void *ctx, const char *name, const float *data, size_t count);
    void *ctx;
} mdl_vision_trace;

/* A tower over bound weights (which must outlive it): checks the config (heads, RoPE grid) and
 * builds the RoPE tables. Free with mdl_vision_free. */
int mdl_vision_new(const mdl_vision_config *cfg, const mdl_vision_weights *w, mdl_vision **out,
                   cdx_error *err);
void mdl_vision_free(mdl_vision *v);

/* pixels [n, 3, S, S] (CHW per image, S = image_size, as mdl_preprocess_* makes them) ->
 * pooled [n, width]: the final LayerNorm of the CLS token, not normalised. `trace` may be NULL. */
int mdl_vision_forward(const mdl_vision *v, mdl_exec *ex, const float *pixels, size_t n,
                       float *pooled, const mdl_vision_trace *trace, cdx_error *err);

/* mdl_vision_forward then L2 normalisation (F.normalize, eps 1e-12): encode_image's output. */
int mdl_vision_embed(const mdl_vision *v, mdl_exec *ex, const float *pixels, size_t n, float *out,
                     cdx_error *err);

#endif
