/*
 * precision.c — the run-time choice of the towers' arithmetic: parsing precision names and
 * $CLIPDEX_PRECISION, preparing a tower's integer weights once (every matrix of the tower in
 * parallel over the model's pool, under a lock so concurrent first calls prepare once), and
 * mdl_model_linear, the one call the towers make for every linear layer.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/model.h"

/* One integer precision's weights, each tower prepared on its first run at that precision. */
typedef struct mdl_qset {
    mdl_qtext_layer *text; /* [text layers] or NULL until the text tower first runs */
    mdl_qweight patch;
    mdl_qvision_block *vision; /* [vision layers] or NULL */
    size_t bytes;
} mdl_qset;

struct mdl_qstate {
    pthread_mutex_t lock;
    mdl_qset set[MDL_PREC_COUNT]; /* by precision; fp32's stays empty */
};

static const char *const prec_names[MDL_PREC_COUNT] = {"fp32", "int10", "int8"};

const char *mdl_precision_name(mdl_precision p) {
    return (unsigned)p < MDL_PREC_COUNT ? prec_names[p] : "unknown";
}

int mdl_precision_parse(const char *s, mdl_precision *out, cdx_error *err) {
    static const struct { const char *name; mdl_precision p; } alias[] = {
        {"fp32", MDL_PREC_FP32}, {"int10", MDL_PREC_INT10}, {"w10a10", MDL_PREC_INT10},
        {"int8", MDL_PREC_INT8}, {"w8a8", MDL_PREC_INT8}};
    for (size_t i = 0; s && i < sizeof alias / sizeof alias[0]; i++)
        if (strcmp(s, alias[i].name) == 0) {
            *out = alias[i].p;
            return CDX_OK;
        }
    return cdx_fail(err, CDX_EINVAL, "precision '%s': expected fp32, int10 or int8",
                    s ? s : "(null)");
}

int mdl_precision_from_env(mdl_precision *out, cdx_error *err) {
    const char *s = getenv(MDL_PRECISION_ENV);
    *out = MDL_PREC_FP32;
    if (!s || !*s) return CDX_OK;
    int rc = mdl_precision_parse(s, out, err);
    if (rc) cdx_fail(err, rc, "%s=%s: expected fp32, int10 or int8", MDL_PRECISION_ENV, s);
    return rc;
}

mdl_qprecision mdl_precision_qprecision(mdl_precision p, mdl_qkernel kernel) {
    if (p != MDL_PREC_INT8) return MDL_QPREC_W10A10;
    /* AVX2 multiplies u8×s8 exactly only within the pair budget; VNNI and the scalar twin add
     * every product in int32, so they keep full 8-bit weights (a little more accurate) */
    return kernel == MDL_QKERNEL_AVX2 ? MDL_QPREC_W8A8P : MDL_QPREC_W8A8;
}

/* How many leading vision blocks int8 runs at int10 (with the patch embedding): the first third,
 * rounded up (see prep_vision). */
static size_t int8_lead_blocks(size_t layers) { return (layers + 2) / 3; }

/* ---- preparation ------------------------------------------------------------------------- */

typedef struct prep_item {
    const float *w;
    size_t n, k;
    mdl_qweight *dst;
    const char *what;
    int layer;
    int wide; /* prepared at int10 whatever the precision (int8's lead vision blocks) */
} prep_item;

typedef struct prep_job {
    prep_item *items;
    mdl_qprecision qprec;
    mdl_qkernel kernel;
    atomic_int failed; /* 1 + the first failing item */
    cdx_error err;     /* that item's error (written by the thread that set `failed`) */
} prep_job;

static void prep_range(void *p, size_t i0, size_t i1) {
    prep_job *j = p;
    for (size_t i = i0; i < i1 && !atomic_load(&j->failed); i++) {
        const prep_item *it = &j->items[i];
        cdx_error e = {0};
        mdl_qprecision qp = it->wide ? MDL_QPREC_W10A10 : j->qprec;
        if (mdl_qweight_prepare_with(it->w, it->n, it->k, j->kernel, qp, it->dst, &e)) {
            int expected = 0;
            if (atomic_compare_exchange_strong(&j->failed, &expected, (int)i + 1)) j->err = e;
        }
    }
}

/* Prepares `count` matrices in parallel; on failure frees them all and names the first. */
static int prep_run(mdl_model *m, prep_item *items, size_t count, size_t *bytes, cdx_error *err) {
    mdl_qkernel kernel = mdl_qkernel_default();
    prep_job job = {.items = items, .qprec = mdl_precision_qprecision(m->precision, kernel),
                    .kernel = kernel};
    atomic_init(&job.failed, 0);
    mdl_exec_parallel(m->exec, count, 1, prep_range, &job);
    int bad = atomic_load(&job.failed);
    if (bad) {
        for (size_t i = 0; i < count; i++) mdl_qweight_free(items[i].dst);
        const prep_item *it = &items[bad - 1];
        return cdx_fail(err, job.err.code ? job.err.code : CDX_EINVAL, "%s: %s of layer %d: %s",
                        m->dir ? m->dir : "model", it->what, it->layer, job.err.message);
    }
    for (size_t i = 0; i < count; i++)
        *bytes += items[i].dst->packed_bytes + items[i].dst->n * sizeof(float) +
                  items[i].dst->n_pad * sizeof(int32_t);
    return CDX_OK;
}

static void prep_add(prep_item *items, size_t *count, const float *w, size_t n, size_t k,
                     mdl_qweight *dst, const char *what, int layer) {
    items[(*count)++] = (prep_item){w, n, k, dst, what, layer, 0};
}

static int prep_text(mdl_model *m, mdl_qset *q, cdx_error *err) {
    const mdl_text_config *c = &m->config.text;
    const size_t L = (size_t)c->layers, H = (size_t)c->hidden, I = (size_t)c->intermediate;
    mdl_qtext_layer *ql = calloc(L ? L : 1, sizeof *ql);
    prep_item *items = calloc(4 * L + 1, sizeof *items);
    if (!ql || !items) {
        free(ql);
        free(items);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory for the integer text tower", m->dir);
    }
    size_t count = 0;
    for (size_t i = 0; i < L; i++) {
        const mdl_text_layer *w = &m->weights.text.layers[i];
        prep_add(items, &count, w->wqkv, 3 * H, H, &ql[i].wqkv, "Wqkv", (int)i);
        prep_add(items, &count, w->w_attn_out, H, H, &ql[i].attn_out, "out_proj", (int)i);
        prep_add(items, &count, w->w_gated, 2 * I, H, &ql[i].gated, "gated_layers", (int)i);
        prep_add(items, &count, w->w_mlp_out, H, I, &ql[i].mlp_out, "wo", (int)i);
    }
    int rc = prep_run(m, items, count, &q->bytes, err);
    free(items);
    if (rc) free(ql);
    else q->text = ql;
    return rc;
}

static int prep_vision(mdl_model *m, mdl_qset *q, cdx_error *err) {
    const mdl_vision_config *c = &m->config.vision;
    const size_t L = (size_t)c->layers, W = (size_t)c->width, M = (size_t)c->mlp_hidden;
    const size_t K = 3 * (size_t)c->patch_size * (size_t)c->patch_size;
    mdl_qvision_block *qb = calloc(L ? L : 1, sizeof *qb);
    prep_item *items = calloc(7 * L + 1, sizeof *items);
    if (!qb || !items) {
        free(qb);
        free(items);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory for the integer vision tower", m->dir);
    }
    size_t count = 0;
    prep_add(items, &count, m->weights.vision.patch_w, W, K, &q->patch, "patch_embed", 0);
    /* int8 keeps the patch embedding and the first third of the blocks at int10: the early
     * blocks carry most of int8's image error (full-size random weights, worst image cosine vs
     * fp32: all 8-bit 0.9965; these at int10 0.9994, first quarter 0.9992, first block 0.9985;
     * the last third at int10 instead 0.9966), at 1/3 of the tower's products */
    const size_t lead = m->precision == MDL_PREC_INT8 ? int8_lead_blocks(L) : 0;
    items[count - 1].wide = lead > 0;
    for (size_t i = 0; i < L; i++) {
        const mdl_vision_block *w = &m->weights.vision.blocks[i];
        const size_t first = count;
        prep_add(items, &count, w->wq, W, W, &qb[i].wq, "q_proj", (int)i);
        prep_add(items, &count, w->wk, W, W, &qb[i].wk, "k_proj", (int)i);
        prep_add(items, &count, w->wv, W, W, &qb[i].wv, "v_proj", (int)i);
        prep_add(items, &count, w->w_proj, W, W, &qb[i].proj, "attn.proj", (int)i);
        prep_add(items, &count, w->w1, M, W, &qb[i].w1, "mlp.w1", (int)i);
        prep_add(items, &count, w->w2, M, W, &qb[i].w2, "mlp.w2", (int)i);
        prep_add(items, &count, w->w3, W, M, &qb[i].w3, "mlp.w3", (int)i);
        for (size_t j = first; j < count; j++) items[j].wide = i < lead;
    }
    int rc = prep_run(m, items, count, &q->bytes, err);
    free(items);
    if (rc) free(qb);
    else q->vision = qb;
    return rc;
}

/* Frees one precision's prepared weights. */
static void qset_clear(mdl_model *m, mdl_qset *q) {
    if (q->text)
        for (int i = 0; i < m->config.text.layers; i++) {
            mdl_qweight_free(&q->text[i].wqkv);
            mdl_qweight_free(&q->text[i].attn_out);
            mdl_qweight_free(&q->text[i].gated);
            mdl_qweight_free(&q->text[i].mlp_out);
        }
    if (q->vision)
        for (int i = 0; i < m->config.vision.layers; i++) {
            mdl_qvision_block *b = &q->vision[i];
            mdl_qweight *all[] = {&b->wq, &b->wk, &b->wv, &b->proj, &b->w1, &b->w2, &b->w3};
            for (size_t j = 0; j < sizeof all / sizeof all[0]; j++) mdl_qweight_free(all[j]);
        }
    mdl_qweight_free(&q->patch);
    free(q->text);
    free(q->vision);
    q->text = NULL;
    q->vision = NULL;
    q->bytes = 0;
}

void mdl_model_qstate_free(mdl_model *m) {
    if (!m || !m->q) return;
    for (int p = 0; p < MDL_PREC_COUNT; p++) qset_clear(m, &m->q->set[p]);
    pthread_mutex_destroy(&m->q->lock);
    free(m->q);
    m->q = NULL;
}

int mdl_model_set_precision(mdl_model *m, mdl_precision p, cdx_error *err) {
    if (!m || (unsigned)p >= MDL_PREC_COUNT)
        return cdx_fail(err, CDX_EINVAL, "model: bad precision %d", (int)p);
    if (p != MDL_PREC_FP32 && !m->q) {
        m->q = calloc(1, sizeof *m->q);
        if (!m->q) return cdx_fail(err, CDX_ENOMEM, "model: out of memory");
        if (pthread_mutex_init(&m->q->lock, NULL) != 0) {
            free(m->q);
            m->q = NULL;
            return cdx_fail(err, CDX_ENOMEM, "model: cannot create a lock");
        }
    }
    /* Each precision's integer weights stay prepared until the model is closed, so switching
     * back and forth (benchmarks interleave precisions) prepares each once. */
    m->precision = p;
    return CDX_OK;
}

mdl_precision mdl_model_precision(const mdl_model *m) { return m->precision; }

size_t mdl_model_qbytes(const mdl_model *m) {
    return m && m->q ? m->q->set[m->precision].bytes : 0;
}

int mdl_model_qtext(mdl_model *m, const mdl_qtext_layer **out, cdx_error *err) {
    *out = NULL;
    if (m->precision == MDL_PREC_FP32 || !m->q) return CDX_OK;
    pthread_mutex_lock(&m->q->lock);
    mdl_qset *q = &m->q->set[m->precision];
    int rc = q->text ? CDX_OK : prep_text(m, q, err);
    *out = q->text;
    pthread_mutex_unlock(&m->q->lock);
    return rc;
}

int mdl_model_qvision(mdl_model *m, const mdl_qweight **patch, const mdl_qvision_block **out,
                      cdx_error *err) {
    *out = NULL;
    *patch = NULL;
    if (m->precision == MDL_PREC_FP32 || !m->q) return CDX_OK;
    pthread_mutex_lock(&m->q->lock);
    mdl_qset *q = &m->q->set[m->precision];
    int rc = q->vision ? CDX_OK : prep_vision(m, q, err);
    *out = q->vision;
    if (*out) *patch = &q->patch;
    pthread_mutex_unlock(&m->q->lock);
    return rc;
}

int mdl_model_linear(mdl_model *m, const mdl_qweight *qw, mdl_qworkspace *ws, const float *x,
                     size_t rows, size_t k, const float *w, size_t n, const float *bias, float *y,
                     cdx_error *err) {
    if (!qw) {
        mdl_linear(m->exec, x, rows, k, w, n, bias, y);
        return CDX_OK;
    }
    return mdl_qlinear(x, rows, k, qw, bias, y, mdl_exec_pool(m->exec), ws, err);
}
