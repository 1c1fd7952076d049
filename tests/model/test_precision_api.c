/*
 * test_precision_api.c — the precision setting's contract: names parse (and round-trip),
 * $CLIPDEX_PRECISION is read with fp32 as the default and a bad value is refused with a message
 * naming it, mdl_model_set_precision refuses unknown values and holds no integer weights before a
 * tower runs. The accuracy of int10/int8 against fp32 and the reference is test_precision.sh's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model/model.h"

static void test_precision_names_round_trip(void **state) {
    (void)state;
    cdx_error err = {0};
    for (int p = 0; p < MDL_PREC_COUNT; p++) {
        mdl_precision got = MDL_PREC_COUNT;
        assert_int_equal(mdl_precision_parse(mdl_precision_name((mdl_precision)p), &got, &err), CDX_OK);
        assert_int_equal(got, p);
    }
    mdl_precision got = MDL_PREC_FP32;
    assert_int_equal(mdl_precision_parse("w10a10", &got, &err), CDX_OK);
    assert_int_equal(got, MDL_PREC_INT10);
    assert_int_equal(mdl_precision_parse("w8a8", &got, &err), CDX_OK);
    assert_int_equal(got, MDL_PREC_INT8);
    assert_int_equal(mdl_precision_parse("bf16", &got, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "bf16"));
    assert_int_equal(mdl_precision_parse(NULL, &got, &err), CDX_EINVAL);
}

static void test_precision_env(void **state) {
    (void)state;
    cdx_error err = {0};
    mdl_precision p = MDL_PREC_INT8;
    unsetenv(MDL_PRECISION_ENV);
    assert_int_equal(mdl_precision_from_env(&p, &err), CDX_OK);
    assert_int_equal(p, MDL_PREC_FP32);
    setenv(MDL_PRECISION_ENV, "", 1);
    assert_int_equal(mdl_precision_from_env(&p, &err), CDX_OK);
    assert_int_equal(p, MDL_PREC_FP32);
    setenv(MDL_PRECISION_ENV, "int10", 1);
    assert_int_equal(mdl_precision_from_env(&p, &err), CDX_OK);
    assert_int_equal(p, MDL_PREC_INT10);
    setenv(MDL_PRECISION_ENV, "int4", 1);
    assert_int_equal(mdl_precision_from_env(&p, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "CLIPDEX_PRECISION=int4"));
    /* a model directory cannot be opened under a bad value */
    mdl_model *m = NULL;
    assert_int_equal(mdl_model_open(".", MDL_TOWER_TEXT, 1, &m, &err), CDX_EINVAL);
    assert_null(m);
    assert_non_null(strstr(err.message, "CLIPDEX_PRECISION=int4"));
    unsetenv(MDL_PRECISION_ENV);
}

static void test_set_precision(void **state) {
    (void)state;
    mdl_model m;
    memset(&m, 0, sizeof m);
    cdx_error err = {0};
    assert_int_equal(mdl_model_precision(&m), MDL_PREC_FP32);
    assert_int_equal(mdl_model_set_precision(&m, MDL_PREC_COUNT, &err), CDX_EINVAL);
    assert_int_equal(mdl_model_set_precision(NULL, MDL_PREC_INT10, &err), CDX_EINVAL);
    assert_int_equal(mdl_model_set_precision(&m, MDL_PREC_INT10, &err), CDX_OK);
    assert_int_equal(mdl_model_precision(&m), MDL_PREC_INT10);
    assert_int_equal(mdl_model_qbytes(&m), 0); /* nothing prepared before a tower runs */
    assert_int_equal(mdl_model_set_precision(&m, MDL_PREC_INT8, &err), CDX_OK);
    assert_int_equal(mdl_model_set_precision(&m, MDL_PREC_FP32, &err), CDX_OK);
    const mdl_qtext_layer *qt = (const mdl_qtext_layer *)&m; /* must be reset to NULL */
    assert_int_equal(mdl_model_qtext(&m, &qt, &err), CDX_OK);
    assert_null(qt);
    mdl_model_qstate_free(&m);
    assert_null(m.q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precision_names_round_trip),
        cmocka_unit_test(test_precision_env),
        cmocka_unit_test(test_set_precision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
