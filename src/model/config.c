/*
 * config.c — reads jina-clip-v1's config.json (cJSON). Text sizes default to JinaBERT-v2-base's
 * (configuration_jbert.py) and are overridden by text_config.hf_model_config_kwargs, which is how
 * the upstream code passes them on; vision sizes are read from vision_config. Values are range
 * checked here and checked against the tensors in weights.c.
 */
#include "model/config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Generous bounds: large enough for any sane model, small enough that sizes cannot overflow. */
#define MDL_CFG_MAX_DIM 65536
#define MDL_CFG_MAX_VOCAB 4000000
#define MDL_CFG_MAX_LAYERS 1024

void mdl_config_default(mdl_config *c) {
    memset(c, 0, sizeof *c);
    c->text = (mdl_text_config){.vocab_size = 30528,
                                .hidden = 768,
                                .layers = 12,
                                .heads = 12,
                                .intermediate = 3072,
                                .type_vocab_size = 2,
                                .layer_norm_eps = 1e-12f,
                                .pad_token_id = 0,
                                .max_length = 512};
    c->vision = (mdl_vision_config){.image_size = 224,
                                    .patch_size = 16,
                                    .width = 768,
                                    .layers = 12,
                                    .head_width = 64,
                                    .mlp_ratio = 2.6667,
                                    .pt_hw_seq_len = 14,
                                    .intp_freq = 0,
                                    .layer_norm_eps = 1e-6f,
                                    .rope_theta = 10000.0f,
                                    .image_mean = {0.48145466f, 0.4578275f, 0.40821073f},
                                    .image_std = {0.26862954f, 0.26130258f, 0.27577711f}};
    c->vision.mlp_hidden = (int)(c->vision.width * c->vision.mlp_ratio);
    c->vision.heads = c->vision.width / c->vision.head_width;
    c->vision.grid = c->vision.image_size / c->vision.patch_size;
    c->projection_dim = 768;
}

/* Reads an optional integer field into *out within [lo, hi]. */
static int cfg_int(const cJSON *obj, const char *key, int lo, int hi, int *out, const char *name,
                   const char *where, cdx_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return CDX_OK;
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!(d >= lo && d <= hi) || d != floor(d))
        return cdx_fail(err, CDX_ECORRUPT, "%s: %s.%s must be an integer in [%d, %d]", name, where,
                        key, lo, hi);
    *out = (int)d;
    return CDX_OK;
}

static int cfg_real(const cJSON *obj, const char *key, double lo, double hi, double *out,
                    const char *name, const char *where, cdx_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return CDX_OK;
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!(d > lo && d <= hi))
        return cdx_fail(err, CDX_ECORRUPT, "%s: %s.%s must be a number in (%g, %g]", name, where,
                        key, lo, hi);
    *out = d;
    return CDX_OK;
}

static int cfg_bool(const cJSON *obj, const char *key, int *out, const char *name,
                    const char *where, cdx_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return CDX_OK;
    if (!cJSON_IsBool(v))
        return cdx_fail(err, CDX_ECORRUPT, "%s: %s.%s must be true or false", name, where, key);
    *out = cJSON_IsTrue(v);
    return CDX_OK;
}

static int cfg_text(const cJSON *tc, const cJSON *extra, mdl_text_config *t, const char *name,
                    cdx_error *err) {
    if (!cJSON_IsObject(tc)) return cdx_fail(err, CDX_ECORRUPT, "%s: text_config is missing", name);
    const cJSON *pool = cJSON_GetObjectItemCaseSensitive(tc, "pooler_type");
    if (cJSON_IsString(pool) && strcmp(pool->valuestring, "mean_pooler") != 0)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: text_config.pooler_type \"%s\" (only mean_pooler)",
                        name, pool->valuestring);
    const cJSON *proj = cJSON_GetObjectItemCaseSensitive(tc, "proj_type");
    if (proj && !cJSON_IsNull(proj))
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: text_config.proj_type must be null", name);
    const cJSON *kw = cJSON_GetObjectItemCaseSensitive(tc, "hf_model_config_kwargs");
    const char *w = "text_config.hf_model_config_kwargs";
    int rc = CDX_OK;
    if (kw && cJSON_IsObject(kw)) {
        double eps = t->layer_norm_eps;
        if (!rc) rc = cfg_int(kw, "vocab_size", 1, MDL_CFG_MAX_VOCAB, &t->vocab_size, name, w, err);
        if (!rc) rc = cfg_int(kw, "hidden_size", 1, MDL_CFG_MAX_DIM, &t->hidden, name, w, err);
        if (!rc) rc = cfg_int(kw, "num_hidden_layers", 1, MDL_CFG_MAX_LAYERS, &t->layers, name, w, err);
        if (!rc) rc = cfg_int(kw, "num_attention_heads", 1, MDL_CFG_MAX_DIM, &t->heads, name, w, err);
        if (!rc) rc = cfg_int(kw, "intermediate_size", 1, MDL_CFG_MAX_DIM, &t->intermediate, name, w, err);
        if (!rc) rc = cfg_int(kw, "type_vocab_size", 1, MDL_CFG_MAX_DIM, &t->type_vocab_size, name, w, err);
        if (!rc) rc = cfg_int(kw, "pad_token_id", 0, MDL_CFG_MAX_VOCAB, &t->pad_token_id, name, w, err);
        if (!rc) rc = cfg_real(kw, "layer_norm_eps", 0.0, 1.0, &eps, name, w, err);
        t->layer_norm_eps = (float)eps;
        const cJSON *mlp = cJSON_GetObjectItemCaseSensitive(kw, "mlp_type");
        if (!rc && cJSON_IsString(mlp) && strcmp(mlp->valuestring, "glu") != 0)
            rc = cdx_fail(err, CDX_EUNSUPPORTED, "%s: %s.mlp_type \"%s\" (only glu)", name, w,
                          mlp->valuestring);
    } else if (kw && !cJSON_IsNull(kw)) {
        return cdx_fail(err, CDX_ECORRUPT, "%s: %s is not an object", name, w);
    }
    if (!rc && extra) rc = cfg_int(extra, "max_length", 2, 1 << 20, &t->max_length, name,
                                   "clipdex_reference", err);
    if (rc) return rc;
    if (t->hidden % t->heads != 0)
        return cdx_fail(err, CDX_ECORRUPT, "%s: hidden size %d is not a multiple of %d heads", name,
                        t->hidden, t->heads);
    if (t->pad_token_id >= t->vocab_size)
        return cdx_fail(err, CDX_ECORRUPT, "%s: pad_token_id %d outside the vocabulary of %d", name,
                        t->pad_token_id, t->vocab_size);
    return CDX_OK;
}

static int cfg_vision(const cJSON *vc, mdl_vision_config *v, const char *name, cdx_error *err) {
    if (!cJSON_IsObject(vc))
        return cdx_fail(err, CDX_ECORRUPT, "%s: vision_config is missing", name);
    const char *w = "vision_config";
    static const char *const required[] = {"width", "layers", "head_width", "mlp_ratio",
                                           "patch_size", "image_size"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!cJSON_GetObjectItemCaseSensitive(vc, required[i]))
            return cdx_fail(err, CDX_ECORRUPT, "%s: vision_config.%s is missing", name, required[i]);
    int rc = cfg_int(vc, "width", 1, MDL_CFG_MAX_DIM, &v->width, name, w, err);
    if (!rc) rc = cfg_int(vc, "layers", 1, MDL_CFG_MAX_LAYERS, &v->layers, name, w, err);
    if (!rc) rc = cfg_int(vc, "head_width", 2, MDL_CFG_MAX_DIM, &v->head_width, name, w, err);
    if (!rc) rc = cfg_real(vc, "mlp_ratio", 0.0, 64.0, &v->mlp_ratio, name, w, err);
    if (!rc) rc = cfg_int(vc, "patch_size", 1, 4096, &v->patch_size, name, w, err);
    if (!rc) rc = cfg_int(vc, "image_size", 1, 16384, &v->image_size, name, w, err);
    v->pt_hw_seq_len = 0;
    if (!rc) rc = cfg_int(vc, "pt_hw_seq_len", 1, 4096, &v->pt_hw_seq_len, name, w, err);
    if (!rc) rc = cfg_bool(vc, "intp_freq", &v->intp_freq, name, w, err);
    if (rc) return rc;
    int flags[2] = {1, 0};
    static const char *const must_true[] = {"rope_embeddings", "naive_swiglu", "subln", "qkv_bias"};
    for (size_t i = 0; i < 4 && !rc; i++) {
        flags[0] = 1;
        rc = cfg_bool(vc, must_true[i], &flags[0], name, w, err);
        if (!rc && !flags[0])
            rc = cdx_fail(err, CDX_EUNSUPPORTED, "%s: vision_config.%s=false is not supported",
                          name, must_true[i]);
    }
    if (!rc) rc = cfg_bool(vc, "post_norm", &flags[1], name, w, err);
    if (!rc && flags[1])
        rc = cdx_fail(err, CDX_EUNSUPPORTED, "%s: vision_config.post_norm=true is not supported", name);
    if (rc) return rc;
    if (v->width % v->head_width != 0 || v->head_width % 4 != 0)
        return cdx_fail(err, CDX_ECORRUPT, "%s: vision width %d / head_width %d do not fit 2-D RoPE",
                        name, v->width, v->head_width);
    if (v->image_size % v->patch_size != 0)
        return cdx_fail(err, CDX_ECORRUPT, "%s: image_size %d is not a multiple of patch_size %d",
                        name, v->image_size, v->patch_size);
    v->heads = v->width / v->head_width;
    v->grid = v->image_size / v->patch_size;
    double hidden = (double)v->width * v->mlp_ratio; /* Python: int(width * mlp_ratio) */
    if (!(hidden >= 1.0 && hidden <= MDL_CFG_MAX_DIM * 64.0))
        return cdx_fail(err, CDX_ECORRUPT, "%s: vision mlp hidden size out of range", name);
    v->mlp_hidden = (int)hidden;
    if (v->pt_hw_seq_len == 0) v->pt_hw_seq_len = v->grid;
    return CDX_OK;
}

int mdl_config_parse(const char *json, size_t len, const char *name, mdl_config *out,
                     cdx_error *err) {
    mdl_config_default(out);
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cdx_fail(err, CDX_ECORRUPT, "%s: not a JSON object", name);
    }
    int rc = CDX_OK;
    const cJSON *proj = cJSON_GetObjectItemCaseSensitive(root, "add_projections");
    if (cJSON_IsTrue(proj))
        rc = cdx_fail(err, CDX_EUNSUPPORTED, "%s: add_projections=true is not supported", name);
    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(root, "clipdex_reference");
    if (!rc) rc = cfg_text(cJSON_GetObjectItemCaseSensitive(root, "text_config"),
                           cJSON_IsObject(extra) ? extra : NULL, &out->text, name, err);
    if (!rc) rc = cfg_vision(cJSON_GetObjectItemCaseSensitive(root, "vision_config"), &out->vision,
                             name, err);
    out->projection_dim = out->text.hidden;
    if (!rc) rc = cfg_int(root, "projection_dim", 1, MDL_CFG_MAX_DIM, &out->projection_dim, name,
                          "config", err);
    if (!rc && (out->projection_dim != out->text.hidden || out->projection_dim != out->vision.width))
        rc = cdx_fail(err, CDX_ECORRUPT,
                      "%s: projection_dim %d must equal the text (%d) and vision (%d) widths "
                      "(no projection heads)", name, out->projection_dim, out->text.hidden,
                      out->vision.width);
    cJSON_Delete(root);
    return rc;
}

int mdl_config_load(const char *path, mdl_config *out, cdx_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return cdx_fail(err, errno == ENOENT ? CDX_ENOTFOUND : CDX_EIO, "%s: cannot open: %s", path,
                        strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = CDX_OK;
    for (;;) {
        if (len == cap) {
            if (cap >= (16u << 20)) {
                rc = cdx_fail(err, CDX_ETOOLARGE, "%s: larger than 16 MiB", path);
                break;
            }
            cap = cap ? cap * 2 : 4096;
            char *nb = realloc(buf, cap);
            if (!nb) {
                rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
                break;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) rc = cdx_fail(err, CDX_EIO, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    if (!rc) rc = mdl_config_parse(buf ? buf : "", len, path, out, err);
    free(buf);
    return rc;
}
