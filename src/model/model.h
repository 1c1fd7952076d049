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
#include "model/pgemm.h"
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
    struct mdl_pstate *p;     /* packed fp32 weights (pweights.c) */
} mdl_model;

/* Opens `dir` (config.json + model.safetensors), binds the tensors of `towers` (MDL_TOWER_*)
 * and starts a pool of `threads` threads (<= 0: one per online CPU). Close with
 * mdl_model_close. */
int mdl_model_open(const char *dir, int towers, int threads, mdl_model **out, cdx_error *err);

void mdl_model_close(mdl_model *m);

/* ---- Precision of the linear layers (precision.c) ------------------------------------------
 * mdl_model_open starts at $CLIPDEX_PRECISION (fp32 when unset; an unknown name fails the open).
 * mdl_model_set_precision changes it (not while a tower runs on this model): fp32 runs sgemm or
 * the packed kernel (below); int10 / int8 run every linear layer of both towers (text Wqkv,
 * out_proj, gated_layers, wo; vision patch embedding, q/k/v, proj, w1, w2, w3) through
 * mdl_qlinear. The integer weights are prepared on a tower's first call at that precision and
 * kept until close (switching precisions back and forth prepares each once): beside the fp32
 * mapping, about 2 bytes per parameter for int10 (381 MB for both full-size towers), 1 for int8's
 * 8-bit layers (219 MB with its int10 lead vision blocks); mdl_model_qbytes gives the current
 * precision's. */
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

/* ---- Packed fp32 weights (pweights.c) -------------------------------------------------------
 * At fp32 every linear layer runs mdl_plinear (pgemm.h) on weights packed on the tower's first
 * fp32 call; after packing a matrix its pages of the file mapping are released
 * (mdl_st_release), so the packed copy replaces the mapped one in memory instead of doubling it
 * (anything reading the fp32 pointers later, e.g. the integer preparation, refaults them from
 * the file). $CDX_MODEL_GEMM (read on every call) chooses: unset or "auto" packs the text tower
 * and, for the vision tower, times OpenBLAS sgemm and the packed kernel once on a layer-shaped
 * product and packs only if the packed kernel is clearly faster (it is several times faster
 * where OpenBLAS lacks kernels for the CPU); "packed" packs both; "openblas" packs neither. */
#define MDL_GEMM_ENV "CDX_MODEL_GEMM"

typedef struct mdl_ptext_layer {
    mdl_pweight wqkv, attn_out, gated, mlp_out;
} mdl_ptext_layer;

typedef struct mdl_pvision_block {
    mdl_pweight wq, wk, wv, proj, w1, w2, w3;
} mdl_pvision_block;

/* Creates the (empty) packed state; mdl_model_open calls it. */
int mdl_model_pstate_new(mdl_model *m, cdx_error *err);
/* Frees the packed weights (mdl_model_close calls it). */
void mdl_model_pstate_free(mdl_model *m);

/* Whether the fp32 layers of `tower` (MDL_TOWER_TEXT or MDL_TOWER_VISION) use packed weights
 * now: fp32 precision and $CDX_MODEL_GEMM as above. */
int mdl_model_packed_active(const mdl_model *m, int tower);

/* A tower's packed weights (packing them on first use), or NULL when not active. */
int mdl_model_ptext(mdl_model *m, const mdl_ptext_layer **out, cdx_error *err);
int mdl_model_pvision(mdl_model *m, const mdl_pweight **patch, const mdl_pvision_block **out,
                      cdx_error *err);

/* Bytes held by packed fp32 weights. */
size_t mdl_model_pbytes(const mdl_model *m);

/* y = x · wᵀ + bias (x rows ldx apart, y rows ldy apart) on the packed `pw` when non-NULL, else
 * through OpenBLAS on the fp32 `w`. */
void mdl_model_flinear(mdl_model *m, const mdl_pweight *pw, const float *x, size_t ldx,
                       size_t rows, size_t k, const float *w, size_t n, const float *bias, float *y,
                       size_t ldy);

/* A hook the towers call with intermediate activations (rows x cols floats, row-major), named
 * as the reference names them ("text.emb_ln_out", "text.layer0_out", ...). For tests. */
typedef void (*mdl_trace_fn)(void *ctx, const char *name, const float *data, size_t rows,
                             size_t cols);

#endif
