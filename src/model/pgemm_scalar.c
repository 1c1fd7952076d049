/*
 * pgemm_scalar.c — the scalar twin of the packed fp32 micro-kernel: the reference the AVX2
 * kernel is tested against, and the kernel of CPUs without AVX2+FMA.
 */
#include "model/pgemm.h"

static void pg_scalar_kernel(size_t mr, size_t kc, const float *a, const float *b, float *c,
                             size_t ldc, const float *init) {
    for (size_t r = 0; r < mr; r++) {
        float acc[MDL_PGEMM_NR];
        for (size_t j = 0; j < MDL_PGEMM_NR; j++)
            acc[j] = init ? init[j] : c[r * ldc + j];
        for (size_t kk = 0; kk < kc; kk++) {
            const float xv = a[kk * MDL_PGEMM_MR + r];
            const float *bk = b + kk * MDL_PGEMM_NR;
            for (size_t j = 0; j < MDL_PGEMM_NR; j++)
                acc[j] += xv * bk[j];
        }
        for (size_t j = 0; j < MDL_PGEMM_NR; j++)
            c[r * ldc + j] = acc[j];
    }
}

mdl_pgemm_kernel mdl_pgemm_kernel_scalar(void) {
    return pg_scalar_kernel;
}
