/*
 * test_local.c — opening the local backend without real weights: missing directories and files
 * fail with CDX_ENOTFOUND and a message that says how to get a model, a config.json of another
 * model is refused, bad options are refused, and opening reads only config.json (a broken
 * model.safetensors surfaces at the first embedding, as an error, not at open). Equality with the
 * reference is tests/cli/test_local.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clipdex.h"

/* The published config.json's shape, tower sizes left to their defaults. */
static const char local_config[] =
    "{\"model_type\":\"jina_clip\",\"projection_dim\":768,\"text_config\":{},"
    "\"vision_config\":{\"width\":768,\"layers\":12,\"head_width\":64,\"mlp_ratio\":2.6667,"
    "\"patch_size\":16,\"image_size\":224,\"pt_hw_seq_len\":16,\"intp_freq\":true}}";

typedef struct local_dir {
    char path[64];
} local_dir;

static void local_write(const local_dir *d, const char *name, const char *text) {
    char p[128];
    snprintf(p, sizeof p, "%s/%s", d->path, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void local_remove(const local_dir *d) {
    static const char *const files[] = {"config.json", "model.safetensors", "tokenizer.json"};
    char p[128];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", d->path, files[i]);
        unlink(p);
    }
    rmdir(d->path);
}

static void local_mkdir(local_dir *d) {
    snprintf(d->path, sizeof d->path, "/tmp/cdx_local_XXXXXX");
    assert_non_null(mkdtemp(d->path));
}

static void test_missing_directory_says_how_to_get_a_model(void **state) {
    (void)state;
    cdx_embedder *e = (cdx_embedder *)1;
    cdx_error err = {0};
    int rc = cdx_embedder_open_local("/nonexistent/clipdex-model", NULL, &e, &err);
    assert_int_equal(rc, CDX_ENOTFOUND);
    assert_null(e);
    assert_non_null(strstr(err.message, "no jina-clip-v1 model in /nonexistent/clipdex-model"));
    assert_non_null(strstr(err.message, "clipdex model fetch"));
    assert_non_null(strstr(err.message, "CLIPDEX_MODEL"));
}

static void test_each_missing_file_is_named(void **state) {
    (void)state;
    local_dir d = {{0}};
    local_mkdir(&d);
    cdx_embedder *e = NULL;
    cdx_error err = {0};
    assert_int_equal(cdx_embedder_open_local(d.path, NULL, &e, &err), CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, "no config.json"));
    local_write(&d, "config.json", local_config);
    assert_int_equal(cdx_embedder_open_local(d.path, NULL, &e, &err), CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, "no model.safetensors"));
    local_write(&d, "model.safetensors", "");
    assert_int_equal(cdx_embedder_open_local(d.path, NULL, &e, &err), CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, "no tokenizer.json or vocab.txt"));
    assert_null(e);
    local_remove(&d);
}

static void test_other_model_type_is_refused(void **state) {
    (void)state;
    local_dir d = {{0}};
    local_mkdir(&d);
    local_write(&d, "config.json", "{\"model_type\":\"clip\"}");
    local_write(&d, "model.safetensors", "");
    local_write(&d, "tokenizer.json", "{}");
    cdx_embedder *e = NULL;
    cdx_error err = {0};
    assert_int_equal(cdx_embedder_open_local(d.path, NULL, &e, &err), CDX_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "not a jina-clip model"));
    assert_null(e);
    local_write(&d, "config.json", "{\"model_type\":");
    assert_int_equal(cdx_embedder_open_local(d.path, NULL, &e, &err), CDX_ECORRUPT);
    assert_non_null(strstr(err.message, "config.json: not a JSON file"));
    local_remove(&d);
}

static void test_bad_options_are_refused(void **state) {
    (void)state;
    cdx_embedder *e = NULL;
    cdx_error err = {0};
    cdx_local_opts o = {.image_batch = 257};
    assert_int_equal(cdx_embedder_open_local("/nonexistent", &o, &e, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "image batch 257"));
    o = (cdx_local_opts){.threads = -1};
    assert_int_equal(cdx_embedder_open_local("/nonexistent", &o, &e, &err), CDX_EINVAL);
    o = (cdx_local_opts){.precision = "fp16"};
    assert_int_equal(cdx_embedder_open_local("/nonexistent", &o, &e, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "fp16"));
    assert_int_equal(cdx_embedder_open_local(NULL, NULL, &e, &err), CDX_EINVAL);
    assert_int_equal(cdx_embedder_open_local("/x", NULL, NULL, &err), CDX_EINVAL);
}

/* Opening reads config.json only: the name and dimension are known before any weights load,
 * and a broken weights file fails the first embedding with an error naming it. */
static void test_open_is_lazy_and_weights_fail_on_use(void **state) {
    (void)state;
    local_dir d = {{0}};
    local_mkdir(&d);
    local_write(&d, "config.json", local_config);
    local_write(&d, "model.safetensors", "not safetensors");
    local_write(&d, "tokenizer.json", "{}");
    cdx_embedder *e = NULL;
    cdx_error err = {0};
    assert_int_equal(cdx_embedder_open_local(d.path, NULL, &e, &err), CDX_OK);
    assert_string_equal(cdx_embedder_model(e), "jina-clip-v1");
    assert_string_equal(cdx_embedder_backend(e), "local");
    assert_int_equal(cdx_embedder_dim(e), 768);
    assert_int_equal(cdx_embedder_tokens(e), 0);
    float out[768];
    uint8_t done = 1;
    cdx_blob blob = {"x.png", "abc", 3};
    cdx_error item = {0};
    assert_int_not_equal(cdx_embed_images(e, &blob, 1, NULL, out, &done, &item, &err), CDX_OK);
    assert_non_null(strstr(err.message, "model.safetensors"));
    assert_int_equal(done, 0);
    cdx_embedder_free(e);
    local_remove(&d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_directory_says_how_to_get_a_model),
        cmocka_unit_test(test_each_missing_file_is_named),
        cmocka_unit_test(test_other_model_type_is_refused),
        cmocka_unit_test(test_bad_options_are_refused),
        cmocka_unit_test(test_open_is_lazy_and_weights_fail_on_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
