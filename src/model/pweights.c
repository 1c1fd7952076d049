/*
 * pweights.c — the towers' fp32 weights packed for pgemm.h: prepared once per tower on its first
 * fp32 call (every matrix in parallel over the model's pool, under a lock so concurrent first
 * calls pack once), each matrix's mapped pages released right after it is packed so peak memory
 * stays near one copy of the weights, and mdl_model_flinear, the fp32 linear layer of the towers.
 * Under $CDX_MODEL_GEMM=auto the vision tower times both GEMMs once on a layer-shaped product.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "model/model.h"

struct mdl_pstate {
    pthread_mutex_t lock;
    mdl_ptext_layer *text; /* [text layers] or NULL until the text tower first runs */
    mdl_pweight patch;
    mdl_pvision_block *vision; /* [vision layers] or NULL */
    size_t bytes;
    int vision_auto; /* auto mode's choice for vision: -1 not timed yet, 0 OpenBLAS, 1 packed */
};

typedef struct pack_item {
    const float *w;
    size_t n, k;
    mdl_pweight *dst;
} pack_item;

typedef struct pack_job {
    const mdl_safetensors *st;
    pack_item *items;
    int failed; /* written only as 0 -> 1 by any thread; read after the join */
} pack_job;

static void pack_range(void *p, size_t i0, size_t i1) {
    pack_job *j = p;
    for (size_t i = i0; i < i1; i++) {
        const pack_item *it = &j->items[i];
        cdx_error e = {0};
        if (mdl_pweight_pack(it->w, it->n, it->k, it->dst, &e)) {
            __atomic_store_n(&j->failed, 1, __ATOMIC_RELAXED);
            continue;
        }
        mdl_st_release(j->st, it->w, it->n * it->k * sizeof(float));
    }
}

/* Packs `count` matrices in parallel; on failure frees them all. */
static int pack_run(mdl_model *m, pack_item *items, size_t count, const char *tower,
                    cdx_error *err) {
    pack_job job = {m->st, items, 0};
    mdl_exec_parallel(m->exec, count, 1, pack_range, &job);
    if (__atomic_load_n(&job.failed, __ATOMIC_RELAXED)) {
        for (size_t i = 0; i < count; i++)
            mdl_pweight_free(items[i].dst);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory packing the fp32 %s tower",
                        m->dir ? m->dir : "model", tower);
    }
    for (size_t i = 0; i < count; i++)
        m->p->bytes += mdl_pweight_bytes(items[i].dst);
    return CDX_OK;
}

static int pack_text(mdl_model *m, cdx_error *err) {
    const mdl_text_config *c = &m->config.text;
    const size_t L = (size_t)c->layers, H = (size_t)c->hidden, I = (size_t)c->intermediate;
    mdl_ptext_layer *pl = calloc(L ? L : 1, sizeof *pl);
    pack_item *items = calloc(4 * L + 1, sizeof *items);
    if (!pl || !items) {
        free(pl);
        free(items);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory for the packed text tower", m->dir);
    }
    size_t count = 0;
    for (size_t i = 0; i < L; i++) {
        const mdl_text_layer *w = &m->weights.text.layers[i];
        items[count++] = (pack_item){w->wqkv, 3 * H, H, &pl[i].wqkv};
        items[count++] = (pack_item){w->w_attn_out, H, H, &pl[i].attn_out};
        items[count++] = (pack_item){w->w_gated, 2 * I, H, &pl[i].gated};
        items[count++] = (pack_item){w->w_mlp_out, H, I, &pl[i].mlp_out};
    }
    int rc = pack_run(m, items, count, "text", err);
    free(items);
    if (rc)
        free(pl);
    else
        m->p->text = pl;
    return rc;
}

static int pack_vision(mdl_model *m, cdx_error *err) {
    const mdl_vision_config *c = &m->config.vision;
    const size_t L = (size_t)c->layers, W = (size_t)c->width, M = (size_t)c->mlp_hidden;
    const size_t K = 3 * (size_t)c->patch_size * (size_t)c->patch_size;
    mdl_pvision_block *pb = calloc(L ? L : 1, sizeof *pb);
    pack_item *items = calloc(7 * L + 1, sizeof *items);
    if (!pb || !items) {
        free(pb);
        free(items);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory for the packed vision tower", m->dir);
    }
    size_t count = 0;
    items[count++] = (pack_item){m->weights.vision.patch_w, W, K, &m->p->patch};
    for (size_t i = 0; i < L; i++) {
        const mdl_vision_block *w = &m->weights.vision.blocks[i];
        mdl_pvision_block *d = &pb[i];
        items[count++] = (pack_item){w->wq, W, W, &d->wq};
        items[count++] = (pack_item){w->wk, W, W, &d->wk};
        items[count++] = (pack_item){w->wv, W, W, &d->wv};
        items[count++] = (pack_item){w->w_proj, W, W, &d->proj};
        items[count++] = (pack_item){w->w1, M, W, &d->w1};
        items[count++] = (pack_item){w->w2, M, W, &d->w2};
        items[count++] = (pack_item){w->w3, W, M, &d->w3};
    }
    int rc = pack_run(m, items, count, "vision", err);
    free(items);
    if (rc)
        free(pb);
    else
        m->p->vision = pb;
    return rc;
}

int mdl_model_pstate_new(mdl_model *m, cdx_error *err) {
    m->p = calloc(1, sizeof *m->p);
    if (!m->p) return cdx_fail(err, CDX_ENOMEM, "model: out of memory");
    if (pthread_mutex_init(&m->p->lock, NULL) != 0) {
        free(m->p);
        m->p = NULL;
        return cdx_fail(err, CDX_ENOMEM, "model: cannot create a lock");
    }
    m->p->vision_auto = -1;
    return CDX_OK;
}

void mdl_model_pstate_free(mdl_model *m) {
    if (!m || !m->p) return;
    struct mdl_pstate *p = m->p;
    if (p->text)
        for (int i = 0; i < m->config.text.layers; i++) {
            mdl_pweight_free(&p->text[i].wqkv);
            mdl_pweight_free(&p->text[i].attn_out);
            mdl_pweight_free(&p->text[i].gated);
            mdl_pweight_free(&p->text[i].mlp_out);
        }
    if (p->vision)
        for (int i = 0; i < m->config.vision.layers; i++) {
            mdl_pvision_block *b = &p->vision[i];
            mdl_pweight *all[] = {&b->wq, &b->wk, &b->wv, &b->proj, &b->w1, &b->w2, &b->w3};
            for (size_t j = 0; j < sizeof all / sizeof all[0]; j++)
                mdl_pweight_free(all[j]);
        }
    mdl_pweight_free(&p->patch);
    free(p->text);
    free(p->vision);
    pthread_mutex_destroy(&p->lock);
    free(p);
    m->p = NULL;
}

int mdl_model_packed_active(const mdl_model *m, int tower) {
    if (!m || !m->p || m->precision != MDL_PREC_FP32) return 0;
    const char *gemm = getenv(MDL_GEMM_ENV);
    if (gemm && strcmp(gemm, "openblas") == 0) return 0;
    if (gemm && strcmp(gemm, "packed") == 0) return 1;
    /* measured (readme-pgemm): packed wins on the text tower's ~128 rows, where OpenBLAS
     * re-packing the weights on every call costs most; at the vision tower's ~1600 rows
     * OpenBLAS's own blocking is a few percent faster on a CPU it has kernels for, and several
     * times slower on one it does not know (Debian's 0.3.21 on a Sapphire Rapids Xeon): the
     * vision tower's choice is timed once (pw_time_vision; packed unless OpenBLAS is clearly
     * faster) */
    if (tower == MDL_TOWER_TEXT) return 1;
    return m->p->vision_auto == 1;
}

static double pw_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Auto mode, vision: times OpenBLAS and the packed kernel on one product shaped like the
 * tower's (256 rows x width x width, best of 5 each after a warm-up, interleaved, on the model's
 * pool) and keeps the packed kernel unless OpenBLAS is clearly faster (by more than 10%): at
 * parity on that product the packed kernel wins on the whole tower, where OpenBLAS re-packs every
 * weight on every call (~6% of the tower; Zen 3 VM, ten paired runs: 3.51 vs 3.42 images/s
 * wall, 3.88 vs 3.66 by CPU time, means); where OpenBLAS has no kernels for the CPU the packed one is ~3.5x faster. Only speed
 * depends on it: both are checked against the reference. Called with p->lock held. */
static void pw_time_vision(mdl_model *m) {
    struct mdl_pstate *p = m->p;
    const size_t R = 256, K = (size_t)m->config.vision.width, N = K;
    p->vision_auto = 0;
    float *x = malloc(R * K * sizeof *x), *w = malloc(N * K * sizeof *w);
    float *y = malloc(R * N * sizeof *y);
    mdl_pweight pw;
    memset(&pw, 0, sizeof pw);
    cdx_error ignored;
    if (x && w && y) {
        for (size_t i = 0; i < R * K; i++) x[i] = (float)(i % 97) * 0.01f - 0.48f;
        for (size_t i = 0; i < N * K; i++) w[i] = (float)(i % 89) * 0.001f - 0.044f;
        if (mdl_pweight_pack(w, N, K, &pw, &ignored) == CDX_OK) {
            double blas = 1e30, packed = 1e30;
            for (int rep = -1; rep < 5; rep++) { /* rep -1 warms both up, untimed */
                double t0 = pw_now_ms();
                mdl_linear(m->exec, x, R, K, w, N, NULL, y);
                double t1 = pw_now_ms();
                mdl_plinear(m->exec, x, K, R, &pw, NULL, y, N);
                double t2 = pw_now_ms();
                if (rep >= 0 && t1 - t0 < blas) blas = t1 - t0;
                if (rep >= 0 && t2 - t1 < packed) packed = t2 - t1;
            }
            p->vision_auto = packed <= blas * 1.1;
            mdl_pweight_free(&pw);
        }
    }
    free(x);
    free(w);
    free(y);
}

int mdl_model_ptext(mdl_model *m, const mdl_ptext_layer **out, cdx_error *err) {
    *out = NULL;
    if (!mdl_model_packed_active(m, MDL_TOWER_TEXT)) return CDX_OK;
    pthread_mutex_lock(&m->p->lock);
    int rc = m->p->text ? CDX_OK : pack_text(m, err);
    *out = m->p->text;
    pthread_mutex_unlock(&m->p->lock);
    return rc;
}

int mdl_model_pvision(mdl_model *m, const mdl_pweight **patch, const mdl_pvision_block **out,
                      cdx_error *err) {
    *out = NULL;
    *patch = NULL;
    const char *gemm = getenv(MDL_GEMM_ENV);
    if (m && m->p && m->precision == MDL_PREC_FP32 && (!gemm || strcmp(gemm, "auto") == 0)) {
        pthread_mutex_lock(&m->p->lock);
        if (m->p->vision_auto < 0) pw_time_vision(m);
        pthread_mutex_unlock(&m->p->lock);
    }
    if (!mdl_model_packed_active(m, MDL_TOWER_VISION)) return CDX_OK;
    pthread_mutex_lock(&m->p->lock);
    int rc = m->p->vision ? CDX_OK : pack_vision(m, err);
    *out = m->p->vision;
    if (*out) *patch = &m->p->patch;
    pthread_mutex_unlock(&m->p->lock);
    return rc;
}

size_t mdl_model_pbytes(const mdl_model *m) {
    return m && m->p ? m->p->bytes : 0;
}

void mdl_model_flinear(mdl_model *m, const mdl_pweight *pw, const float *x, size_t ldx, size_t rows,
                       size_t k, const float *w, size_t n, const float *bias, float *y,
                       size_t ldy) {
    if (pw)
        mdl_plinear(m->exec, x, ldx, rows, pw, bias, y, ldy);
    else
        mdl_linear_ld(m->exec, x, ldx, rows, k, w, n, bias, y, ldy);
}
