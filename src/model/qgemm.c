/*
 * qgemm.c — the integer linear layer's driver: weight quantisation and packing, per-row activation
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

/* Each precision's integer ranges. k_max keeps every int32 sum exact: |q_x - zero| ≤ a_levels,
 * |q_w| ≤ w_max, so |sum| ≤ k · a_levels · w_max < 2^31 (1023 · 511 · 4096 = 2141196288). */
typedef struct qgemm_range {
    const char *name;
    int32_t w_max, a_levels;
    size_t k_max;
} qgemm_range;

void mdl_qgemm_pack_w_pairs16(const int16_t *q, size_t n, size_t k, size_t n_pad, size_t k_pad,
                              void *dst) {
    int16_t *out = dst;
    memset(out, 0, n_pad * k_pad * sizeof *out);
    for (size_t row = 0; row < n; row++) {
        int16_t *sliver = out + (row / 16) * 16 * k_pad;
        for (size_t i = 0; i < k; i++)
            sliver[(i / 2) * 32 + (row % 16) * 2 + i % 2] = q[row * k + i];
    }
}

void mdl_qgemm_pack_w_quads8(const int16_t *q, size_t n, size_t k, size_t n_pad, size_t k_pad,
                             void *dst) {
    int8_t *out = dst;
    memset(out, 0, n_pad * k_pad);
    for (size_t row = 0; row < n; row++) {
        int8_t *sliver = out + (row / 16) * 16 * k_pad;
        for (size_t i = 0; i < k; i++)
            sliver[(i / 4) * 64 + (row % 16) * 4 + i % 4] = (int8_t)q[row * k + i];
    }
}

static const qgemm_range qgemm_ranges[MDL_QPREC_COUNT] = {
    {"w10a10", 511, 1023, 4096},
    {"w8a8", 127, 255, 65536},
    {"w8a8p", 127, 255, 65536},
};

static const mdl_qkernel_ops *qgemm_ops(mdl_qkernel kernel, mdl_qprecision precision) {
    switch (kernel) {
    case MDL_QKERNEL_SCALAR: return mdl_qkernel_scalar_ops(precision);
    case MDL_QKERNEL_AVX2: return mdl_qkernel_avx2_ops(precision);
    case MDL_QKERNEL_AVX512VNNI: return mdl_qkernel_avx512vnni_ops(precision);
    default: return NULL;
    }
}

const char *mdl_qprecision_name(mdl_qprecision precision) {
    return (unsigned)precision < MDL_QPREC_COUNT ? qgemm_ranges[precision].name : "unknown";
}

mdl_qprecision mdl_qprecision_default(void) {
    const char *forced = getenv("CDX_QGEMM_PRECISION");
    for (int p = 0; forced && p < MDL_QPREC_COUNT; p++)
        if (strcmp(forced, qgemm_ranges[p].name) == 0) return (mdl_qprecision)p;
    return MDL_QPREC_W10A10;
}

const char *mdl_qkernel_name(mdl_qkernel kernel) {
    static const char *const names[] = {"scalar", "avx2", "avx512vnni"};
    return (unsigned)kernel < MDL_QKERNEL_COUNT ? names[kernel] : "unknown";
}

int mdl_qkernel_supported(mdl_qkernel kernel) {
    if (!qgemm_ops(kernel, MDL_QPREC_W10A10)) return 0;
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    __builtin_cpu_init();
    switch (kernel) {
    case MDL_QKERNEL_SCALAR: return 1;
    case MDL_QKERNEL_AVX2: return __builtin_cpu_supports("avx2");
    case MDL_QKERNEL_AVX512VNNI:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni");
    default: return 0;
    }
#else
    return kernel == MDL_QKERNEL_SCALAR;
#endif
}

mdl_qkernel mdl_qkernel_default(void) {
    const char *forced = getenv("CDX_QGEMM_KERNEL");
    if (forced)
        for (int i = 0; i < MDL_QKERNEL_COUNT; i++)
            if (strcmp(forced, mdl_qkernel_name((mdl_qkernel)i)) == 0 &&
                mdl_qkernel_supported((mdl_qkernel)i))
                return (mdl_qkernel)i;
    for (int i = MDL_QKERNEL_COUNT - 1; i > 0; i--)
        if (mdl_qkernel_supported((mdl_qkernel)i)) return (mdl_qkernel)i;
    return MDL_QKERNEL_SCALAR;
}

static size_t qgemm_round_up(size_t v, size_t to) { return (v + to - 1) / to * to; }

/* q[i] = clamp(round-half-even(w[i] · inv), ±w_max); returns the sum of q. */
static int32_t qgemm_round_row(const float *w, size_t k, float inv, int32_t w_max, int16_t *q) {
    int32_t s = 0;
    for (size_t i = 0; i < k; i++) {
        long v = lrintf(w[i] * inv);
        v = v > w_max ? w_max : (v < -w_max ? -w_max : v);
        q[i] = (int16_t)v;
        s += (int32_t)v;
    }
    return s;
}

/* Symmetric per row: scale = max|w| / w_max, q = round-half-even(w · (w_max / max|w|)). */
static void qgemm_quantise_weight_row(const float *w, size_t k, int32_t w_max, int16_t *q,
                                      float *scale, int32_t *sum) {
    float amax = 0.0f, fmax = (float)w_max;
    for (size_t i = 0; i < k; i++) amax = fabsf(w[i]) > amax ? fabsf(w[i]) : amax;
    *scale = amax / fmax;
    *sum = qgemm_round_row(w, k, amax > 0.0f ? fmax / amax : 0.0f, w_max, q);
}

/* The pair-budget scheme (W8A8P): a u8 activation pair times a weight pair stays within int16
 * (vpmaddubsw) when the same-signed parts of every k pair (2j, 2j+1) add to at most `budget`
 * (255 · 128 = 32640). scale = max(max|w| / w_max, max pair part / budget); q = round-half-even(w /
 * scale); a pair that rounding pushed to budget + 1 gives up 1 on the element rounded up most. */
static void qgemm_quantise_weight_row_pairs(const float *w, size_t k, int32_t w_max,
                                            int32_t budget, int simd, int16_t *q, float *scale,
                                            int32_t *sum) {
    float amax = 0.0f, pmax = 0.0f;
    for (size_t i = 0; i < k; i++) {
        float a = w[i] < 0.0f ? -w[i] : w[i];
        amax = a > amax ? a : amax;
    }
    for (size_t i = 0; i + 1 < k; i += 2) {
        float a = w[i], b = w[i + 1];
        float pos = (a > 0.0f ? a : 0.0f) + (b > 0.0f ? b : 0.0f);
        float neg = (a < 0.0f ? -a : 0.0f) + (b < 0.0f ? -b : 0.0f);
        float part = pos > neg ? pos : neg;
        pmax = part > pmax ? part : pmax;
    }
    float sa = amax / (float)w_max, sp = pmax / (float)budget, s = sa > sp ? sa : sp;
    *scale = s;
    float inv = s > 0.0f ? 1.0f / s : 0.0f;
    /* the AVX2 rounding is the scalar one, bit for bit (tests compare the kernels) */
    int32_t total = simd ? mdl_qgemm_round_row_avx2(w, k, inv, w_max, q)
                         : qgemm_round_row(w, k, inv, w_max, q);
    for (size_t i = 0; i + 1 < k; i += 2) {
        int32_t a = q[i], b = q[i + 1];
        if ((a > 0) != (b > 0) || a == 0 || b == 0 || abs(a) + abs(b) <= budget) continue;
        float ea = fabsf((float)a) - fabsf(w[i] * inv), eb = fabsf((float)b) - fabsf(w[i + 1] * inv);
        size_t j = ea >= eb ? i : i + 1;
        q[j] = (int16_t)(q[j] > 0 ? q[j] - 1 : q[j] + 1);
        total += q[j] > 0 ? -1 : 1;
    }
    *sum = total;
}

static int qgemm_check_weights(const float *w, size_t n, size_t k, cdx_error *err) {
    for (size_t i = 0; i < n * k; i++)
        if (!isfinite(w[i]))
            return cdx_fail(err, CDX_EINVAL, "quantised weights: element %zu (row %zu) is not finite",
                            i, i / k);
    return CDX_OK;
}

int mdl_qweight_prepare_with(const float *w, size_t n, size_t k, mdl_qkernel kernel,
                             mdl_qprecision precision, mdl_qweight *qw, cdx_error *err) {
    memset(qw, 0, sizeof *qw);
    const mdl_qkernel_ops *ops = qgemm_ops(kernel, precision);
    if (!ops || !mdl_qkernel_supported(kernel))
        return cdx_fail(err, CDX_EUNSUPPORTED, "quantised weights: kernel %s is not available here",
                        mdl_qkernel_name(kernel));
    return mdl_qweight_prepare_ops(w, n, k, ops, qw, err);
}

int mdl_qweight_prepare_ops(const float *w, size_t n, size_t k, const mdl_qkernel_ops *ops,
                            mdl_qweight *qw, cdx_error *err) {
    memset(qw, 0, sizeof *qw);
    if (!ops || (unsigned)ops->precision >= MDL_QPREC_COUNT)
        return cdx_fail(err, CDX_EINVAL, "quantised weights: no kernel");
    const qgemm_range *range = &qgemm_ranges[ops->precision];
    if (!w || n == 0 || k == 0 || k > range->k_max || n > ((size_t)1 << 24))
        return cdx_fail(err, CDX_EINVAL, "quantised weights: bad shape %zu x %zu (%s: k at most %zu)",
                        n, k, range->name, range->k_max);
    int rc = qgemm_check_weights(w, n, k, err);
    if (rc != CDX_OK) return rc;
    qw->ops = ops;
    qw->kernel = ops->id;
    qw->precision = ops->precision;
    qw->n = n;
    qw->k = k;
    qw->n_pad = qgemm_round_up(n, 32);
    qw->k_pad = qgemm_round_up(k, 4);
    qw->packed_bytes = qw->n_pad * qw->k_pad * ops->elem;
    size_t count = n * k; /* ≤ 2^24 · 2^16: no overflow */
    int16_t *rows = count ? malloc(count * sizeof *rows) : NULL;
    qw->scale = malloc(n * sizeof *qw->scale);
    qw->row_sum = calloc(qw->n_pad, sizeof *qw->row_sum);
    qw->packed = aligned_alloc(64, qgemm_round_up(qw->packed_bytes, 64));
    if (!rows || !qw->scale || !qw->row_sum || !qw->packed) {
        free(rows);
        mdl_qweight_free(qw);
        return cdx_fail(err, CDX_ENOMEM, "quantised weights: out of memory for %zu x %zu", n, k);
    }
    /* the scalar twin keeps the scalar steps, so the tests hold the AVX2 one to it */
    void (*quantise)(const float *, size_t, int32_t, int16_t *, float *, int32_t *) =
        qgemm_quantise_weight_row;
    int simd = ops->id != MDL_QKERNEL_SCALAR && mdl_qkernel_supported(MDL_QKERNEL_AVX2);
    if (simd) quantise = mdl_qgemm_quantise_weight_row_avx2;
    for (size_t r = 0; r < n; r++) {
        if (ops->precision == MDL_QPREC_W8A8P)
            qgemm_quantise_weight_row_pairs(w + r * k, k, range->w_max, 128, simd, rows + r * k,
                                            &qw->scale[r], &qw->row_sum[r]);
        else
            quantise(w + r * k, k, range->w_max, rows + r * k, &qw->scale[r], &qw->row_sum[r]);
    }
    ops->pack_w(rows, n, k, qw->n_pad, qw->k_pad, qw->packed);
    free(rows);
    return CDX_OK;
}

int mdl_qweight_prepare(const float *w, size_t n, size_t k, mdl_qweight *qw, cdx_error *err) {
    return mdl_qweight_prepare_with(w, n, k, mdl_qkernel_default(), mdl_qprecision_default(), qw,
                                    err);
}

void mdl_qweight_free(mdl_qweight *qw) {
    if (!qw) return;
    free(qw->scale);
    free(qw->row_sum);
    free(qw->packed);
    memset(qw, 0, sizeof *qw);
}

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
    size_t ldx;      /* floats between two rows of x (k when 0) */
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
        if (!call->quantise_row(call->x + (r0 + r) * (call->ldx ? call->ldx : k), k, k_pad, call->levels, q + r * k_pad,
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
    call->kc = qgemm_round_up((k_pad + kblocks - 1) / kblocks, 4);
    call->q_bytes = qgemm_round_up(mr * k_pad * sizeof(uint16_t), 64);
    call->thread_bytes = call->q_bytes + call->chunk_tiles * mr * QGEMM_NC * sizeof(int32_t);
    size_t a_bytes = qgemm_round_up(call->tiles * call->tile_bytes, 64);
    size_t row_bytes = qgemm_round_up(call->tiles * mr * sizeof(float), 64);
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
    call->qw = call->prods[0].qw;
    call->ops = call->qw->ops;
    if (call->m == 0) return CDX_OK;
    if (!call->x) return cdx_fail(err, CDX_EINVAL, "quantised linear: no input");
    call->levels = qgemm_ranges[call->ops->precision].a_levels;
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
