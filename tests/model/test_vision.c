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
    cdx_error err = {0};
    assert_int_equal(mdl_vision_check_config(&c, &err), CDX_OK);
    c.pt_hw_seq_len = 16; /* EVA02 upstream's value without intp_freq: 256 != 16 patches */
    assert_int_equal(mdl_vision_check_config(&c, &err), CDX_ECORRUPT);
    assert_non_null(strstr(err.message, "pt_hw_seq_len 16"));
    c.intp_freq = 1; /* interpolated: fits any grid */
    assert_int_equal(mdl_vision_check_config(&c, &err), CDX_OK);
}

static void test_vision_refuses_heads_not_dividing_width(void **state) {
    (void)state;
    mdl_vision_config c = tiny_config();
    c.head_width = 20;
    cdx_error err = {0};
    assert_int_equal(mdl_vision_check_config(&c, &err), CDX_ECORRUPT);
    assert_non_null(strstr(err.message, "head_width 20"));
    c = tiny_config();
    c.image_size = 30; /* not a whole number of patches */
    assert_int_equal(mdl_vision_check_config(&c, &err), CDX_ECORRUPT);
}

static void test_vision_needs_the_vision_tower(void **state) {
    (void)state;
    mdl_model m;
    memset(&m, 0, sizeof m);
    m.config.vision = tiny_config();
    m.weights.towers = MDL_TOWER_TEXT;
    float px[3 * 32 * 32] = {0}, out[96];
    cdx_error err = {0};
    assert_int_equal(mdl_vision_embed(&m, px, 1, out, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "vision tower"));
    assert_int_equal(mdl_vision_embed(&m, px, 0, out, &err), CDX_OK); /* nothing to do */
    assert_int_equal(mdl_vision_forward(&m, NULL, 1, out, NULL, NULL, &err), CDX_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vision_refuses_a_rope_grid_mismatch),
        cmocka_unit_test(test_vision_refuses_heads_not_dividing_width),
        cmocka_unit_test(test_vision_needs_the_vision_tower),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
