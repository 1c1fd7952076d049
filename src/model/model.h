/*
 * model.h — an opened jina-clip-v1 model directory: config.json, the memory-mapped and bound
 * model.safetensors, the execution context (thread pool) and the chosen SIMD kernels. The towers
 * (text.h, vision) run on it.
 *
 * Usage:
 *     mdl_model *m;
 *     if (mdl_model_open(dir, MDL_TOWER_TEXT, 0, &m, &err)) ...;   // 0 threads: one per CPU
 *     mdl_text_embed(m, ids, mask, batch, seq, out, &err);          // see text.h
 *     mdl_model_close(m);
 */
#ifndef CDX_MODEL_MODEL_H
#define CDX_MODEL_MODEL_H

#include "model/config.h"
#include "model/kernels.h"
#include "model/safetensors.h"
#include "model/weights.h"

typedef struct mdl_model {
    char *dir;
    mdl_config config;
    mdl_safetensors *st;
    mdl_weights weights;
    mdl_exec *exec;
    const mdl_kernels *k;
} mdl_model;

/* Opens `dir` (config.json + model.safetensors), binds the tensors of `towers` (MDL_TOWER_*)
 * and starts a pool of `threads` threads (<= 0: one per online CPU). Close with
 * mdl_model_close. */
int mdl_model_open(const char *dir, int towers, int threads, mdl_model **out, cdx_error *err);

void mdl_model_close(mdl_model *m);

/* A hook the towers call with intermediate activations (rows x cols floats, row-major), named
 * as the reference names them ("text.emb_ln_out", "text.layer0_out", ...). For tests. */
typedef void (*mdl_trace_fn)(void *ctx, const char *name, const float *data, size_t rows,
                             size_t cols);

#endif
