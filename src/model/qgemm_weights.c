/*
 * qgemm_weights.c — the integer linear layer's weights: each precision's integer ranges, the
 * kernels on offer (chosen from the CPU at run time, or by $CDX_QGEMM_KERNEL), symmetric per-row
 * weight quantisation (and W8A8P's pair budget), and packing into a kernel's layout. The scalar
 * steps are the reference the AVX2 ones are held to, bit for bit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/qgemm.h"
#include "model/qgemm_internal.h"

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
    /* sliver by sliver, quad by quad: each 64-byte [16 rows][4] group is written in order */
    for (size_t r0 = 0; r0 < n; r0 += 16) {
        int8_t *sliver = out + r0 * k_pad;
        size_t rows = n - r0 < 16 ? n - r0 : 16;
        for (size_t i = 0; i < k; i += 4) {
            int8_t *group = sliver + i * 16;
            size_t take = k - i < 4 ? k - i : 4;
            for (size_t r = 0; r < rows; r++)
                for (size_t j = 0; j < take; j++)
                    group[r * 4 + j] = (int8_t)q[(r0 + r) * k + i + j];
        }
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
static void qgemm_pair_maxes(const float *w, size_t k, float *amax, float *pmax) {
    float a_max = 0.0f, p_max = 0.0f;
    for (size_t i = 0; i < k; i++) {
        float a = w[i] < 0.0f ? -w[i] : w[i];
        a_max = a > a_max ? a : a_max;
    }
    for (size_t i = 0; i + 1 < k; i += 2) {
        float a = w[i], b = w[i + 1];
        float pos = (a > 0.0f ? a : 0.0f) + (b > 0.0f ? b : 0.0f);
        float neg = (a < 0.0f ? -a : 0.0f) + (b < 0.0f ? -b : 0.0f);
        float part = pos > neg ? pos : neg;
        p_max = part > p_max ? part : p_max;
    }
    *amax = a_max;
    *pmax = p_max;
}

/* Pairs starting at even i in [i0, i1) (and i + 1 < k) over the budget give up one step. */
static void qgemm_pair_fix(const float *w, size_t k, size_t i0, size_t i1, float inv,
                           int32_t budget, int16_t *q, int32_t *total) {
    for (size_t i = i0; i < i1 && i + 1 < k; i += 2) {
        int32_t a = q[i], b = q[i + 1];
        if ((a > 0) != (b > 0) || a == 0 || b == 0 || abs(a) + abs(b) <= budget) continue;
        float ea = fabsf((float)a) - fabsf(w[i] * inv), eb = fabsf((float)b) - fabsf(w[i + 1] * inv);
        size_t j = ea >= eb ? i : i + 1;
        q[j] = (int16_t)(q[j] > 0 ? q[j] - 1 : q[j] + 1);
        *total += q[j] > 0 ? -1 : 1;
    }
}

static void qgemm_quantise_weight_row_pairs(const float *w, size_t k, int32_t w_max,
                                            int32_t budget, int simd, int16_t *q, float *scale,
                                            int32_t *sum) {
    float amax, pmax;
    /* the AVX2 steps give the scalar ones' values bit for bit (tests compare the kernels) */
    if (simd) mdl_qgemm_pair_maxes_avx2(w, k, &amax, &pmax);
    else qgemm_pair_maxes(w, k, &amax, &pmax);
    float sa = amax / (float)w_max, sp = pmax / (float)budget, s = sa > sp ? sa : sp;
    *scale = s;
    float inv = s > 0.0f ? 1.0f / s : 0.0f;
    int32_t total = simd ? mdl_qgemm_round_row_avx2(w, k, inv, w_max, q)
                         : qgemm_round_row(w, k, inv, w_max, q);
    size_t i = 0;
    if (simd) /* most 16-value blocks have no pair over the budget: skip them whole */
        for (; i + 16 <= k; i += 16)
            if (mdl_qgemm_heavy_pairs16_avx2(q + i, budget))
                qgemm_pair_fix(w, k, i, i + 16, inv, budget, q, &total);
    qgemm_pair_fix(w, k, i, k, inv, budget, q, &total);
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
    qw->n_pad = mdl_qgemm_round_up(n, 32);
    qw->k_pad = mdl_qgemm_round_up(k, 4);
    qw->packed_bytes = qw->n_pad * qw->k_pad * ops->elem;
    size_t count = n * k; /* ≤ 2^24 · 2^16: no overflow */
    int16_t *rows = count ? malloc(count * sizeof *rows) : NULL;
    qw->scale = malloc(n * sizeof *qw->scale);
    qw->row_sum = calloc(qw->n_pad, sizeof *qw->row_sum);
    qw->packed = aligned_alloc(64, mdl_qgemm_round_up(qw->packed_bytes, 64));
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

int32_t mdl_qgemm_a_levels(mdl_qprecision precision) {
    return (unsigned)precision < MDL_QPREC_COUNT ? qgemm_ranges[precision].a_levels : 0;
}
