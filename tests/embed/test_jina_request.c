/*
 * test_jina_request.c — the request bodies: exactly the four keys the service accepts, texts
 * JSON-escaped, images as base64 of the fast-level PNG of the 224 thumbnail, byte limits
 * (a first item always fits), undecodable images failing alone, and message-safe input names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "embed/jina.h"
#include "support.h"

static void build(const jina_inputs *in, jina_request *r) {
    cdx_error err = {0};
    assert_int_equal(jina_request_init(r, in->n, &err), CDX_OK);
    for (size_t i = 0; i < in->n; i++) {
        jina_item item;
        assert_int_equal(jina_item_encode(in, i, &item, &err), CDX_OK);
        if (!item.json) continue;
        assert_int_equal(jina_request_add(r, &item, &err), CDX_OK);
        free(item.json);
    }
    assert_int_equal(jina_request_finish(r, &err), CDX_OK);
}

static void test_text_body_is_exact(void **state) {
    (void)state;
    const char *texts[] = {"a dog", "quote \" back \\ nl \n tab \t bell \x07 é"};
    jina_inputs in = {.n = 2, .texts = texts};
    jina_request r;
    build(&in, &r);
    assert_string_equal(r.body, "{\"model\":\"jina-clip-v1\",\"input\":[{\"text\":\"a dog\"},"
                                "{\"text\":\"quote \\\" back \\\\ nl \\u000a tab \\u0009 bell "
                                "\\u0007 é\"}],\"embedding_type\":\"float\",\"normalized\":true}");
    assert_int_equal(r.len, strlen(r.body));
    assert_int_equal(r.count, 2);
    assert_int_equal(r.idx[1], 1);
    jina_request_free(&r);
}

static void test_image_item_is_base64_of_fast_png_thumbnail(void **state) {
    (void)state;
    size_t len = 0;
    uint8_t *jpg = read_whole_file(fixture_path("images/jpeg_progressive_1024x768.jpg"), &len);
    static const char junk[] = "GIF89a but not really";
    cdx_blob blobs[2] = {{"junk.gif", junk, sizeof junk}, {"p.jpg", jpg, len}};
    cdx_error item_errs[2] = {{0}};
    jina_inputs in = {.n = 2, .images = blobs, .item_errs = item_errs};
    jina_request r;
    build(&in, &r);
    assert_int_equal(r.count, 1); /* junk.gif failed alone */
    assert_int_equal(r.idx[0], 1);
    assert_int_not_equal(item_errs[0].code, CDX_OK);
    assert_non_null(strstr(item_errs[0].message, "junk.gif"));
    cdx_image *thumb = NULL;
    cdx_error err = {0};
    assert_int_equal(cdx_thumbnail_mem(jpg, len, "p.jpg", 224, NULL, &thumb, &err), CDX_OK);
    assert_int_equal(cdx_image_width(thumb), 224);
    uint8_t *png = NULL;
    size_t png_len = 0;
    assert_int_equal(cdx_png_encode(thumb, CDX_PNG_LEVEL_FAST, &png, &png_len, &err), CDX_OK);
    char *b64 = cdx_base64_encode(png, png_len, NULL);
    size_t cap = strlen(b64) + 200;
    char *want = malloc(cap);
    snprintf(want, cap,
             "{\"model\":\"jina-clip-v1\",\"input\":[{\"image\":\"%s\"}],\"embedding_type\":"
             "\"float\",\"normalized\":true}",
             b64);
    assert_string_equal(r.body, want);
    free(want);
    free(b64);
    free(png);
    cdx_image_free(thumb);
    free(jpg);
    jina_request_free(&r);
}

static void test_byte_limit(void **state) {
    (void)state;
    cdx_error err = {0};
    jina_request r;
    assert_int_equal(jina_request_init(&r, 4, &err), CDX_OK);
    char big[200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    jina_item item = {big, strlen(big), 0};
    assert_true(jina_request_fits(&r, &item, 10)); /* the first item always goes */
    assert_int_equal(jina_request_add(&r, &item, &err), CDX_OK);
    assert_false(jina_request_fits(&r, &item, 400));
    assert_true(jina_request_fits(&r, &item, 600));
    jina_request_free(&r);
}

static void test_input_names_are_short_and_safe(void **state) {
    (void)state;
    char buf[128];
    const char *texts[] = {"line one\nline two",
                           "a very long text that goes on and on and on well past the cut point",
                           "ééééééééééééééééééééééééééééééé"};
    jina_inputs in = {.n = 3, .texts = texts};
    jina_input_name(&in, 0, buf, sizeof buf);
    assert_string_equal(buf, "text \"line one line two\"");
    jina_input_name(&in, 1, buf, sizeof buf);
    assert_string_equal(buf, "text \"a very long text that goes on and on and on wel...\"");
    jina_input_name(&in, 2, buf, sizeof buf);
    /* cut at 47 bytes would split a 2-byte character: it stops before it */
    assert_string_equal(buf, "text \"ééééééééééééééééééééééé...\"");
    cdx_blob b = {"dir/x.png", "", 0};
    jina_inputs img = {.n = 1, .images = &b};
    jina_input_name(&img, 0, buf, sizeof buf);
    assert_string_equal(buf, "dir/x.png");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_body_is_exact),
        cmocka_unit_test(test_image_item_is_base64_of_fast_png_thumbnail),
        cmocka_unit_test(test_byte_limit),
        cmocka_unit_test(test_input_names_are_short_and_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
