/*
 * local.c — the `local` embedder backend: jina-clip-v1 run in-process from a model directory
 * (src/model). Opening checks the files and reads config.json only; the tokenizer and each
 * tower's weights are bound on first use, so a text-only run never touches the vision tensors'
 * pages of the memory-mapped safetensors file. Texts are tokenized and run in padded batches;
 * images are decoded and preprocessed in parallel on the vision model's pool, then batched.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "embed/embedder.h"
#include "model/model.h"
#include "model/preprocess.h"
#include "model/text.h"
#include "model/vision.h"

#define LOCAL_MODEL "jina-clip-v1"
#define LOCAL_DEFAULT_TEXT_BATCH 16
#define LOCAL_DEFAULT_IMAGE_BATCH 8
#define LOCAL_MAX_BATCH 256
#define LOCAL_CONFIG_MAX ((long)1 << 20)

typedef struct local_embedder {
    cdx_embedder base;
    char *dir;
    int threads;
    size_t text_batch, image_batch;
    size_t max_len;    /* tokens per text, [CLS] and [SEP] included */
    int set_precision; /* nonzero: opts named one (else the model's $CLIPDEX_PRECISION) */
    mdl_precision precision;
    mdl_config config;
    cdx_tokenizer *tok; /* opened on the first texts */
    mdl_model *text;    /* text tower, bound on the first texts */
    mdl_model *vision;  /* vision tower, bound on the first images */
} local_embedder;

static int local_is_file(const char *dir, const char *name) {
    char path[4096];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    return n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The files a model directory needs; the message says how to get them. */
static int local_check_files(const char *dir, cdx_error *err) {
    const char *missing = NULL;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        missing = "no such directory";
    else if (!local_is_file(dir, "config.json"))
        missing = "no config.json";
    else if (!local_is_file(dir, "model.safetensors"))
        missing = "no model.safetensors";
    else if (!local_is_file(dir, "tokenizer.json") && !local_is_file(dir, "vocab.txt"))
        missing = "no tokenizer.json or vocab.txt";
    if (!missing) return CDX_OK;
    return cdx_fail(err, CDX_ENOTFOUND,
                    "no " LOCAL_MODEL " model in %s (%s): run `clipdex model fetch "
                    "--dir %s` (or pass --model DIR / set CLIPDEX_MODEL)",
                    dir, missing, dir);
}

/* config.json must describe a jina-clip model (model_type "jina_clip"); the sizes are read and
 * checked by mdl_config_load. */
static int local_check_model_type(const char *dir, cdx_error *err) {
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "rb");
    if (!f) return cdx_fail(err, CDX_EIO, "%s: cannot open", path);
    char *buf = malloc((size_t)LOCAL_CONFIG_MAX + 1);
    size_t n = buf ? fread(buf, 1, (size_t)LOCAL_CONFIG_MAX + 1, f) : 0;
    fclose(f);
    if (!buf) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    cJSON *root = n <= (size_t)LOCAL_CONFIG_MAX ? cJSON_ParseWithLength(buf, n) : NULL;
    free(buf);
    if (!root) return cdx_fail(err, CDX_ECORRUPT, "%s: not a JSON file of at most 1 MiB", path);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "model_type");
    int ok = cJSON_IsString(type) && !strcmp(type->valuestring, "jina_clip");
    cJSON_Delete(root);
    if (ok) return CDX_OK;
    return cdx_fail(err, CDX_EUNSUPPORTED,
                    "%s: not a jina-clip model (model_type is not \"jina_clip\"); the local "
                    "backend runs " LOCAL_MODEL,
                    path);
}

/* Binds one tower's weights (once) at the chosen precision. */
static int local_tower(local_embedder *le, int tower, mdl_model **m, cdx_error *err) {
    if (*m) return CDX_OK;
    int rc = mdl_model_open(le->dir, tower, le->threads, m, err);
    if (!rc && le->set_precision) rc = mdl_model_set_precision(*m, le->precision, err);
    if (rc) {
        mdl_model_close(*m);
        *m = NULL;
    }
    return rc;
}

static int local_text_ready(local_embedder *le, cdx_error *err) {
    int rc = CDX_OK;
    if (!le->tok) rc = cdx_tokenizer_open(le->dir, &le->tok, err);
    if (!rc) rc = local_tower(le, MDL_TOWER_TEXT, &le->text, err);
    return rc;
}

static int local_texts(cdx_embedder *e, const char *const *texts, size_t n, float *out,
                       uint8_t *done, cdx_error *err) {
    local_embedder *le = (local_embedder *)e;
    for (size_t i = 0; i < n; i++)
        if (!texts[i]) return cdx_fail(err, CDX_EINVAL, "embed: text %zu is NULL", i);
    int rc = local_text_ready(le, err);
    if (rc) return rc;
    size_t cap = le->text_batch * le->max_len;
    int32_t *ids = malloc(cap * sizeof *ids), *mask = malloc(cap * sizeof *mask);
    if (!ids || !mask) rc = cdx_fail(err, CDX_ENOMEM, "embed: out of memory");
    for (size_t i = 0; !rc && i < n; i += le->text_batch) {
        size_t nb = n - i < le->text_batch ? n - i : le->text_batch, seq = 0;
        rc = cdx_tokenize_batch(le->tok, texts + i, nb, le->max_len, ids, mask, &seq, err);
        if (!rc) rc = mdl_text_embed(le->text, ids, mask, nb, seq, out + i * e->dim, err);
        if (!rc) memset(done + i, 1, nb);
    }
    free(ids);
    free(mask);
    return rc;
}

/* One batch of images being decoded and preprocessed in parallel. */
typedef struct local_prep {
    const cdx_blob *blobs;
    const cdx_image_opts *opts;
    int size;
    size_t floats; /* 3 * size * size */
    float *pixels; /* [n][floats] */
    int *status;   /* per image */
    cdx_error *errs;
} local_prep;

static void local_prep_range(void *ctx, size_t begin, size_t end) {
    local_prep *p = ctx;
    for (size_t j = begin; j < end; j++) {
        const cdx_blob *b = &p->blobs[j];
        const char *name = b->name ? b->name : "image";
        p->status[j] = mdl_preprocess_mem(b->data, b->size, name, p->opts, p->size,
                                          p->pixels + j * p->floats, &p->errs[j]);
    }
}

/* Decodes batch [i, i + nb), embeds the images that decoded and scatters their rows into out. */
static int local_image_batch(local_embedder *le, local_prep *p, size_t i, size_t nb, float *embs,
                             size_t *rows, float *out, uint8_t *done, cdx_error *item_errs,
                             cdx_error *err) {
    const cdx_blob *all = p->blobs;
    p->blobs = all + i;
    for (size_t j = 0; j < nb; j++)
        cdx_error_clear(&p->errs[j]);
    mdl_exec_parallel(le->vision->exec, nb, 1, local_prep_range, p);
    p->blobs = all;
    size_t k = 0;
    for (size_t j = 0; j < nb; j++) {
        if (p->status[j]) {
            if (item_errs) item_errs[i + j] = p->errs[j];
            continue;
        }
        if (k != j)
            memcpy(p->pixels + k * p->floats, p->pixels + j * p->floats, p->floats * sizeof(float));
        rows[k++] = i + j;
    }
    int rc = k ? mdl_vision_embed(le->vision, p->pixels, k, embs, err) : CDX_OK;
    size_t dim = le->base.dim;
    for (size_t t = 0; !rc && t < k; t++) {
        memcpy(out + rows[t] * dim, embs + t * dim, dim * sizeof(float));
        done[rows[t]] = 1;
    }
    return rc;
}

static int local_images(cdx_embedder *e, const cdx_blob *images, size_t n,
                        const cdx_image_opts *opts, float *out, uint8_t *done, cdx_error *item_errs,
                        cdx_error *err) {
    local_embedder *le = (local_embedder *)e;
    int rc = local_tower(le, MDL_TOWER_VISION, &le->vision, err);
    if (rc) return rc;
    size_t b = le->image_batch, size = (size_t)le->config.vision.image_size;
    local_prep p = {.blobs = images, .opts = opts, .size = (int)size, .floats = 3 * size * size};
    p.pixels = malloc(b * p.floats * sizeof(float));
    p.status = calloc(b, sizeof *p.status);
    p.errs = calloc(b, sizeof *p.errs);
    float *embs = malloc(b * e->dim * sizeof *embs);
    size_t *rows = malloc(b * sizeof *rows);
    if (!p.pixels || !p.status || !p.errs || !embs || !rows)
        rc = cdx_fail(err, CDX_ENOMEM, "embed: out of memory");
    for (size_t i = 0; !rc && i < n; i += b) {
        size_t nb = n - i < b ? n - i : b;
        rc = local_image_batch(le, &p, i, nb, embs, rows, out, done, item_errs, err);
    }
    free(p.pixels);
    free(p.status);
    free(p.errs);
    free(embs);
    free(rows);
    return rc;
}

static void local_destroy(cdx_embedder *e) {
    local_embedder *le = (local_embedder *)e;
    mdl_model_close(le->text);
    mdl_model_close(le->vision);
    cdx_tokenizer_free(le->tok);
    free(le->dir);
    free(le);
}

static const embed_ops local_ops = {local_texts, local_images, local_destroy};

static int local_batch_opt(int v, int def, const char *what, size_t *out, cdx_error *err) {
    if (v < 0 || v > LOCAL_MAX_BATCH)
        return cdx_fail(err, CDX_EINVAL, "local: %s batch %d is not in 1..%d", what, v,
                        LOCAL_MAX_BATCH);
    *out = (size_t)(v ? v : def);
    return CDX_OK;
}

int cdx_embedder_open_local(const char *model_dir, const cdx_local_opts *opts, cdx_embedder **out,
                            cdx_error *err) {
    static const cdx_local_opts defaults = {0};
    if (!out) return cdx_fail(err, CDX_EINVAL, "local: no output handle");
    *out = NULL;
    if (!model_dir || !*model_dir) return cdx_fail(err, CDX_EINVAL, "local: no model directory");
    if (!opts) opts = &defaults;
    if (opts->threads < 0 || opts->threads > 1024)
        return cdx_fail(err, CDX_EINVAL, "local: %d threads is not in 0..1024", opts->threads);
    local_embedder *le = calloc(1, sizeof *le);
    if (!le || !(le->dir = strdup(model_dir))) {
        free(le);
        return cdx_fail(err, CDX_ENOMEM, "local: out of memory");
    }
    le->threads = opts->threads;
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", model_dir);
    int rc =
        local_batch_opt(opts->text_batch, LOCAL_DEFAULT_TEXT_BATCH, "text", &le->text_batch, err);
    if (!rc)
        rc = local_batch_opt(opts->image_batch, LOCAL_DEFAULT_IMAGE_BATCH, "image",
                             &le->image_batch, err);
    if (!rc && opts->precision) {
        le->set_precision = 1;
        rc = mdl_precision_parse(opts->precision, &le->precision, err);
    }
    if (!rc) rc = local_check_files(model_dir, err);
    if (!rc) rc = local_check_model_type(model_dir, err);
    if (!rc) rc = mdl_config_load(path, &le->config, err);
    if (!rc) rc = mdl_vision_check_config(&le->config.vision, err);
    if (rc) {
        free(le->dir);
        free(le);
        return rc;
    }
    int ml = le->config.text.max_length;
    le->max_len = ml >= 2 && ml <= CDX_TOKENIZER_MAX_LEN ? (size_t)ml : CDX_TOKENIZER_MAX_LEN;
    le->base.ops = &local_ops;
    le->base.backend = "local";
    snprintf(le->base.model, sizeof le->base.model, "%s", LOCAL_MODEL);
    le->base.dim = (size_t)le->config.projection_dim;
    *out = &le->base;
    return CDX_OK;
}
