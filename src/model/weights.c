/*
 * weights.c — binds model.safetensors tensors to the towers' weight structs. Every tensor is
 * looked up by its published name and must be a float tensor of exactly the shape the config
 * implies; the error names the tensor and both shapes.
 */
#include "model/weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static void shape_str(char *buf, size_t cap, int ndim, const int64_t *dims) {
    size_t at = 0;
    buf[0] = '\0';
    at += (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < ndim && at < cap; i++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%lld", i ? ", " : "", (long long)dims[i]);
    if (at < cap) snprintf(buf + at, cap - at, "]");
}

int mdl_weights_get(const mdl_safetensors *st, const char *name, int ndim, const int64_t *dims,
                    const float **out, cdx_error *err) {
    const mdl_tensor *t = mdl_st_find(st, name);
    if (!t)
        return cdx_fail(err, CDX_ENOTFOUND, "%s: tensor %s is missing", mdl_st_path(st), name);
    if (!t->f32)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: tensor %s has dtype %s (F32, F16 or BF16 needed)",
                        mdl_st_path(st), name, mdl_dtype_name(t->dtype));
    int same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = t->shape[i] == dims[i];
    if (!same) {
        char want[128], got[128];
        shape_str(want, sizeof want, ndim, dims);
        shape_str(got, sizeof got, t->ndim, t->shape);
        return cdx_fail(err, CDX_ECORRUPT, "%s: tensor %s has shape %s, the config implies %s",
                        mdl_st_path(st), name, got, want);
    }
    *out = t->f32;
    return CDX_OK;
}

/* One binding: a printf-style name with an optional layer index and its expected shape. */
typedef struct bind_ctx {
    const mdl_safetensors *st;
    cdx_error *err;
    int rc;
} bind_ctx;

static const float *bind(bind_ctx *b, const char *prefix, int layer, const char *suffix, int ndim,
                         int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
    if (b->rc) return NULL;
    char name[256];
    if (layer >= 0)
        snprintf(name, sizeof name, "%s%d.%s", prefix, layer, suffix);
    else
        snprintf(name, sizeof name, "%s%s", prefix, suffix);
    const int64_t dims[4] = {d0, d1, d2, d3};
    const float *p = NULL;
    b->rc = mdl_weights_get(b->st, name, ndim, dims, &p, b->err);
    return p;
}

#define B1(pre, l, suf, a) bind(&b, pre, l, suf, 1, a, 0, 0, 0)
#define B2(pre, l, suf, a, c) bind(&b, pre, l, suf, 2, a, c, 0, 0)

static int bind_text(const mdl_safetensors *st, const mdl_text_config *c, mdl_text_weights *t,
                     cdx_error *err) {
    bind_ctx b = {st, err, CDX_OK};
    const char *p = "text_model.transformer.";
    const int64_t H = c->hidden, I = c->intermediate;
    t->word_emb = B2(p, -1, "embeddings.word_embeddings.weight", c->vocab_size, H);
    t->type_emb = B2(p, -1, "embeddings.token_type_embeddings.weight", c->type_vocab_size, H);
    t->emb_ln_g = B1(p, -1, "emb_ln.weight", H);
    t->emb_ln_b = B1(p, -1, "emb_ln.bias", H);
    if (b.rc) return b.rc;
    t->layers = calloc((size_t)c->layers, sizeof *t->layers);
    if (!t->layers) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", mdl_st_path(st));
    const char *lp = "text_model.transformer.encoder.layers.";
    for (int i = 0; i < c->layers && !b.rc; i++) {
        mdl_text_layer *L = &t->layers[i];
        L->wqkv = B2(lp, i, "mixer.Wqkv.weight", 3 * H, H);
        L->bqkv = B1(lp, i, "mixer.Wqkv.bias", 3 * H);
        L->w_attn_out = B2(lp, i, "mixer.out_proj.weight", H, H);
        L->b_attn_out = B1(lp, i, "mixer.out_proj.bias", H);
        L->ln1_g = B1(lp, i, "norm1.weight", H);
        L->ln1_b = B1(lp, i, "norm1.bias", H);
        L->w_gated = B2(lp, i, "mlp.gated_layers.weight", 2 * I, H);
        L->w_mlp_out = B2(lp, i, "mlp.wo.weight", H, I);
        L->b_mlp_out = B1(lp, i, "mlp.wo.bias", H);
        L->ln2_g = B1(lp, i, "norm2.weight", H);
        L->ln2_b = B1(lp, i, "norm2.bias", H);
    }
    /* a layer past the configured count means config and weights disagree */
    if (!b.rc) {
        char name[160];
        snprintf(name, sizeof name, "%s%d.norm2.weight", lp, c->layers);
        if (mdl_st_find(st, name))
            b.rc = cdx_fail(err, CDX_ECORRUPT, "%s: tensor %s exists but the config has %d text layers",
                            mdl_st_path(st), name, c->layers);
    }
    return b.rc;
}

static int bind_vision(const mdl_safetensors *st, const mdl_vision_config *c,
                       mdl_vision_weights *v, cdx_error *err) {
    bind_ctx b = {st, err, CDX_OK};
    const char *p = "vision_model.";
    const int64_t W = c->width, M = c->mlp_hidden, P = c->patch_size;
    const int64_t tokens = (int64_t)c->grid * c->grid + 1;
    v->cls_token = bind(&b, p, -1, "cls_token", 3, 1, 1, W, 0);
    v->pos_embed = bind(&b, p, -1, "pos_embed", 3, 1, tokens, W, 0);
    v->patch_w = bind(&b, p, -1, "patch_embed.proj.weight", 4, W, 3, P, P);
    v->patch_b = B1(p, -1, "patch_embed.proj.bias", W);
    v->norm_g = B1(p, -1, "norm.weight", W);
    v->norm_b = B1(p, -1, "norm.bias", W);
    if (b.rc) return b.rc;
    v->blocks = calloc((size_t)c->layers, sizeof *v->blocks);
    if (!v->blocks) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", mdl_st_path(st));
    const char *bp = "vision_model.blocks.";
    for (int i = 0; i < c->layers && !b.rc; i++) {
        mdl_vision_block *k = &v->blocks[i];
        k->ln1_g = B1(bp, i, "norm1.weight", W);
        k->ln1_b = B1(bp, i, "norm1.bias", W);
        k->q_bias = B1(bp, i, "attn.q_bias", W);
        k->v_bias = B1(bp, i, "attn.v_bias", W);
        k->wq = B2(bp, i, "attn.q_proj.weight", W, W);
        k->wk = B2(bp, i, "attn.k_proj.weight", W, W);
        k->wv = B2(bp, i, "attn.v_proj.weight", W, W);
        k->inner_ln_g = B1(bp, i, "attn.inner_attn_ln.weight", W);
        k->inner_ln_b = B1(bp, i, "attn.inner_attn_ln.bias", W);
        k->w_proj = B2(bp, i, "attn.proj.weight", W, W);
        k->b_proj = B1(bp, i, "attn.proj.bias", W);
        k->ln2_g = B1(bp, i, "norm2.weight", W);
        k->ln2_b = B1(bp, i, "norm2.bias", W);
        k->w1 = B2(bp, i, "mlp.w1.weight", M, W);
        k->b1 = B1(bp, i, "mlp.w1.bias", M);
        k->w2 = B2(bp, i, "mlp.w2.weight", M, W);
        k->b2 = B1(bp, i, "mlp.w2.bias", M);
        k->ffn_ln_g = B1(bp, i, "mlp.ffn_ln.weight", M);
        k->ffn_ln_b = B1(bp, i, "mlp.ffn_ln.bias", M);
        k->w3 = B2(bp, i, "mlp.w3.weight", W, M);
        k->b3 = B1(bp, i, "mlp.w3.bias", W);
    }
    if (!b.rc) {
        char name[160];
        snprintf(name, sizeof name, "%s%d.norm1.weight", bp, c->layers);
        if (mdl_st_find(st, name))
            b.rc = cdx_fail(err, CDX_ECORRUPT,
                            "%s: tensor %s exists but the config has %d vision layers",
                            mdl_st_path(st), name, c->layers);
    }
    return b.rc;
}

int mdl_weights_bind(const mdl_safetensors *st, const mdl_config *cfg, int towers, mdl_weights *w,
                     cdx_error *err) {
    memset(w, 0, sizeof *w);
    int rc = CDX_OK;
    if (towers & MDL_TOWER_TEXT) rc = bind_text(st, &cfg->text, &w->text, err);
    if (!rc && (towers & MDL_TOWER_VISION)) rc = bind_vision(st, &cfg->vision, &w->vision, err);
    if (rc) {
        mdl_weights_free(w);
        return rc;
    }
    const mdl_tensor *ls = mdl_st_find(st, "logit_scale");
    if (ls && ls->f32 && ls->numel == 1) w->logit_scale = ls->f32[0];
    w->towers = towers;
    return CDX_OK;
}

void mdl_weights_free(mdl_weights *w) {
    if (!w) return;
    free(w->text.layers);
    free(w->vision.blocks);
    memset(w, 0, sizeof *w);
}
