/*
 * pgemm.c — packing fp32 weights into column panels and the blocked driver around the
 * micro-kernels: first the threads pack x into 6-row k-major tiles, once (in chunks of up to
 * PG_CHUNK rows), into the executor's reusable scratch (no per-call page faults); then each thread takes a range of panels and, per
 * block of PG_MC rows, walks them in groups of PG_NG, k in blocks of PG_KC, passing every tile
 * over each panel's 16 × PG_KC slice (kept in L1): the weights stream nearly in order, each byte
 * once per row block. Edge panels (n not a multiple of 16) run on a 6 × 16 tile
 * on the stack.
 */
#include "model/pgemm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define PG_KC 256 /* k per block: a panel slice is 16 KB */
#define PG_MC 192 /* rows per block: an x block is 192 KB at PG_KC */
#define PG_NG 4   /* panels per group: a thread's weights are read group by group */
#define PG_CHUNK (12 * PG_MC) /* rows packed at a time: 2304 (~11 images), 28 MB at k = 3072 */

int mdl_pweight_pack(const float *w, size_t n, size_t k, mdl_pweight *out, cdx_error *err) {
    memset(out, 0, sizeof *out);
    const size_t nr = MDL_PGEMM_NR;
    size_t n_pad = (n + nr - 1) / nr * nr;
    if (n_pad < n || (k && n_pad > SIZE_MAX / sizeof(float) / k))
        return cdx_fail(err, CDX_EINVAL, "pgemm: %zu x %zu weight too large", n, k);
    size_t bytes = n_pad * k * sizeof(float);
    out->n = n;
    out->k = k;
    out->n_pad = n_pad;
    if (bytes == 0) return CDX_OK;
    /* aligned_alloc wants a multiple of the alignment; n_pad * 4 is one of 64 */
    out->panels = aligned_alloc(64, bytes);
    if (!out->panels) return cdx_fail(err, CDX_ENOMEM, "pgemm: out of memory (%zu bytes)", bytes);
    for (size_t p = 0; p < n_pad / nr; p++) {
        float *dst = out->panels + p * k * nr;
        for (size_t j = 0; j < nr; j++) {
            size_t col = p * nr + j;
            if (col >= n) {
                for (size_t kk = 0; kk < k; kk++)
                    dst[kk * nr + j] = 0.0f;
                continue;
            }
            const float *src = w + col * k;
            for (size_t kk = 0; kk < k; kk++)
                dst[kk * nr + j] = src[kk];
        }
    }
    return CDX_OK;
}

void mdl_pweight_free(mdl_pweight *pw) {
    if (!pw) return;
    free(pw->panels);
    memset(pw, 0, sizeof *pw);
}

size_t mdl_pweight_bytes(const mdl_pweight *pw) {
    return pw && pw->panels ? pw->n_pad * pw->k * sizeof(float) : 0;
}

typedef struct pg_job {
    mdl_pgemm_kernel kernel;
    const float *x, *bias;
    float *y;
    size_t ldx, ldy, m;
    const mdl_pweight *pw;
    float *a; /* x packed: row block m0 at m0 · k (see pg_pack_tiles), or NULL */
} pg_job;

/* The bias of panel p (zeros past n or without a bias). */
static void pg_panel_bias(const pg_job *j, size_t p, float *b16) {
    for (size_t c = 0; c < MDL_PGEMM_NR; c++) {
        size_t col = p * MDL_PGEMM_NR + c;
        b16[c] = j->bias && col < j->pw->n ? j->bias[col] : 0.0f;
    }
}

/* Packs x rows [m0, m1) × k block [k0, k0 + kc) into 6-row tiles, k-major (the kernels'
 * `a`; tile t at t * MR * kc): one sequential stream per tile instead of six strided ones. */
static void pg_pack_x(const pg_job *j, size_t m0, size_t m1, size_t k0, size_t kc, float *a) {
    for (size_t i = m0; i < m1; i += MDL_PGEMM_MR, a += MDL_PGEMM_MR * kc) {
        size_t mr = m1 - i < MDL_PGEMM_MR ? m1 - i : MDL_PGEMM_MR;
        for (size_t r = 0; r < mr; r++) {
            const float *src = j->x + (i + r) * j->ldx + k0;
            for (size_t kk = 0; kk < kc; kk++)
                a[kk * MDL_PGEMM_MR + r] = src[kk];
        }
    }
}

/* Packs 6-row tiles [t0, t1) of x, every k block: tile t of the row block starting at m0 (a
 * multiple of PG_MC) lands at m0 · k + tiles(m0) · MR · k0 + (t - m0 / MR) · MR · kc for k block
 * k0 (kc wide), the layout pg_group reads. */
static void pg_pack_tiles(void *ctx, size_t t0, size_t t1) {
    const pg_job *j = ctx;
    const size_t k = j->pw->k, mr = MDL_PGEMM_MR;
    for (size_t t = t0; t < t1; t++) {
        size_t i = t * mr, m0 = i / PG_MC * PG_MC;
        size_t m1 = j->m - m0 < PG_MC ? j->m : m0 + PG_MC, rows = j->m - i < mr ? j->m - i : mr;
        size_t tiles = (m1 - m0 + mr - 1) / mr;
        for (size_t k0 = 0; k0 < k; k0 += PG_KC) {
            size_t kc = k - k0 < PG_KC ? k - k0 : PG_KC;
            pg_pack_x(j, i, i + rows, k0, kc,
                      j->a + m0 * k + tiles * mr * k0 + (i - m0) * kc);
        }
    }
}

/* Rows [m0, m1) (packed in `a`) × k block [k0, k0 + kc) of panel p. */
static void pg_panel_rows(const pg_job *j, size_t p, size_t m0, size_t m1, size_t k0, size_t kc,
                          const float *a, const float *init, const float *next) {
    const size_t nr = MDL_PGEMM_NR, k = j->pw->k;
    const float *b = j->pw->panels + (p * k + k0) * nr;
    size_t col0 = p * nr, cols = j->pw->n - col0 < nr ? j->pw->n - col0 : nr;
    /* the weights come from memory once per call: fetch the next panel slice (kc lines of 64
     * bytes) a share per tile, so it is in cache when its first tile starts */
    const size_t tiles = (m1 - m0 + MDL_PGEMM_MR - 1) / MDL_PGEMM_MR;
    const size_t share = (kc + tiles - 1) / tiles;
    size_t line = 0;
    for (size_t i = m0; i < m1; i += MDL_PGEMM_MR, a += MDL_PGEMM_MR * kc) {
        size_t mr = m1 - i < MDL_PGEMM_MR ? m1 - i : MDL_PGEMM_MR;
        for (size_t s = 0; next && s < share && line < kc; s++, line++)
            __builtin_prefetch(next + line * nr, 0, 3);
        float *y = j->y + i * j->ldy + col0;
        if (cols == nr) {
            j->kernel(mr, kc, a, b, y, j->ldy, init);
            continue;
        }
        float tile[MDL_PGEMM_MR * MDL_PGEMM_NR] = {0};
        if (!init)
            for (size_t r = 0; r < mr; r++)
                memcpy(tile + r * nr, y + r * j->ldy, cols * sizeof(float));
        j->kernel(mr, kc, a, b, tile, nr, init);
        for (size_t r = 0; r < mr; r++)
            memcpy(y + r * j->ldy, tile + r * nr, cols * sizeof(float));
    }
}

/* Panels [g0, g1) over rows [m0, m1) whose x is packed in `a` (all k blocks, block k0 at
 * tiles * MR * k0): k blocks outer so each panel slice is read once and stays in L1. */
static void pg_group(const pg_job *j, size_t g0, size_t g1, size_t p1, size_t m0, size_t m1,
                     const float *a) {
    const size_t k = j->pw->k, tiles = (m1 - m0 + MDL_PGEMM_MR - 1) / MDL_PGEMM_MR;
    _Alignas(32) float b16[MDL_PGEMM_NR];
    size_t k0 = 0;
    do { /* at least once, so k == 0 still writes the bias */
        size_t kc = k - k0 < PG_KC ? k - k0 : PG_KC;
        for (size_t p = g0; p < g1; p++) {
            /* the next slice this thread reads: the next panel's, or the group's first panel's
             * next k block, or the next group's first */
            size_t np = p + 1 < g1 ? p + 1 : k0 + kc < k ? g0 : g1;
            size_t nk = p + 1 < g1 ? k0 : k0 + kc < k ? k0 + kc : 0;
            const float *next = np < p1 ? j->pw->panels + (np * k + nk) * MDL_PGEMM_NR : NULL;
            if (k0 == 0) pg_panel_bias(j, p, b16);
            pg_panel_rows(j, p, m0, m1, k0, kc, a + tiles * MDL_PGEMM_MR * k0,
                          k0 == 0 ? b16 : NULL, next);
        }
        k0 += kc;
    } while (k0 < k);
}

static void pg_panels(void *ctx, size_t p0, size_t p1) {
    const pg_job *j = ctx;
    const size_t k = j->pw->k;
    /* x packed over all of k, so the weights stream group by group, each byte once per row
     * block; without memory, one tile's k block from the stack (slower, same sums) */
    _Alignas(32) float small[MDL_PGEMM_MR * PG_KC];
    if (!j->a) {
        for (size_t m0 = 0; m0 < j->m; m0 += MDL_PGEMM_MR) {
            size_t m1 = j->m - m0 < MDL_PGEMM_MR ? j->m : m0 + MDL_PGEMM_MR;
            for (size_t p = p0; p < p1; p++) {
                size_t k0 = 0;
                do {
                    size_t kc = k - k0 < PG_KC ? k - k0 : PG_KC;
                    _Alignas(32) float b16[MDL_PGEMM_NR];
                    if (k0 == 0) pg_panel_bias(j, p, b16);
                    pg_pack_x(j, m0, m1, k0, kc, small);
                    pg_panel_rows(j, p, m0, m1, k0, kc, small, k0 == 0 ? b16 : NULL, NULL);
                    k0 += kc;
                } while (k0 < k);
            }
        }
        return;
    }
    for (size_t m0 = 0; m0 < j->m; m0 += PG_MC) {
        size_t m1 = j->m - m0 < PG_MC ? j->m : m0 + PG_MC;
        for (size_t g0 = p0; g0 < p1; g0 += PG_NG)
            pg_group(j, g0, p1 - g0 < PG_NG ? p1 : g0 + PG_NG, p1, m0, m1, j->a + m0 * k);
    }
}

void mdl_plinear_with(mdl_exec *ex, mdl_pgemm_kernel kernel, const float *x, size_t ldx, size_t m,
                      const mdl_pweight *pw, const float *bias, float *y, size_t ldy) {
    if (m == 0 || pw->n == 0) return;
    static _Alignas(64) const float zero_panel[MDL_PGEMM_NR] = {0};
    mdl_pweight empty = *pw;
    if (pw->k == 0) { /* no panels were allocated: every panel reads as k == 0 */
        empty.panels = (float *)zero_panel;
        pw = &empty;
    }
    /* rows in chunks of PG_CHUNK, so the packed copy of x stays bounded for large batches */
    const size_t chunk_rows = m < PG_CHUNK ? m : PG_CHUNK;
    const size_t max_tiles = (chunk_rows + MDL_PGEMM_MR - 1) / MDL_PGEMM_MR;
    float *a = NULL;
    int own = 0;
    if (pw->k && max_tiles <= SIZE_MAX / sizeof(float) / MDL_PGEMM_MR / pw->k) {
        size_t bytes = max_tiles * MDL_PGEMM_MR * pw->k * sizeof(float);
        a = mdl_exec_scratch_take(ex, bytes);
        if (!a) a = aligned_alloc(64, (bytes + 63) / 64 * 64), own = 1;
    }
    for (size_t r0 = 0; r0 < m; r0 += PG_CHUNK) {
        size_t rows = m - r0 < PG_CHUNK ? m - r0 : PG_CHUNK;
        pg_job job = {kernel, x + r0 * ldx, bias, y + r0 * ldy, ldx, ldy, rows, pw, a};
        if (a) mdl_exec_parallel(ex, (rows + MDL_PGEMM_MR - 1) / MDL_PGEMM_MR, 1, pg_pack_tiles, &job);
        mdl_exec_parallel(ex, pw->n_pad / MDL_PGEMM_NR, 1, pg_panels, &job);
    }
    if (own) free(a);
    else mdl_exec_scratch_give(ex, a);
}

void mdl_plinear(mdl_exec *ex, const float *x, size_t ldx, size_t m, const mdl_pweight *pw,
                 const float *bias, float *y, size_t ldy) {
    mdl_plinear_with(ex, mdl_pgemm_kernel_best(), x, ldx, m, pw, bias, y, ldy);
}

mdl_pgemm_kernel mdl_pgemm_kernel_best(void) {
    const char *force = getenv("CDX_MODEL_SIMD");
    if (force && strcmp(force, "scalar") == 0) return mdl_pgemm_kernel_scalar();
    mdl_pgemm_kernel k = mdl_pgemm_kernel_avx2();
    return k ? k : mdl_pgemm_kernel_scalar();
}
