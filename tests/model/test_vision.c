/*
 * test_vision.c — the vision tower's checks that need no reference: configurations that cannot
 * make an EVA02 tower (heads not dividing the width, a RoPE table that does not fit the patch
 * grid) are refused with a message naming the values, and bad calls fail cleanly. Numerical
 * equality with the PyTorch reference is test_vision_vs_reference.sh / test_vision_full.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "model/vision.h"

static mdl_vision_config tiny_config(void) {
    mdl_config c;
    mdl_config_default(&c);
    mdl_vision_config v = c.vision;
    v.image_size = 32;
    v.patch_size = 8;
    v.width = 96;
    v.layers = 2;
    v.head_width = 16;
    v.heads = 6;
    v.grid = 4;
    v.mlp_hidden = 256;
    v.pt_hw_seq_len = 4;
    v.intp_freq = 0;
    return v;
}

static void test_vision_refuses_a_rope_grid_mismatch(void **state) {
    (void)state;
    mdl_vision_config c = tiny_config();
    c.pt_hw_seq_len = 16; /* EVA02 upstream's value without intp_freq: 256 != 16 patches */
    mdl_vision_weights w;
    memset(&w, 0, sizeof w);
    mdl_vision *v = (mdl_vision *)&w;
    cdx_error err = {0};
    assert_int_equal(mdl_vision_new(&c, &w, &v, &err), CDX_ECORRUPT);
    assert_null(v);
    assert_non_null(strstr(err.message, "pt_hw_seq_len 16"));
    c.intp_freq = 1; /* interpolated: fits any grid */
    assert_int_equal(mdl_vision_new(&c, &w, &v, &err), CDX_OK);
    mdl_vision_free(v);
}

static void test_vision_refuses_heads_not_dividing_width(void **state) {
    (void)state;
    mdl_vision_config c = tiny_config();
    c.head_width = 20;
    mdl_vision_weights w;
    memset(&w, 0, sizeof w);
    mdl_vision *v = NULL;
    cdx_error err = {0};
    assert_int_equal(mdl_vision_new(&c, &w, &v, &err), CDX_ECORRUPT);
    assert_non_null(strstr(err.message, "head_width 20"));
}

static void test_vision_forward_bad_calls(void **state) {
    (void)state;
    mdl_vision_config c = tiny_config();
    mdl_vision_weights w;
    memset(&w, 0, sizeof w);
    mdl_vision *v = NULL;
    cdx_error err = {0};
    assert_int_equal(mdl_vision_new(&c, &w, &v, &err), CDX_OK);
    float px[1], out[1];
    assert_int_equal(mdl_vision_forward(v, NULL, NULL, 1, out, NULL, &err), CDX_EINVAL);
    assert_int_equal(mdl_vision_embed(v, NULL, px, 0, out, &err), CDX_OK); /* nothing to do */
    mdl_vision_free(v);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vision_refuses_a_rope_grid_mismatch),
        cmocka_unit_test(test_vision_refuses_heads_not_dividing_width),
        cmocka_unit_test(test_vision_forward_bad_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
