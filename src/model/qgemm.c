/*
 * qgemm.c — the integer linear layer's driver (its weights: qgemm_weights.c): per-row activation
 * quantisation, cache blocking (K blocks of ≤ 512; a 16-column weight sliver stays in L1 while a
 * chunk of ≤ 192 rows of activation tiles (≤ 200 KB) and its int32 sums stay in L2), work sharing
 * over the thread pool (quantise, then multiply; products that share an input share one
 * quantisation and one pass), and the dequantisation (scalar for the scalar twin, AVX2 for the
 * others, bit-identical), so kernels that agree in int32 agree bit for bit in float.
 */
#include "model/qgemm.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/qgemm_internal.h"

#define QGEMM_NC 128      /* columns per panel (a multiple of 32) */
#define QGEMM_KC 512      /* at most this many k per block */
#define QGEMM_MC 192      /* at most this many rows per chunk */

void mdl_qworkspace_free(mdl_qworkspace *ws) {
    if (!ws) return;
    free(ws->mem);
    ws->mem = NULL;
    ws->cap = 0;
}

/* ---- one call ------------------------------------------------------------------------------ */

typedef struct qgemm_call {
    const mdl_qkernel_ops *ops;
    const mdl_qweight *qw;     /* the first product's weights (k, k_pad, ops are common) */
    const mdl_qproduct *prods; /* the products sharing x; their panels are numbered in turn */
    size_t count;
    size_t panel_end[MDL_QLINEAR_MAX_PRODUCTS]; /* one past each product's last panel */
    const float *x;
    size_t ldx;      /* floats between two rows of x (k unless the caller says) */
    int32_t *acc;    /* the corrected int32 sums (one product), or NULL: float outputs */
    size_t m, tiles, tile_bytes, chunk_tiles, chunks, panels, kc;
    uint8_t *a;      /* packed activation tiles */
    float *a_scale;  /* [tiles · mr] */
    int32_t *a_zero; /* [tiles · mr] */
    uint8_t *thread_mem;
    size_t thread_bytes, q_bytes;
    int32_t levels;  /* activations are quantised to 0..levels */
    int (*quantise_row)(const float *x, size_t k, size_t k_pad, int32_t levels, uint16_t *q,
                        float *scale, int32_t *zero);
    void (*dequant_row)(const int32_t *c, size_t cols, int32_t zero, const int32_t *row_sum,
                        float a_scale, const float *w_scale, const float *bias, float *y);
    atomic_size_t next;
    atomic_int bad_row; /* 1 + the first row with a non-finite value, or 0 */
} qgemm_call;

/* Asymmetric per row over [min(x, 0), max(x, 0)] (so 0 is exact), L = levels: inv = L / range,
 * zero = round(-lo · inv), q = clamp(round(x · inv) + zero, 0, L), scale = range / L; halves
 * round to even. Returns 0 when the row holds a NaN or infinity. */
static int qgemm_quantise_row(const float *x, size_t k, size_t k_pad, int32_t levels, uint16_t *q,
                              float *scale, int32_t *zero) {
    float lo = 0.0f, hi = 0.0f, poison = 0.0f; /* x·0 is NaN only for a NaN or infinite x */
    for (size_t i = 0; i < k; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
        poison += x[i] * 0.0f;
    }
    memset(q + k, 0, (k_pad - k) * sizeof *q);
    float range = hi - lo, fl = (float)levels;
    if (poison != 0.0f || !isfinite(range)) return 0;
    if (range == 0.0f) { /* an all-zero row: any scale will do */
        memset(q, 0, k * sizeof *q);
        *scale = 0.0f;
        *zero = 0;
        return 1;
    }
    float inv = fl / range;
    long z = lrintf(-lo * inv);
    z = z < 0 ? 0 : (z > levels ? levels : z);
    for (size_t i = 0; i < k; i++) {
        long v = lrintf(x[i] * inv) + z;
        q[i] = (uint16_t)(v < 0 ? 0 : (v > levels ? levels : v));
    }
    *scale = range / fl;
    *zero = (int32_t)z;
    return 1;
}

/* Zero-padded rows of the last tile get q = 0 and zero = 0 in u8 form; AVX2 stores q - zero = 0. */
static void qgemm_pack_tile(qgemm_call *call, size_t t, uint16_t *q) {
    const mdl_qkernel_ops *ops = call->ops;
    size_t k = call->qw->k, k_pad = call->qw->k_pad, r0 = t * ops->mr;
    size_t rows = call->m - r0 < ops->mr ? call->m - r0 : ops->mr;
    for (size_t r = 0; r < ops->mr; r++) {
        if (r >= rows) {
            call->a_scale[r0 + r] = 0.0f;
            call->a_zero[r0 + r] = 0;
            continue;
        }
        if (!call->quantise_row(call->x + (r0 + r) * call->ldx, k, k_pad, call->levels, q + r * k_pad,
                                &call->a_scale[r0 + r], &call->a_zero[r0 + r])) {
            int expected = 0;
            atomic_compare_exchange_strong(&call->bad_row, &expected, (int)(r0 + r + 1));
            memset(q + r * k_pad, 0, k_pad * sizeof *q);
            call->a_scale[r0 + r] = 0.0f;
            call->a_zero[r0 + r] = 0;
        }
    }
    ops->pack_a(q, rows, call->a_zero + r0, k_pad, call->a + t * call->tile_bytes);
}

static void qgemm_quantise_worker(void *ctx, int thread) {
    qgemm_call *call = ctx;
    void *mine = call->thread_mem + (size_t)thread * call->thread_bytes;
    uint16_t *q = mine;
    for (;;) {
        size_t t = atomic_fetch_add(&call->next, 1);
        if (t >= call->tiles) break;
        qgemm_pack_tile(call, t, q);
    }
}

static void qgemm_dequant_row(const int32_t *c, size_t cols, int32_t zero, const int32_t *row_sum,
                              float a_scale, const float *w_scale, const float *bias, float *y) {
    for (size_t j = 0; j < cols; j++) {
        int32_t v = c[j] - (row_sum ? zero * row_sum[j] : 0);
        float out = (float)v * (a_scale * w_scale[j]);
        y[j] = bias ? out + bias[j] : out;
    }
}

/* Writes rows [r0, r1) × columns [n0, n1) of product `p` from the panel's int32 sums. */
static void qgemm_finish(const qgemm_call *call, const mdl_qproduct *p, const int32_t *c,
                         size_t r0, size_t r1, size_t n0, size_t n1) {
    const mdl_qweight *qw = p->qw;
    size_t n = qw->n;
    const int32_t *row_sum = call->ops->zero_shifted ? NULL : qw->row_sum + n0;
    for (size_t r = r0; r < r1; r++) {
        const int32_t *crow = c + (r - r0) * QGEMM_NC;
        int32_t z = call->a_zero[r];
        if (call->acc) {
            for (size_t j = n0; j < n1; j++)
                call->acc[r * n + j] = crow[j - n0] - (row_sum ? z * row_sum[j - n0] : 0);
            continue;
        }
        call->dequant_row(crow, n1 - n0, z, row_sum, call->a_scale[r], qw->scale + n0,
                          p->bias ? p->bias + n0 : NULL, p->y + r * n + n0);
    }
}

static void qgemm_job(const qgemm_call *call, size_t job, int32_t *c) {
    const mdl_qkernel_ops *ops = call->ops;
    size_t panel = job % call->panels, chunk = job / call->panels, which = 0;
    while (panel >= call->panel_end[which]) which++;
    if (which) panel -= call->panel_end[which - 1];
    const mdl_qproduct *p = &call->prods[which];
    const mdl_qweight *qw = p->qw;
    size_t n0 = panel * QGEMM_NC, n1 = n0 + QGEMM_NC < qw->n_pad ? n0 + QGEMM_NC : qw->n_pad;
    size_t t0 = chunk * call->chunk_tiles;
    size_t t1 = t0 + call->chunk_tiles < call->tiles ? t0 + call->chunk_tiles : call->tiles;
    size_t sliver_bytes = 16 * qw->k_pad * ops->elem, step = ops->nr_slivers;
    const uint8_t *w = (const uint8_t *)qw->packed + (n0 / 16) * sliver_bytes;
    for (size_t k0 = 0; k0 < qw->k_pad; k0 += call->kc) {
        size_t kc = qw->k_pad - k0 < call->kc ? qw->k_pad - k0 : call->kc;
        /* a sliver (≤ 16 KB) stays in L1 while the chunk's activation tiles stream past it */
        for (size_t s = 0; s < (n1 - n0) / 16; s += step)
            for (size_t t = t0; t < t1; t++) {
                const uint8_t *a = call->a + t * call->tile_bytes + k0 * ops->mr * ops->elem;
                int32_t *ct = c + (t - t0) * ops->mr * QGEMM_NC;
                ops->micro(a, w + s * sliver_bytes + k0 * 16 * ops->elem, sliver_bytes, kc,
                           ct + s * 16, QGEMM_NC, k0 == 0);
            }
    }
    size_t r0 = t0 * ops->mr, r1 = t1 * ops->mr < call->m ? t1 * ops->mr : call->m;
    qgemm_finish(call, p, c, r0, r1, n0, n1 < qw->n ? n1 : qw->n);
}

static void qgemm_gemm_worker(void *ctx, int thread) {
    qgemm_call *call = ctx;
    void *mine = call->thread_mem + (size_t)thread * call->thread_bytes + call->q_bytes;
    int32_t *c = mine;
    for (;;) {
        size_t job = atomic_fetch_add(&call->next, 1);
        if (job >= call->panels * call->chunks) break;
        qgemm_job(call, job, c);
    }
}

/* Carves the workspace into the call's buffers, growing it when needed. */
static int qgemm_layout(qgemm_call *call, int threads, mdl_qworkspace *ws, cdx_error *err) {
    const mdl_qkernel_ops *ops = call->ops;
    size_t k_pad = call->qw->k_pad, mr = ops->mr;
    call->tiles = (call->m + mr - 1) / mr;
    call->tile_bytes = k_pad * mr * ops->elem;
    call->chunk_tiles = QGEMM_MC / mr;
    call->chunks = (call->tiles + call->chunk_tiles - 1) / call->chunk_tiles;
    call->panels = 0;
    for (size_t i = 0; i < call->count; i++) {
        call->panels += (call->prods[i].qw->n_pad + QGEMM_NC - 1) / QGEMM_NC;
        call->panel_end[i] = call->panels;
    }
    size_t kblocks = (k_pad + QGEMM_KC - 1) / QGEMM_KC;
    call->kc = mdl_qgemm_round_up((k_pad + kblocks - 1) / kblocks, 4);
    call->q_bytes = mdl_qgemm_round_up(mr * k_pad * sizeof(uint16_t), 64);
    call->thread_bytes = call->q_bytes + call->chunk_tiles * mr * QGEMM_NC * sizeof(int32_t);
    size_t a_bytes = mdl_qgemm_round_up(call->tiles * call->tile_bytes, 64);
    size_t row_bytes = mdl_qgemm_round_up(call->tiles * mr * sizeof(float), 64);
    size_t need = a_bytes + 2 * row_bytes + (size_t)threads * call->thread_bytes;
    if (call->tiles > SIZE_MAX / 64 / k_pad)
        return cdx_fail(err, CDX_EINVAL, "quantised linear: %zu rows is too many", call->m);
    if (ws->cap < need) {
        free(ws->mem);
        ws->cap = 0;
        ws->mem = aligned_alloc(64, need);
        if (!ws->mem)
            return cdx_fail(err, CDX_ENOMEM, "quantised linear: out of memory for %zu bytes", need);
        ws->cap = need;
    }
    uint8_t *base = ws->mem;
    call->a = base;
    void *scales = base + a_bytes, *zeros = base + a_bytes + row_bytes;
    call->a_scale = scales;
    call->a_zero = zeros;
    call->thread_mem = base + a_bytes + 2 * row_bytes;
    return CDX_OK;
}

static void qgemm_run(core_pool *pool, void (*fn)(void *, int), qgemm_call *call) {
    atomic_store(&call->next, 0);
    if (pool)
        core_pool_run(pool, fn, call);
    else
        fn(call, 0);
}

/* Checks the products: prepared, the input's k, one kernel, an output each. */
static int qgemm_check_products(const mdl_qproduct *prods, size_t count, size_t m, size_t k,
                                int want_y, cdx_error *err) {
    if (!prods || count == 0 || count > MDL_QLINEAR_MAX_PRODUCTS)
        return cdx_fail(err, CDX_EINVAL, "quantised linear: %zu products (1 to %d)", count,
                        MDL_QLINEAR_MAX_PRODUCTS);
    for (size_t i = 0; i < count; i++) {
        const mdl_qweight *qw = prods[i].qw;
        if (!qw || !qw->packed || !qw->ops)
            return cdx_fail(err, CDX_EINVAL, "quantised linear: weights %zu are not prepared", i);
        if (k != qw->k)
            return cdx_fail(err, CDX_EINVAL,
                            "quantised linear: input has %zu columns, weights %zu have %zu", k, i,
                            qw->k);
        if (qw->ops != prods[0].qw->ops)
            return cdx_fail(err, CDX_EINVAL,
                            "quantised linear: weights %zu use kernel %s/%s, weights 0 %s/%s", i,
                            qw->ops->name, mdl_qprecision_name(qw->precision),
                            prods[0].qw->ops->name, mdl_qprecision_name(prods[0].qw->precision));
        if (m && want_y && !prods[i].y)
            return cdx_fail(err, CDX_EINVAL, "quantised linear: no output for weights %zu", i);
    }
    return CDX_OK;
}

static int qgemm_call_run(qgemm_call *call, size_t k, core_pool *pool, mdl_qworkspace *ws,
                          cdx_error *err) {
    int rc = qgemm_check_products(call->prods, call->count, call->m, k, !call->acc, err);
    if (rc) return rc;
    if (!call->ldx) call->ldx = k;
    call->qw = call->prods[0].qw;
    call->ops = call->qw->ops;
    if (call->m == 0) return CDX_OK;
    if (!call->x) return cdx_fail(err, CDX_EINVAL, "quantised linear: no input");
    call->levels = mdl_qgemm_a_levels(call->ops->precision);
    /* The scalar twin keeps the scalar row steps, so the tests also hold the SIMD ones to them. */
    call->quantise_row = qgemm_quantise_row;
    call->dequant_row = qgemm_dequant_row;
    if (call->ops->id != MDL_QKERNEL_SCALAR && mdl_qkernel_supported(MDL_QKERNEL_AVX2)) {
        call->quantise_row = mdl_qgemm_quantise_row_avx2;
        call->dequant_row = mdl_qgemm_dequant_row_avx2;
    }
    mdl_qworkspace local = {0};
    int threads = pool ? core_pool_threads(pool) : 1;
    rc = qgemm_layout(call, threads, ws ? ws : &local, err);
    if (rc == CDX_OK) {
        atomic_init(&call->bad_row, 0);
        qgemm_run(pool, qgemm_quantise_worker, call);
        int bad = atomic_load(&call->bad_row);
        if (bad)
            rc = cdx_fail(err, CDX_EINVAL, "quantised linear: input row %d is not finite",
                          bad - 1);
        else
            qgemm_run(pool, qgemm_gemm_worker, call);
    }
    mdl_qworkspace_free(&local);
    return rc;
}

int mdl_qlinear(const float *x, size_t m, size_t k, const mdl_qweight *qw, const float *bias,
                float *y, core_pool *pool, mdl_qworkspace *ws, cdx_error *err) {
    const mdl_qproduct p = {qw, bias, y};
    return mdl_qlinear_many(x, m, k, &p, 1, pool, ws, err);
}

int mdl_qlinear_ld(const float *x, size_t ldx, size_t m, size_t k, const mdl_qweight *qw,
                   const float *bias, float *y, core_pool *pool, mdl_qworkspace *ws,
                   cdx_error *err) {
    if (ldx < k) return cdx_fail(err, CDX_EINVAL, "quantised linear: row stride %zu < %zu", ldx, k);
    const mdl_qproduct p = {qw, bias, y};
    qgemm_call call = {.prods = &p, .count = 1, .x = x, .ldx = ldx, .m = m};
    return qgemm_call_run(&call, k, pool, ws, err);
}

int mdl_qlinear_many(const float *x, size_t m, size_t k, const mdl_qproduct *prods, size_t count,
                     core_pool *pool, mdl_qworkspace *ws, cdx_error *err) {
    qgemm_call call = {.prods = prods, .count = count, .x = x, .m = m};
    return qgemm_call_run(&call, k, pool, ws, err);
}

int mdl_qlinear_int32(const float *x, size_t m, size_t k, const mdl_qweight *qw, int32_t *acc,
                      core_pool *pool, mdl_qworkspace *ws, cdx_error *err) {
    const mdl_qproduct p = {qw, NULL, NULL};
    qgemm_call call = {.prods = &p, .count = 1, .x = x, .acc = acc, .m = m};
    if (m && !acc) return cdx_fail(err, CDX_EINVAL, "quantised linear: no output");
    return qgemm_call_run(&call, k, pool, ws, err);
}
