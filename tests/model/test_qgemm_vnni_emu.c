/*
 * test_qgemm_vnni_emu.c — the AVX512-VNNI kernels' packing and tiling, checked on any CPU: this
 * file compiles src/model/qgemm_vnni.c against plain-C stand-ins for its intrinsics
 * (qgemm_vnni_emu.h, written from the Intel SDM's definitions) and holds both precisions to the
 * scalar twin's int32 sums and floats on awkward shapes. test_qgemm.c runs the real instructions
 * where the CPU has them.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define MDL_QGEMM_VNNI_EMULATE
#include "model/qgemm_vnni.c" // NOLINT(bugprone-suspicious-include): the kernel under test

static uint64_t rng_state = 0x853c49e6748fea9bu;

static float rand_symmetric(void) { /* splitmix64 → [-1, 1) */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (float)((double)(z >> 11) / 4503599627370496.0 - 1.0);
}

static float *random_matrix(size_t count, float scale, float shift) {
    float *v = malloc(count * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < count; i++) v[i] = shift + scale * rand_symmetric();
    return v;
}

static void run_ops(const mdl_qkernel_ops *ops, const float *x, const float *w, const float *bias,
                    size_t m, size_t k, size_t n, int32_t *acc, float *y) {
    mdl_qweight qw;
    cdx_error err = {0};
    assert_int_equal(mdl_qweight_prepare_ops(w, n, k, ops, &qw, &err), 0);
    assert_int_equal(mdl_qlinear_int32(x, m, k, &qw, acc, NULL, NULL, &err), 0);
    assert_int_equal(mdl_qlinear(x, m, k, &qw, bias, y, NULL, NULL, &err), 0);
    mdl_qweight_free(&qw);
}

static void test_emulated_vnni_kernels_equal_scalar_twin(void **state) {
    (void)state;
    static const size_t shapes[][3] = {{1, 1, 1},    {3, 5, 17},   {9, 31, 33},  {8, 64, 64},
                                       {17, 770, 96}, {11, 1539, 40}, {16, 768, 160}};
    for (int prec = 0; prec < MDL_QPREC_COUNT; prec++) {
        const mdl_qkernel_ops *emu = mdl_qkernel_avx512vnni_emu_ops((mdl_qprecision)prec);
        const mdl_qkernel_ops *ref = mdl_qkernel_scalar_ops((mdl_qprecision)prec);
        assert_non_null(emu);
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            size_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
            float *x = random_matrix(m * k, 2.0f, 0.3f), *w = random_matrix(n * k, 0.05f, 0);
            float *bias = random_matrix(n, 0.1f, 0);
            int32_t *acc = calloc(m * n, sizeof *acc), *ref_acc = calloc(m * n, sizeof *ref_acc);
            float *y = calloc(m * n, sizeof *y), *ref_y = calloc(m * n, sizeof *ref_y);
            assert_true(acc && ref_acc && y && ref_y);
            run_ops(emu, x, w, bias, m, k, n, acc, y);
            run_ops(ref, x, w, bias, m, k, n, ref_acc, ref_y);
            for (size_t i = 0; i < m * n; i++) {
                if (acc[i] != ref_acc[i])
                    fail_msg("%s %zux%zux%zu: int32 %zu: %d vs scalar %d",
                             mdl_qprecision_name(prec), m, k, n, i, acc[i], ref_acc[i]);
                if (!(y[i] == ref_y[i]))
                    fail_msg("%s %zux%zux%zu: float %zu: %.9g vs scalar %.9g",
                             mdl_qprecision_name(prec), m, k, n, i, y[i], ref_y[i]);
            }
            free(x), free(w), free(bias), free(acc), free(ref_acc), free(y), free(ref_y);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emulated_vnni_kernels_equal_scalar_twin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
