/*
 * weights.h — every tensor of jina-clip-v1 bound to a typed pointer, each checked by name,
 * float dtype and exact shape against the configuration (names as in model.safetensors; see
 * research/jina-clip.md §2). A missing or mis-shaped tensor fails the bind, naming it.
 */
#ifndef CDX_MODEL_WEIGHTS_H
#define CDX_MODEL_WEIGHTS_H

#include "model/config.h"
#include "model/safetensors.h"

typedef struct mdl_text_layer {
    const float *wqkv, *bqkv;         /* [3H, H], [3H]: rows q | k | v, head-major inside */
    const float *w_attn_out, *b_attn_out; /* mixer.out_proj [H, H], [H] */
    const float *ln1_g, *ln1_b;       /* norm1 (post-attention) */
    const float *w_gated;             /* mlp.gated_layers [2I, H], no bias; rows [0, I) -> GELU */
    const float *w_mlp_out, *b_mlp_out; /* mlp.wo [H, I], [H] */
    const float *ln2_g, *ln2_b;       /* norm2 (post-MLP) */
} mdl_text_layer;

typedef struct mdl_text_weights {
    const float *word_emb;            /* [vocab, H] */
    const float *type_emb;            /* [type_vocab, H]; row 0 is added to every token */
    const float *emb_ln_g, *emb_ln_b;
    mdl_text_layer *layers;           /* [layers] */
} mdl_text_weights;

typedef struct mdl_vision_block {
    const float *ln1_g, *ln1_b;
    const float *q_bias, *v_bias;     /* k has no bias */
    const float *wq, *wk, *wv;        /* [W, W] each */
    const float *inner_ln_g, *inner_ln_b; /* attn.inner_attn_ln (sub-LN over W) */
    const float *w_proj, *b_proj;     /* attn.proj [W, W], [W] */
    const float *ln2_g, *ln2_b;
    const float *w1, *b1;             /* [M, W], [M]: SiLU branch */
    const float *w2, *b2;             /* [M, W], [M]: linear branch */
    const float *ffn_ln_g, *ffn_ln_b; /* mlp.ffn_ln (sub-LN over M) */
    const float *w3, *b3;             /* [W, M], [W] */
} mdl_vision_block;

typedef struct mdl_vision_weights {
    const float *cls_token;           /* [1, 1, W] */
    const float *pos_embed;           /* [1, grid*grid + 1, W] */
    const float *patch_w, *patch_b;   /* [W, 3, P, P] (= a linear layer over (c, ky, kx)), [W] */
    mdl_vision_block *blocks;         /* [layers] */
    const float *norm_g, *norm_b;     /* final LayerNorm */
} mdl_vision_weights;

enum { MDL_TOWER_TEXT = 1, MDL_TOWER_VISION = 2, MDL_TOWER_BOTH = 3 };

typedef struct mdl_weights {
    int towers;                       /* MDL_TOWER_* bound */
    mdl_text_weights text;
    mdl_vision_weights vision;
    float logit_scale;                /* log of the CLIP logit scale (0 when absent) */
} mdl_weights;

/* Binds the tensors of `towers` (MDL_TOWER_TEXT | MDL_TOWER_VISION) from `st` against `cfg`.
 * Pointers stay valid while `st` is open. Free with mdl_weights_free. */
int mdl_weights_bind(const mdl_safetensors *st, const mdl_config *cfg, int towers, mdl_weights *w,
                     cdx_error *err);

void mdl_weights_free(mdl_weights *w);

/* Looks up one float tensor and checks its shape (ndim values in `dims`); for callers binding
 * tensors of their own. */
int mdl_weights_get(const mdl_safetensors *st, const char *name, int ndim, const int64_t *dims,
                    const float **out, cdx_error *err);

#endif
