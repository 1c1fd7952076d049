/*
 * vision.c — the EVA02-B/16 forward pass, one step per line of the reference (research note
 * jina-clip.md §1b): patches · Wᵀ, CLS + positions, then per block LN1 → q (+q_bias), k (no
 * bias), v (+v_bias) → RoPE on patch tokens → softmax(q kᵀ / √hd) v per head → inner_attn_ln →
 * proj → residual; LN2 → silu(w1) * w2 → ffn_ln → w3 → residual; final LN of the CLS token.
 * Only the CLS row leaves the last block, so (without a trace) that block computes its query,
 * attention output and MLP for the CLS rows alone: the same result up to float rounding (the
 * tests compare both paths with the reference), ~7% fewer FLOPs. At int10/int8
 * (mdl_model_set_precision) every linear layer, the patch embedding included, runs through
 * mdl_qlinear instead of sgemm; products of one input (q/k/v, w1/w2) then quantise it once.
 */
#include "model/vision.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/kernels_vision.h"

/* Images per internal pass: bounds the activation memory (about 6 MB per image at full size). */
#define VIS_MAX_BATCH 16

/* What one forward pass runs on: the model's parts and the RoPE tables of its config. */
typedef struct vis_tower {
    mdl_vision_config cfg;
    const mdl_vision_weights *w;
    const mdl_kernels *kern;
    float *rope_cos, *rope_sin; /* [grid * grid, head_width] */
    const mdl_qweight *qpatch;  /* integer weights (mdl_model_set_precision), NULL at fp32 */
    const mdl_qvision_block *qblocks;
    const mdl_pweight *ppatch;  /* packed fp32 weights, NULL when not in use (OpenBLAS) */
    const mdl_pvision_block *pblocks;
    mdl_qworkspace *ws;         /* scratch of the integer products */
    cdx_error *err;             /* where a failing step reports */
} vis_tower;

/* The integer twin of a block's matrix, or NULL at fp32. */
#define VIS_QW(qb, field) ((qb) ? &(qb)->field : NULL)
/* Its packed fp32 twin, or NULL. */
#define VIS_PW(pb, field) ((pb) ? &(pb)->field : NULL)

/* Activations of one pass of n images (T = n * tokens rows). */
typedef struct vis_bufs {
    float *x;             /* [T, W] residual stream */
    float *h;             /* [T, W] normalised input of a sub-layer */
    float *q, *k, *v, *o; /* [T, W] */
    float *a, *b;         /* [T, M] MLP branches */
    float *patches;       /* [n * grid², 3 P²] */
} vis_bufs;

int mdl_vision_check_config(const mdl_vision_config *c, cdx_error *err) {
    if (c->width < 1 || c->head_width < 4 || c->head_width % 4 != 0 ||
        c->width % c->head_width != 0 || c->heads != c->width / c->head_width ||
        c->patch_size < 1 || c->image_size < c->patch_size || c->image_size % c->patch_size != 0 ||
        c->layers < 1 || c->mlp_hidden < 1)
        return cdx_fail(err, CDX_ECORRUPT,
                        "vision config: width %d, head_width %d, patch %d, image %d, layers %d "
                        "do not make an EVA02 tower",
                        c->width, c->head_width, c->patch_size, c->image_size, c->layers);
    const int grid = c->image_size / c->patch_size;
    const int ft = c->intp_freq ? grid : c->pt_hw_seq_len;
    if (ft != grid || c->pt_hw_seq_len < 1)
        return cdx_fail(err, CDX_ECORRUPT,
                        "vision config: RoPE table of pt_hw_seq_len %d (intp_freq %d) does not "
                        "fit the %dx%d patch grid",
                        c->pt_hw_seq_len, c->intp_freq, grid, grid);
    return CDX_OK;
}

static int vis_open(mdl_model *m, vis_tower *v, cdx_error *err) {
    memset(v, 0, sizeof *v);
    if (!(m->weights.towers & MDL_TOWER_VISION))
        return cdx_fail(err, CDX_EINVAL, "%s: the model was opened without its vision tower",
                        m->dir ? m->dir : "model");
    int rc = mdl_vision_check_config(&m->config.vision, err);
    if (rc) return rc;
    v->cfg = m->config.vision;
    v->w = &m->weights.vision;
    v->kern = m->k ? m->k : mdl_kernels_best();
    v->err = err;
    rc = mdl_model_qvision(m, &v->qpatch, &v->qblocks, err);
    if (!rc) rc = mdl_model_pvision(m, &v->ppatch, &v->pblocks, err);
    if (rc) return rc;
    const int grid = v->cfg.image_size / v->cfg.patch_size;
    const size_t tab = (size_t)grid * (size_t)grid * (size_t)v->cfg.head_width;
    v->rope_cos = malloc(tab * sizeof(float));
    v->rope_sin = malloc(tab * sizeof(float));
    if (!v->rope_cos || !v->rope_sin ||
        mdl_rope_tables(grid, v->cfg.head_width, v->cfg.pt_hw_seq_len, v->cfg.intp_freq,
                        v->cfg.rope_theta, v->rope_cos, v->rope_sin) != 0) {
        free(v->rope_cos);
        free(v->rope_sin);
        return cdx_fail(err, CDX_ENOMEM, "vision: out of memory");
    }
    return CDX_OK;
}

static void vis_close(vis_tower *v) {
    free(v->rope_cos);
    free(v->rope_sin);
}

/* ---- Row-parallel helpers (LayerNorm and element-wise steps would otherwise run on one
 * thread while the GEMMs use all of them) ---------------------------------------------------- */

typedef struct ln_job {
    const mdl_kernels *kern;
    const float *x, *g, *b;
    float *y;
    size_t dim;
    float eps;
} ln_job;

static void ln_range(void *p, size_t r0, size_t r1) {
    const ln_job *j = p;
    j->kern->layer_norm(j->x + r0 * j->dim, j->y + r0 * j->dim, r1 - r0, j->dim, j->g, j->b,
                        j->eps);
}

static void vis_layer_norm(const vis_tower *v, mdl_exec *ex, const float *x, float *y,
                           size_t rows, size_t dim, const float *g, const float *b) {
    ln_job j = {v->kern, x, g, b, y, dim, v->cfg.layer_norm_eps};
    mdl_exec_parallel(ex, rows, 16, ln_range, &j);
}

typedef struct ew_job {
    const mdl_kernels *kern;
    float *a;
    const float *b;
    int op; /* 0: a += b; 1: a = silu(a) * b */
} ew_job;

static void ew_range(void *p, size_t i0, size_t i1) {
    const ew_job *j = p;
    if (j->op == 0) j->kern->add(j->a + i0, j->b + i0, i1 - i0);
    else j->kern->silu_mul(j->a + i0, j->b + i0, i1 - i0);
}

static void vis_add(const vis_tower *v, mdl_exec *ex, float *a, const float *b, size_t n) {
    ew_job j = {v->kern, a, b, 0};
    mdl_exec_parallel(ex, n, 4096, ew_range, &j);
}

static void vis_silu_mul(const vis_tower *v, mdl_exec *ex, float *a, const float *b, size_t n) {
    ew_job j = {v->kern, a, b, 1};
    mdl_exec_parallel(ex, n, 4096, ew_range, &j);
}

/* y = x · wᵀ + bias through the integer layer qw when non-NULL, else the packed pw when
 * non-NULL, else sgemm. */
static int vis_linear(const vis_tower *v, mdl_exec *ex, const mdl_qweight *qw,
                      const mdl_pweight *pw, const float *x, size_t rows, size_t k, const float *w,
                      size_t n, const float *bias, float *y) {
    if (!qw) {
        if (pw) mdl_plinear(ex, x, k, rows, pw, bias, y, n);
        else mdl_linear(ex, x, rows, k, w, n, bias, y);
        return CDX_OK;
    }
    return mdl_qlinear(x, rows, k, qw, bias, y, mdl_exec_pool(ex), v->ws, v->err);
}

/* One product of vis_linear_shared: the integer twin (NULL at fp32), the packed fp32 weights
 * (NULL: sgemm), the fp32 weights, the output. */
typedef struct vis_product {
    const mdl_qweight *qw;
    const mdl_pweight *pw; /* packed fp32 weights, or NULL (sgemm) */
    const float *w;
    size_t n;
    const float *bias;
    float *y;
} vis_product;

/* Products of the same input x: at int10/int8 one quantisation of x and one pass over the pool
 * for all of them (mdl_qlinear_many); at fp32 one vis_linear each. */
static int vis_linear_shared(const vis_tower *v, mdl_exec *ex, const float *x, size_t rows,
                             size_t k, const vis_product *p, size_t count) {
    if (!p[0].qw) {
        for (size_t i = 0; i < count; i++) {
            int rc = vis_linear(v, ex, NULL, p[i].pw, x, rows, k, p[i].w, p[i].n, p[i].bias, p[i].y);
            if (rc) return rc;
        }
        return CDX_OK;
    }
    mdl_qproduct q[MDL_QLINEAR_MAX_PRODUCTS];
    for (size_t i = 0; i < count && i < MDL_QLINEAR_MAX_PRODUCTS; i++)
        q[i] = (mdl_qproduct){p[i].qw, p[i].bias, p[i].y};
    return mdl_qlinear_many(x, rows, k, q, count, mdl_exec_pool(ex), v->ws, v->err);
}

/* ---- Attention --------------------------------------------------------------------------- */

/* One (image, head) pair per work item. Queries: qrows rows per image starting at q + i * qstep
 * (all tokens, or the CLS row alone); keys/values: all tokens; o is laid out like q. */
typedef struct attn_job {
    const mdl_kernels *kern;
    const float *q, *k, *v;
    float *o;
    size_t tokens, width, qrows, qstep;
    int heads, hd;
    float scale;
    atomic_int failed;
} attn_job;

static void attn_range(void *p, size_t b0, size_t b1) {
    attn_job *j = p;
    const size_t N = j->tokens, W = j->width, hd = (size_t)j->hd;
    float *s = malloc(j->qrows * N * sizeof *s);
    if (!s) {
        atomic_store(&j->failed, 1);
        return;
    }
    for (size_t item = b0; item < b1; item++) {
        const size_t img = item / (size_t)j->heads, h = item % (size_t)j->heads;
        const float *q = j->q + img * j->qstep + h * hd;
        const float *k = j->k + img * N * W + h * hd;
        const float *v = j->v + img * N * W + h * hd;
        float *o = j->o + img * j->qstep + h * hd;
        mdl_gemm_nt(j->qrows, N, hd, j->scale, q, W, k, W, 0.0f, s, N);
        j->kern->softmax_rows(s, j->qrows, N);
        mdl_gemm_nn(j->qrows, hd, N, 1.0f, s, N, v, W, 0.0f, o, W);
    }
    free(s);
}

static int vis_attention(const vis_tower *v, mdl_exec *ex, const float *q, const float *k,
                         const float *vv, float *o, size_t n, size_t tokens, int cls_only) {
    const size_t W = (size_t)v->cfg.width;
    attn_job j = {.kern = v->kern, .q = q, .k = k, .v = vv, .o = o, .tokens = tokens, .width = W,
                  .qrows = cls_only ? 1 : tokens, .qstep = cls_only ? W : tokens * W,
                  .heads = v->cfg.heads, .hd = v->cfg.head_width,
                  .scale = 1.0f / sqrtf((float)v->cfg.head_width)};
    atomic_init(&j.failed, 0);
    mdl_exec_parallel(ex, n * (size_t)v->cfg.heads, 1, attn_range, &j);
    return atomic_load(&j.failed) ? cdx_fail(v->err, CDX_ENOMEM, "vision: out of memory in attention")
                                  : CDX_OK;
}

/* RoPE on the patch tokens (1 .. tokens-1) of every image. */
static void vis_rope(const vis_tower *v, float *x, size_t n, size_t tokens) {
    const size_t W = (size_t)v->cfg.width;
    for (size_t i = 0; i < n; i++)
        mdl_rope_apply(x + (i * tokens + 1) * W, tokens - 1, W, v->cfg.heads, v->cfg.head_width,
                       v->rope_cos, v->rope_sin);
}

/* ---- Blocks ------------------------------------------------------------------------------ */

/* The part of a block after attention, over m rows: x += proj(inner_ln(o)); x += w3(ffn_ln(
 * silu(w1 h) * w2 h)) with h = LN2(x). Uses b->h, b->a, b->b as scratch; o is overwritten. */
static int vis_block_tail(const vis_tower *v, mdl_exec *ex, const mdl_vision_block *blk,
                          const mdl_qvision_block *qb, const mdl_pvision_block *pb, float *x,
                          float *o, size_t m, vis_bufs *b) {
    const size_t W = (size_t)v->cfg.width, M = (size_t)v->cfg.mlp_hidden;
    vis_layer_norm(v, ex, o, o, m, W, blk->inner_ln_g, blk->inner_ln_b);
    int rc = vis_linear(v, ex, VIS_QW(qb, proj), VIS_PW(pb, proj),
                        o, m, W, blk->w_proj, W, blk->b_proj, b->h);
    if (rc) return rc;
    vis_add(v, ex, x, b->h, m * W);
    vis_layer_norm(v, ex, x, b->h, m, W, blk->ln2_g, blk->ln2_b);
    const vis_product mlp[2] = {{VIS_QW(qb, w1), VIS_PW(pb, w1), blk->w1, M, blk->b1, b->a},
                                {VIS_QW(qb, w2), VIS_PW(pb, w2), blk->w2, M, blk->b2, b->b}};
    rc = vis_linear_shared(v, ex, b->h, m, W, mlp, 2);
    if (rc) return rc;
    vis_silu_mul(v, ex, b->a, b->b, m * M);
    vis_layer_norm(v, ex, b->a, b->a, m, M, blk->ffn_ln_g, blk->ffn_ln_b);
    rc = vis_linear(v, ex, VIS_QW(qb, w3), VIS_PW(pb, w3), b->a, m, M, blk->w3, W, blk->b3, o);
    if (rc) return rc;
    vis_add(v, ex, x, o, m * W);
    return CDX_OK;
}

/* A whole block over all n * tokens rows of b->x. */
static int vis_block_full(const vis_tower *v, mdl_exec *ex, int layer, size_t n, size_t tokens,
                          vis_bufs *b) {
    const mdl_vision_block *blk = &v->w->blocks[layer];
    const mdl_qvision_block *qb = v->qblocks ? &v->qblocks[layer] : NULL;
    const mdl_pvision_block *pb = v->pblocks ? &v->pblocks[layer] : NULL;
    const size_t W = (size_t)v->cfg.width, T = n * tokens;
    vis_layer_norm(v, ex, b->x, b->h, T, W, blk->ln1_g, blk->ln1_b);
    const vis_product qkv[3] = {{VIS_QW(qb, wq), VIS_PW(pb, wq), blk->wq, W, blk->q_bias, b->q},
                                {VIS_QW(qb, wk), VIS_PW(pb, wk), blk->wk, W, NULL, b->k},
                                {VIS_QW(qb, wv), VIS_PW(pb, wv), blk->wv, W, blk->v_bias, b->v}};
    int rc = vis_linear_shared(v, ex, b->h, T, W, qkv, 3);
    if (rc) return rc;
    vis_rope(v, b->q, n, tokens);
    vis_rope(v, b->k, n, tokens);
    rc = vis_attention(v, ex, b->q, b->k, b->v, b->o, n, tokens, 0);
    if (rc) return rc;
    return vis_block_tail(v, ex, blk, qb, pb, b->x, b->o, T, b);
}

/* The last block when only the CLS rows are needed: keys and values for every token, the rest
 * for the n CLS rows, gathered into xc [n, W] (the result). */
static int vis_block_cls(const vis_tower *v, mdl_exec *ex, int layer, size_t n, size_t tokens,
                         vis_bufs *b, float *xc) {
    const mdl_vision_block *blk = &v->w->blocks[layer];
    const mdl_qvision_block *qb = v->qblocks ? &v->qblocks[layer] : NULL;
    const mdl_pvision_block *pb = v->pblocks ? &v->pblocks[layer] : NULL;
    const size_t W = (size_t)v->cfg.width, T = n * tokens;
    vis_layer_norm(v, ex, b->x, b->h, T, W, blk->ln1_g, blk->ln1_b);
    const vis_product kv[2] = {{VIS_QW(qb, wk), VIS_PW(pb, wk), blk->wk, W, NULL, b->k},
                               {VIS_QW(qb, wv), VIS_PW(pb, wv), blk->wv, W, blk->v_bias, b->v}};
    int rc = vis_linear_shared(v, ex, b->h, T, W, kv, 2);
    if (rc) return rc;
    vis_rope(v, b->k, n, tokens);
    for (size_t i = 0; i < n; i++) {
        memcpy(xc + i * W, b->x + i * tokens * W, W * sizeof(float));
        memcpy(b->o + i * W, b->h + i * tokens * W, W * sizeof(float));
    }
    /* CLS queries are not rotated. */
    rc = vis_linear(v, ex, VIS_QW(qb, wq), VIS_PW(pb, wq),
                    b->o, n, W, blk->wq, W, blk->q_bias, b->q);
    if (!rc) rc = vis_attention(v, ex, b->q, b->k, b->v, b->o, n, tokens, 1);
    if (rc) return rc;
    return vis_block_tail(v, ex, blk, qb, pb, xc, b->o, n, b);
}

/* ---- Forward ----------------------------------------------------------------------------- */

static void vis_bufs_free(vis_bufs *b) {
    free(b->x);
    free(b->h);
    free(b->q);
    free(b->k);
    free(b->v);
    free(b->o);
    free(b->a);
    free(b->b);
    free(b->patches);
    memset(b, 0, sizeof *b);
}

static int vis_bufs_alloc(const mdl_vision_config *c, size_t n, vis_bufs *b) {
    const size_t grid = (size_t)(c->image_size / c->patch_size), P = (size_t)c->patch_size;
    const size_t T = n * (grid * grid + 1), W = (size_t)c->width, M = (size_t)c->mlp_hidden;
    memset(b, 0, sizeof *b);
    b->x = malloc(T * W * sizeof(float));
    b->h = malloc(T * W * sizeof(float));
    b->q = malloc(T * W * sizeof(float));
    b->k = malloc(T * W * sizeof(float));
    b->v = malloc(T * W * sizeof(float));
    b->o = malloc(T * W * sizeof(float));
    b->a = malloc(T * M * sizeof(float));
    b->b = malloc(T * M * sizeof(float));
    b->patches = malloc(n * grid * grid * 3 * P * P * sizeof(float));
    if (b->x && b->h && b->q && b->k && b->v && b->o && b->a && b->b && b->patches) return 0;
    vis_bufs_free(b);
    return -1;
}

/* x = [cls; patches · Wᵀ + bias] + pos_embed for each image. */
static int vis_embed(const vis_tower *v, mdl_exec *ex, const float *pixels, size_t n,
                     vis_bufs *b) {
    const mdl_vision_config *c = &v->cfg;
    const size_t grid = (size_t)(c->image_size / c->patch_size), G2 = grid * grid;
    const size_t W = (size_t)c->width, K = 3 * (size_t)c->patch_size * (size_t)c->patch_size;
    const size_t S = (size_t)c->image_size, tokens = G2 + 1;
    for (size_t i = 0; i < n; i++)
        mdl_patchify(pixels + i * 3 * S * S, c->image_size, c->patch_size, b->patches + i * G2 * K);
    int rc = vis_linear(v, ex, v->qpatch, v->ppatch, b->patches, n * G2, K, v->w->patch_w, W,
                        v->w->patch_b, b->h);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        float *x = b->x + i * tokens * W;
        memcpy(x, v->w->cls_token, W * sizeof(float));
        memcpy(x + W, b->h + i * G2 * W, G2 * W * sizeof(float));
        v->kern->add(x, v->w->pos_embed, tokens * W);
    }
    return CDX_OK;
}

static int vis_forward_chunk(const vis_tower *v, mdl_exec *ex, const float *pixels, size_t n,
                             float *pooled, mdl_trace_fn trace, void *tctx, vis_bufs *b) {
    const mdl_vision_config *c = &v->cfg;
    const size_t grid = (size_t)(c->image_size / c->patch_size), tokens = grid * grid + 1;
    const size_t W = (size_t)c->width;
    int rc = vis_embed(v, ex, pixels, n, b);
    if (rc) return rc;
    if (trace) trace(tctx, "vision.embed_out", b->x, n * tokens, W);
    const int last = c->layers - 1;
    for (int i = 0; i < last || (trace && i <= last); i++) {
        rc = vis_block_full(v, ex, i, n, tokens, b);
        if (rc) return rc;
        if (trace) {
            char name[48];
            snprintf(name, sizeof name, "vision.block%d_out", i);
            trace(tctx, name, b->x, n * tokens, W);
        }
    }
    if (trace) {
        for (size_t i = 0; i < n; i++) memcpy(pooled + i * W, b->x + i * tokens * W, W * sizeof(float));
    } else if ((rc = vis_block_cls(v, ex, last, n, tokens, b, pooled)) != CDX_OK) {
        return rc;
    }
    v->kern->layer_norm(pooled, pooled, n, W, v->w->norm_g, v->w->norm_b, c->layer_norm_eps);
    return CDX_OK;
}

int mdl_vision_forward(mdl_model *m, const float *pixels, size_t n, float *pooled,
                       mdl_trace_fn trace, void *trace_ctx, cdx_error *err) {
    if (!m || (n && (!pixels || !pooled))) return cdx_fail(err, CDX_EINVAL, "vision: NULL argument");
    if (n == 0) return CDX_OK;
    vis_tower v;
    int rc = vis_open(m, &v, err);
    if (rc) return rc;
    const size_t S = (size_t)v.cfg.image_size, W = (size_t)v.cfg.width;
    const size_t chunk = n < VIS_MAX_BATCH ? n : VIS_MAX_BATCH;
    mdl_qworkspace ws = {0};
    v.ws = &ws;
    vis_bufs b;
    if (vis_bufs_alloc(&v.cfg, chunk, &b) != 0) {
        vis_close(&v);
        return cdx_fail(err, CDX_ENOMEM, "vision: out of memory for a batch of %zu images", chunk);
    }
    for (size_t i = 0; i < n && rc == CDX_OK; i += chunk) {
        const size_t cnt = n - i < chunk ? n - i : chunk;
        rc = vis_forward_chunk(&v, m->exec, pixels + i * 3 * S * S, cnt, pooled + i * W, trace,
                               trace_ctx, &b);
    }
    mdl_qworkspace_free(&ws);
    vis_bufs_free(&b);
    vis_close(&v);
    return rc;
}

int mdl_vision_embed(mdl_model *m, const float *pixels, size_t n, float *out, cdx_error *err) {
    int rc = mdl_vision_forward(m, pixels, n, out, NULL, NULL, err);
    if (rc == CDX_OK && n) {
        const mdl_kernels *k = m->k ? m->k : mdl_kernels_best();
        k->l2_normalize(out, n, (size_t)m->config.vision.width);
    }
    return rc;
}
