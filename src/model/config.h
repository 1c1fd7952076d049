/*
 * config.h — jina-clip-v1's config.json as Hugging Face publishes it: `vision_config` spells out
 * the EVA02 tower; `text_config` names JinaBERT-v2, whose sizes are that model's defaults unless
 * `text_config.hf_model_config_kwargs` overrides them. The values are checked against the
 * tensors by mdl_weights_bind, not here.
 */
#ifndef CDX_MODEL_CONFIG_H
#define CDX_MODEL_CONFIG_H

#include <stddef.h>

#include "clipdex.h"

typedef struct mdl_text_config {
    int vocab_size;        /* 30528 */
    int hidden;            /* 768 */
    int layers;            /* 12 */
    int heads;             /* 12 */
    int intermediate;      /* 3072 (GEGLU: gated_layers has 2x rows) */
    int type_vocab_size;   /* 2 */
    float layer_norm_eps;  /* 1e-12 */
    int pad_token_id;      /* 0 */
    int max_length;        /* 512: encode_text's truncation */
} mdl_text_config;

typedef struct mdl_vision_config {
    int image_size;        /* 224 */
    int patch_size;        /* 16 */
    int width;             /* 768 */
    int layers;            /* 12 */
    int head_width;        /* 64 */
    double mlp_ratio;      /* 2.6667 */
    int mlp_hidden;        /* int(width * mlp_ratio) = 2048 */
    int heads;             /* width / head_width */
    int grid;              /* image_size / patch_size */
    int pt_hw_seq_len;     /* 14 */
    int intp_freq;         /* 0 */
    float layer_norm_eps;  /* 1e-6 (eva_model.py's LayerNorm, not in config.json) */
    float rope_theta;      /* 10000 (rope_embeddings.py) */
    float image_mean[3];   /* OpenAI CLIP mean/std (preprocessor_config.json) */
    float image_std[3];
} mdl_vision_config;

typedef struct mdl_config {
    mdl_text_config text;
    mdl_vision_config vision;
    int projection_dim;    /* 768; no projection heads (add_projections=false) */
} mdl_config;

/* Parses config.json bytes (`name` is used in messages). */
int mdl_config_parse(const char *json, size_t len, const char *name, mdl_config *out,
                     cdx_error *err);

/* Reads and parses the file at `path`. */
int mdl_config_load(const char *path, mdl_config *out, cdx_error *err);

/* The published full-size jina-clip-v1 configuration. */
void mdl_config_default(mdl_config *out);

#endif
