/*
 * vision.h — jina-clip-v1's image tower (EVA02-B/16 as eva_model.py builds it): patch embedding,
 * CLS + learned positions, pre-LN blocks with sub-LN in attention and MLP, q/v biases without a
 * k bias, interleaved 2-D RoPE on patch tokens, SwiGLU, final LN, CLS pooling; batched, fp32,
 * GEMMs through OpenBLAS on the model's thread pool.
 *
 * How to use it:
 *     mdl_model *m;
 *     mdl_model_open(dir, MDL_TOWER_VISION, 2, &m, &err);
 *     float *px = malloc(n * 3 * S * S * sizeof(float));     // S = m->config.vision.image_size
 *     mdl_preprocess_file(path, NULL, S, px, &err);           // one image per 3*S*S floats
 *     mdl_vision_embed(m, px, n, out, &err);                  // out[n][width], norm 1 each
 */
#ifndef CDX_MODEL_VISION_H
#define CDX_MODEL_VISION_H

#include <stddef.h>

#include "model/model.h"

/* Whether a vision config makes an EVA02 tower this code runs: heads divide the width, the patch
 * divides the image, the RoPE table (pt_hw_seq_len, intp_freq) fits the patch grid. */
int mdl_vision_check_config(const mdl_vision_config *c, cdx_error *err);

/* pixels [n, 3, S, S] (CHW per image, as mdl_preprocess_* makes them) -> out [n, width],
 * L2-normalised (F.normalize, eps 1e-12): encode_image's output. The model needs the vision
 * tower. Each row equals that image run alone. */
int mdl_vision_embed(mdl_model *m, const float *pixels, size_t n, float *out, cdx_error *err);

/* The same before normalisation (the final LayerNorm of the CLS token), calling `trace` (when
 * non-NULL) with "vision.embed_out" and "vision.block<i>_out" for every block i, each
 * (images x tokens) rows of width floats, per pass of at most 16 images. */
int mdl_vision_forward(mdl_model *m, const float *pixels, size_t n, float *pooled,
                       mdl_trace_fn trace, void *trace_ctx, cdx_error *err);

#endif
