/*
 * text.c — JinaBERT-v2 forward pass (jina-bert-flash-implementation with use_flash_attn=false;
 * research/jina-clip.md §1a): word + token-type-0 embeddings and LayerNorm, then post-LN layers
 * of fused-QKV attention with symmetric ALiBi over the real keys, and a GEGLU MLP
 * (exact-erf GELU on the first half), then the mean over real tokens. Only real tokens are
 * computed (packed, pads dropped: the reference's pad-key mask gives pads exactly zero weight),
 * so padding costs nothing. Matrix products split their output columns over the pool;
 * attention splits (sequence, head) pairs. At int10/int8 (mdl_model_set_precision) the four
 * linear layers of each block run through mdl_qlinear instead of sgemm.
 */
#include "model/text.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Rows of the MLP done at a time: bounds its [rows, 2I] activation (6 MB for 768/3072) so
 * long batches stay within the memory budget. */
#define TXT_MLP_ROWS 256

/* Slope i of the power-of-two rule for n heads: start^(i+1), start = 2^(-8/n), computed in
 * double as the reference (Press et al.'s get_slopes) does before rounding to float32. */
static double alibi_pow2_slope(int n, int i) {
    double start = pow(2.0, -pow(2.0, -(log2((double)n) - 3.0)));
    return start * pow(start, (double)i);
}

void mdl_alibi_slopes(int heads, float *slopes) {
    int closest = 1;
    while (closest <= heads / 2) closest *= 2;
    /* the closest power of two's slopes, then every other slope of twice as many heads */
    for (int i = 0; i < heads; i++)
        slopes[i] = (float)(i < closest ? alibi_pow2_slope(closest, i)
                                        : alibi_pow2_slope(2 * closest, 2 * (i - closest)));
}

/* Activations of one forward pass over the T real tokens of the batch, packed (pads dropped). */
typedef struct txt_buffers {
    float *x;     /* [T, H] hidden state */
    float *qkv;   /* [T, 3H] */
    float *ctx;   /* [T, H] attention output before out_proj */
    float *tmp;   /* [T, H] sublayer output */
    float *mlp;   /* [min(T, TXT_MLP_ROWS), 2I] */
} txt_buffers;

/* Where the real tokens are: sequence b owns packed rows [start[b], start[b] + len[b]), and
 * packed row t sat at position pos[t] of its padded row (ALiBi uses those positions). */
typedef struct txt_layout {
    size_t *start, *len, *pos, *src; /* src[t]: index into ids (b * seq + s) */
    size_t total, longest;
} txt_layout;

typedef struct txt_attn_job {
    const mdl_model *m;
    const txt_buffers *buf;
    const txt_layout *lay;
    const float *slopes;
    atomic_int failed;
} txt_attn_job;

/* Attention for (sequence, head) pairs [begin, end): scores, ALiBi, softmax, ·V. Padded keys
 * are left out: the reference's -10000 makes their softmax weight exactly 0 in float32. */
static void txt_attn_range(void *p, size_t begin, size_t end) {
    txt_attn_job *j = p;
    const mdl_text_config *c = &j->m->config.text;
    const size_t H = (size_t)c->hidden, nh = (size_t)c->heads, hd = H / nh, L = j->lay->longest;
    const float scale = (float)(1.0 / sqrt((double)hd));
    float *scores = malloc(L * L * sizeof *scores);
    if (!scores) {
        atomic_store(&j->failed, 1);
        return;
    }
    for (size_t pair = begin; pair < end; pair++) {
        size_t b = pair / nh, h = pair % nh, n = j->lay->len[b], r0 = j->lay->start[b];
        const size_t *pos = j->lay->pos + r0;
        const float *q = j->buf->qkv + r0 * 3 * H + h * hd;
        const float *k = q + H, *v = q + 2 * H;
        mdl_gemm_nt(n, n, hd, scale, q, 3 * H, k, 3 * H, 0.0f, scores, n);
        const float slope = j->slopes[h];
        for (size_t r = 0; r < n; r++)
            for (size_t col = 0; col < n; col++) {
                float dist = (float)(pos[r] > pos[col] ? pos[r] - pos[col] : pos[col] - pos[r]);
                scores[r * n + col] += -slope * dist;
            }
        j->m->k->softmax_rows(scores, n, n);
        mdl_gemm_nn(n, hd, n, 1.0f, scores, n, v, 3 * H, 0.0f, j->buf->ctx + r0 * H + h * hd, H);
    }
    free(scores);
}

static int txt_check_input(const mdl_model *m, const int32_t *ids, const int32_t *mask,
                           size_t batch, size_t seq, cdx_error *err) {
    const mdl_text_config *c = &m->config.text;
    if (!(m->weights.towers & MDL_TOWER_TEXT))
        return cdx_fail(err, CDX_EINVAL, "%s: the text tower is not loaded", m->dir);
    if (batch == 0 || seq == 0) return cdx_fail(err, CDX_EINVAL, "text: empty batch");
    if (seq > (size_t)1 << 20 || batch > ((size_t)1 << 30) / seq)
        return cdx_fail(err, CDX_ETOOLARGE, "text: batch %zu x %zu tokens is too large", batch, seq);
    for (size_t b = 0; b < batch; b++) {
        size_t real = 0;
        for (size_t s = 0; s < seq; s++) {
            int32_t id = ids[b * seq + s];
            if (id < 0 || id >= c->vocab_size)
                return cdx_fail(err, CDX_EINVAL, "text: token id %d at [%zu, %zu] outside the "
                                "vocabulary of %d", (int)id, b, s, c->vocab_size);
            real += mask ? mask[b * seq + s] != 0 : id != c->pad_token_id;
        }
        if (real == 0) return cdx_fail(err, CDX_EINVAL, "text: sequence %zu has no tokens", b);
    }
    return CDX_OK;
}

static void txt_layout_free(txt_layout *l) {
    free(l->start);
    free(l->len);
    free(l->pos);
    free(l->src);
}

static int txt_layout_make(const mdl_model *m, const int32_t *ids, const int32_t *mask, size_t B,
                           size_t S, txt_layout *l, cdx_error *err) {
    memset(l, 0, sizeof *l);
    l->start = malloc(B * sizeof *l->start);
    l->len = malloc(B * sizeof *l->len);
    l->pos = malloc(B * S * sizeof *l->pos);
    l->src = malloc(B * S * sizeof *l->src);
    if (!l->start || !l->len || !l->pos || !l->src) {
        txt_layout_free(l);
        return cdx_fail(err, CDX_ENOMEM, "text: out of memory");
    }
    size_t t = 0;
    for (size_t b = 0; b < B; b++) {
        l->start[b] = t;
        for (size_t s = 0; s < S; s++) {
            size_t i = b * S + s;
            if (mask ? mask[i] == 0 : ids[i] == m->config.text.pad_token_id) continue;
            l->pos[t] = s;
            l->src[t++] = i;
        }
        l->len[b] = t - l->start[b];
        if (l->len[b] > l->longest) l->longest = l->len[b];
    }
    l->total = t;
    return CDX_OK;
}

static void txt_free(txt_buffers *b) {
    free(b->x);
    free(b->qkv);
    free(b->ctx);
    free(b->tmp);
    free(b->mlp);
}

static int txt_alloc(txt_buffers *b, size_t T, size_t H, size_t I, cdx_error *err) {
    memset(b, 0, sizeof *b);
    if (T == 0) T = 1; /* never: every sequence has a token (checked); keeps malloc(0) away */
    b->x = malloc(T * H * sizeof(float));
    b->qkv = malloc(T * 3 * H * sizeof(float));
    b->ctx = malloc(T * H * sizeof(float));
    b->tmp = malloc(T * H * sizeof(float));
    b->mlp = malloc((T < TXT_MLP_ROWS ? T : TXT_MLP_ROWS) * 2 * I * sizeof(float));
    if (!b->x || !b->qkv || !b->ctx || !b->tmp || !b->mlp) {
        txt_free(b);
        return cdx_fail(err, CDX_ENOMEM, "text: out of memory for %zu tokens", T);
    }
    return CDX_OK;
}

static void txt_embed_tokens(const mdl_model *m, const int32_t *ids, const txt_layout *lay,
                             float *x) {
    const mdl_text_weights *w = &m->weights.text;
    const size_t H = (size_t)m->config.text.hidden, T = lay->total;
    for (size_t t = 0; t < T; t++) {
        memcpy(x + t * H, w->word_emb + (size_t)ids[lay->src[t]] * H, H * sizeof(float));
        m->k->add(x + t * H, w->type_emb, H); /* token_type_ids are always 0 */
    }
    m->k->layer_norm(x, x, T, H, w->emb_ln_g, w->emb_ln_b, m->config.text.layer_norm_eps);
}

/* One layer's integer weights (NULL at fp32), the scratch of its integer products, and its
 * packed fp32 weights (NULL when not packed: OpenBLAS on the mapped weights). */
typedef struct txt_q {
    const mdl_qtext_layer *w;
    mdl_qworkspace *ws;
    const mdl_ptext_layer *p;
} txt_q;

/* The fp32 twin of a txt_q field: packed when the layer has packed weights, else NULL. */
#define TXT_PW(q, field) ((q).p ? &(q).p->field : NULL)

/* y = x · wᵀ + bias at the model's precision: integer, else packed fp32, else sgemm. */
static int txt_linear(mdl_model *m, txt_q q, const mdl_qweight *qw, const mdl_pweight *pw,
                      const float *x, size_t rows, size_t k, const float *w, size_t n,
                      const float *bias, float *y, cdx_error *err) {
    if (qw) return mdl_model_linear(m, qw, q.ws, x, rows, k, w, n, bias, y, err);
    mdl_model_flinear(m, pw, x, k, rows, k, w, n, bias, y, n);
    return CDX_OK;
}

/* GEGLU over rows of [gate | value]: the first half of each row becomes gelu(gate) · value. */
typedef struct txt_geglu_job {
    const mdl_kernels *k;
    float *mlp;
    size_t I;
} txt_geglu_job;

static void txt_geglu_rows(void *ctx, size_t r0, size_t r1) {
    const txt_geglu_job *j = ctx;
    for (size_t r = r0; r < r1; r++)
        j->k->gelu_mul(j->mlp + r * 2 * j->I, j->mlp + r * 2 * j->I + j->I, j->I);
}

/* x = LN2(x + wo · geglu(gated · x)), in row chunks. */
static int txt_mlp(mdl_model *m, const mdl_text_layer *L, txt_q q, txt_buffers *b, size_t T,
                   cdx_error *err) {
    const size_t H = (size_t)m->config.text.hidden, I = (size_t)m->config.text.intermediate;
    for (size_t r0 = 0; r0 < T; r0 += TXT_MLP_ROWS) {
        size_t rows = T - r0 < TXT_MLP_ROWS ? T - r0 : TXT_MLP_ROWS;
        int rc = txt_linear(m, q, q.w ? &q.w->gated : NULL, TXT_PW(q, gated), b->x + r0 * H,
                            rows, H, L->w_gated, 2 * I, NULL, b->mlp, err);
        if (rc) return rc;
        txt_geglu_job geglu = {m->k, b->mlp, I};
        mdl_exec_parallel(m->exec, rows, 4, txt_geglu_rows, &geglu);
        if (!q.w) {
            mdl_model_flinear(m, TXT_PW(q, mlp_out), b->mlp, 2 * I, rows, I, L->w_mlp_out, H,
                              L->b_mlp_out, b->tmp + r0 * H, H);
            continue;
        }
        rc = mdl_qlinear_ld(b->mlp, 2 * I, rows, I, &q.w->mlp_out, L->b_mlp_out,
                            b->tmp + r0 * H, mdl_exec_pool(m->exec), q.ws, err);
        if (rc) return rc;
    }
    m->k->add(b->tmp, b->x, T * H);
    m->k->layer_norm(b->tmp, b->x, T, H, L->ln2_g, L->ln2_b, m->config.text.layer_norm_eps);
    return CDX_OK;
}

static int txt_layer(mdl_model *m, const mdl_text_layer *L, txt_q q, txt_buffers *b,
                     txt_attn_job *job, size_t B, cdx_error *err) {
    const size_t H = (size_t)m->config.text.hidden, T = job->lay->total;
    const float eps = m->config.text.layer_norm_eps;
    int rc = txt_linear(m, q, q.w ? &q.w->wqkv : NULL, TXT_PW(q, wqkv), b->x, T, H, L->wqkv,
                        3 * H, L->bqkv, b->qkv, err);
    if (rc) return rc;
    mdl_exec_parallel(m->exec, B * (size_t)m->config.text.heads, 1, txt_attn_range, job);
    if (atomic_load(&job->failed))
        return cdx_fail(err, CDX_ENOMEM, "text: out of memory for attention scores");
    rc = txt_linear(m, q, q.w ? &q.w->attn_out : NULL, TXT_PW(q, attn_out), b->ctx, T, H,
                    L->w_attn_out, H, L->b_attn_out, b->tmp, err);
    if (rc) return rc;
    m->k->add(b->tmp, b->x, T * H);
    m->k->layer_norm(b->tmp, b->x, T, H, L->ln1_g, L->ln1_b, eps);
    return txt_mlp(m, L, q, b, T, err);
}

static void txt_pool(const mdl_model *m, const float *x, const txt_layout *lay, size_t B,
                     float *pooled) {
    const size_t H = (size_t)m->config.text.hidden;
    for (size_t b = 0; b < B; b++) {
        float *o = pooled + b * H;
        memset(o, 0, H * sizeof *o);
        for (size_t t = lay->start[b]; t < lay->start[b] + lay->len[b]; t++) m->k->add(o, x + t * H, H);
        float n = (float)lay->len[b];
        for (size_t i = 0; i < H; i++) o[i] /= n;
    }
}

int mdl_text_forward(mdl_model *m, const int32_t *ids, const int32_t *mask, size_t batch,
                     size_t seq, float *pooled, mdl_trace_fn trace, void *trace_ctx,
                     cdx_error *err) {
    int rc = txt_check_input(m, ids, mask, batch, seq, err);
    if (rc) return rc;
    const mdl_text_config *c = &m->config.text;
    const size_t B = batch, H = (size_t)c->hidden;
    const mdl_qtext_layer *qlayers = NULL; /* integer weights, NULL at fp32 */
    rc = mdl_model_qtext(m, &qlayers, err);
    if (rc) return rc;
    const mdl_ptext_layer *players = NULL; /* packed fp32 weights, NULL when not in use */
    rc = mdl_model_ptext(m, &players, err);
    if (rc) return rc;
    mdl_qworkspace ws = {0};
    txt_layout lay;
    txt_buffers buf;
    rc = txt_layout_make(m, ids, mask, B, seq, &lay, err);
    if (rc) return rc;
    rc = txt_alloc(&buf, lay.total, H, (size_t)c->intermediate, err);
    if (rc) {
        txt_layout_free(&lay);
        return rc;
    }
    float *slopes = malloc((size_t)c->heads * sizeof *slopes);
    if (!slopes) {
        rc = cdx_fail(err, CDX_ENOMEM, "text: out of memory");
        goto out;
    }
    mdl_alibi_slopes(c->heads, slopes);
    txt_embed_tokens(m, ids, &lay, buf.x);
    if (trace) trace(trace_ctx, "text.emb_ln_out", buf.x, lay.total, H);
    txt_attn_job job = {.m = m, .buf = &buf, .lay = &lay, .slopes = slopes};
    atomic_init(&job.failed, 0);
    for (int i = 0; i < c->layers && !rc; i++) {
        txt_q q = {qlayers ? &qlayers[i] : NULL, &ws, players ? &players[i] : NULL};
        rc = txt_layer(m, &m->weights.text.layers[i], q, &buf, &job, B, err);
        if (!rc && trace) {
            char name[48];
            snprintf(name, sizeof name, "text.layer%d_out", i);
            trace(trace_ctx, name, buf.x, lay.total, H);
        }
    }
    if (!rc) {
        if (trace) trace(trace_ctx, "text.last_hidden_state", buf.x, lay.total, H);
        txt_pool(m, buf.x, &lay, B, pooled);
    }
out:
    mdl_qworkspace_free(&ws);
    free(slopes);
    txt_free(&buf);
    txt_layout_free(&lay);
    return rc;
}

int mdl_text_embed(mdl_model *m, const int32_t *ids, const int32_t *mask, size_t batch,
                   size_t seq, float *out, cdx_error *err) {
    int rc = mdl_text_forward(m, ids, mask, batch, seq, out, NULL, NULL, err);
    if (rc) return rc;
    m->k->l2_normalize(out, batch, (size_t)m->config.text.hidden);
    return CDX_OK;
}
