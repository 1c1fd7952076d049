/*
 * text.h — the JinaBERT-v2 text tower of jina-clip-v1 (research/jina-clip.md §1a): token ids in,
 * one L2-normalised embedding per sequence out.
 *
 * How to use it:
 *     cdx_error err = {0};
 *     mdl_model *m;
 *     mdl_model_open("/path/to/jina-clip-v1", MDL_TOWER_TEXT, 2, &m, &err);   // config + weights
 *     // ids/mask: batch x seq int32, row-major, padded on the right with [PAD] (mask 0)
 *     float *out = malloc(batch * m->config.text.hidden * sizeof(float));
 *     mdl_text_embed(m, ids, mask, batch, seq, out, &err);                    // rows have norm 1
 *     mdl_model_close(m);
 * Each row of a padded batch equals the embedding of that sequence run alone.
 */
#ifndef CDX_MODEL_TEXT_H
#define CDX_MODEL_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* Embeds `batch` sequences of `seq` token ids into out[batch][hidden], L2-normalised. `mask`
 * marks real tokens (nonzero) and may be NULL (then ids != pad_token_id). Every row needs at
 * least one real token; ids must be inside the vocabulary. The model must have the text tower. */
int mdl_text_embed(mdl_model *m, const int32_t *ids, const int32_t *mask, size_t batch,
                   size_t seq, float *out, cdx_error *err);

/* The same before normalisation (the pooled hidden state, HFTextEncoder's output), calling
 * `trace` (when non-NULL) with the intermediates the reference records. Only real tokens are
 * computed: a traced tensor has one row per real token, in batch order (pads skipped). */
int mdl_text_forward(mdl_model *m, const int32_t *ids, const int32_t *mask, size_t batch,
                     size_t seq, float *pooled, mdl_trace_fn trace, void *trace_ctx,
                     cdx_error *err);

/* The ALiBi slope of each of `heads` heads (Press et al., with the rule for head counts that
 * are not powers of two): 12 heads give 2^-1 .. 2^-8, 2^-0.5, 2^-1.5, 2^-2.5, 2^-3.5. */
void mdl_alibi_slopes(int heads, float *slopes);

#endif
