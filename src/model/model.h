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
#include "model/precision.h"
#include "model/safetensors.h"
#include "model/weights.h"

typedef struct mdl_model {
    char *dir;
    mdl_config config;
    mdl_safetensors *st;
    mdl_weights weights;
    mdl_exec *exec;
    const mdl_kernels *k;
    mdl_precision precision;  /* of the linear layers; fp32 unless set (precision.h) */
    struct mdl_qstate *q;     /* integer weights prepared for it (precision.c), or NULL */
} mdl_model;

/* Opens `dir` (config.json + model.safetensors), binds the tensors of `towers` (MDL_TOWER_*)
 * and starts a pool of `threads` threads (<= 0: one per online CPU). Close with
 * mdl_model_close. */
int mdl_model_open(const char *dir, int towers, int threads, mdl_model **out, cdx_error *err);

void mdl_model_close(mdl_model *m);

/* ---- Precision of the linear layers (precision.c) ------------------------------------------
 * mdl_model_open starts at $CLIPDEX_PRECISION (fp32 when unset; an unknown name fails the open).
 * mdl_model_set_precision changes it (not while a tower runs on this model): fp32 runs OpenBLAS
 * sgemm exactly as before; int10 / int8 run every linear layer of both towers (text Wqkv,
 * out_proj, gated_layers, wo; vision patch embedding, q/k/v, proj, w1, w2, w3) through
 * mdl_qlinear. The integer weights are prepared on a tower's first call at that precision and
 * kept until close or a switch to the other integer precision (a switch to fp32 keeps them, so
 * switching back is free): about 2 bytes per parameter beside the fp32 mapping
 * (mdl_model_qbytes; 381 MB for both full-size towers). */
int mdl_model_set_precision(mdl_model *m, mdl_precision p, cdx_error *err);

mdl_precision mdl_model_precision(const mdl_model *m);

/* Bytes held by prepared integer weights (0 at fp32 or before a tower's first call). */
size_t mdl_model_qbytes(const mdl_model *m);

/* For the towers: the prepared integer weights of a tower (preparing them on first use), or NULL
 * at fp32. */
int mdl_model_qtext(mdl_model *m, const mdl_qtext_layer **out, cdx_error *err);
int mdl_model_qvision(mdl_model *m, const mdl_qweight **patch, const mdl_qvision_block **out,
                      cdx_error *err);

/* y[rows, n] = x[rows, k] · wᵀ + bias through mdl_qlinear on `qw` (with scratch `ws`) when qw is
 * non-NULL, else through mdl_linear on the fp32 `w`. */
int mdl_model_linear(mdl_model *m, const mdl_qweight *qw, mdl_qworkspace *ws, const float *x,
                     size_t rows, size_t k, const float *w, size_t n, const float *bias, float *y,
                     cdx_error *err);

/* Frees the prepared integer weights (mdl_model_close calls it). */
void mdl_model_qstate_free(mdl_model *m);

/* A hook the towers call with intermediate activations (rows x cols floats, row-major), named
 * as the reference names them ("text.emb_ln_out", "text.layer0_out", ...). For tests. */
typedef void (*mdl_trace_fn)(void *ctx, const char *name, const float *data, size_t rows,
                             size_t cols);

#endif
