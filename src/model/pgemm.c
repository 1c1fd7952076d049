/*
 * pgemm.c — packing fp32 weights into column panels and the blocked driver around the
 * micro-kernels: each thread takes a range of panels and walks rows in blocks of PG_MC and k in
 * blocks of PG_KC; it packs that x block into 6-row k-major tiles (kept in L2) and passes every
 * tile over each panel's 16 × PG_KC slice (kept in L1). Edge panels (n not a multiple of 16) run
 * on a 6 × 16 tile on the stack.
 */
#include "model/pgemm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define PG_KC 256 /* k per block: a panel slice is 16 KB */
#define PG_MC 384 /* rows per block: an x block is 192 KB at PG_KC */

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
} pg_job;

/* The bias of panel p (zeros past n or without a bias). */
static void pg_panel_bias(const pg_job *j, size_t p, float *b16) {
    for (size_t c = 0; c < MDL_PGEMM_NR; c++) {
        size_t col = p * MDL_PGEMM_NR + c;
        b16[c] = j->bias && col < j->pw->n ? j->bias[col] : 0.0f;
    }
}

/* Packs x rows [m0, m1) × k block [k0, k0 + kc) into 6-row tiles, k-major (the kernels'
 * `a`): one sequential stream per tile instead of six strided ones. */
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

static void pg_panels(void *ctx, size_t p0, size_t p1) {
    const pg_job *j = ctx;
    const size_t k = j->pw->k;
    _Alignas(32) float b16[MDL_PGEMM_NR];
    /* the packed x block; without memory, blocks of one tile from the stack (slower, same sums) */
    _Alignas(32) float small[MDL_PGEMM_MR * PG_KC];
    float *a = malloc((size_t)PG_MC * PG_KC * sizeof *a);
    const size_t mc = a ? PG_MC : MDL_PGEMM_MR;
    if (!a) a = small;
    for (size_t m0 = 0; m0 < j->m; m0 += mc) {
        size_t m1 = j->m - m0 < mc ? j->m : m0 + mc;
        size_t k0 = 0;
        do { /* at least once, so k == 0 still writes the bias */
            size_t kc = k - k0 < PG_KC ? k - k0 : PG_KC;
            pg_pack_x(j, m0, m1, k0, kc, a);
            for (size_t p = p0; p < p1; p++) {
                const float *next =
                    p + 1 < p1 ? j->pw->panels + ((p + 1) * k + k0) * MDL_PGEMM_NR : NULL;
                if (k0 == 0) pg_panel_bias(j, p, b16);
                pg_panel_rows(j, p, m0, m1, k0, kc, a, k0 == 0 ? b16 : NULL, next);
            }
            k0 += kc;
        } while (k0 < k);
    }
    if (a != small) free(a);
}

void mdl_plinear_with(mdl_exec *ex, mdl_pgemm_kernel kernel, const float *x, size_t ldx, size_t m,
                      const mdl_pweight *pw, const float *bias, float *y, size_t ldy) {
    if (m == 0 || pw->n == 0) return;
    pg_job job = {kernel, x, bias, y, ldx, ldy, m, pw};
    static _Alignas(64) const float zero_panel[MDL_PGEMM_NR] = {0};
    mdl_pweight empty = *pw;
    if (pw->k == 0) { /* no panels were allocated: every panel reads as k == 0 */
        empty.panels = (float *)zero_panel;
        job.pw = &empty;
    }
    mdl_exec_parallel(ex, pw->n_pad / MDL_PGEMM_NR, 1, pg_panels, &job);
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
