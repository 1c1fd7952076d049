/*
 * test_safetensors.c — the safetensors loader and the weight binding: valid files (F32 used in
 * place, F16/BF16 converted exactly, __metadata__ ignored, a real mmap'd file), and every kind of
 * corruption refused with a message naming the file and the tensor: truncated files, bad JSON,
 * offsets outside the data, overlapping tensors, sizes that disagree with dtype x shape, unknown
 * dtypes, duplicate names; the weight bind names a missing, mis-shaped or integer tensor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model/config.h"
#include "model/safetensors.h"
#include "model/weights.h"
#include "support.h"

typedef struct spec {
    const char *name, *dtype;
    int ndim;
    int64_t shape[4];
} spec;

static size_t dtype_size(const char *dt) {
    if (!strcmp(dt, "F16") || !strcmp(dt, "BF16")) return 2;
    if (!strcmp(dt, "I64")) return 8;
    return 4;
}

/* A safetensors file of `specs` (data filled with 0x3f800000-ish patterns); `override`, when
 * non-NULL, replaces the whole JSON header. */
static uint8_t *build(const spec *specs, size_t n, const char *override, size_t *len) {
    char *json = malloc(1 << 16);
    size_t at = 0, off = 0;
    at += (size_t)sprintf(json + at, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (size_t i = 0; i < n; i++) {
        size_t numel = 1;
        at += (size_t)sprintf(json + at, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", specs[i].name,
                              specs[i].dtype);
        for (int d = 0; d < specs[i].ndim; d++) {
            at += (size_t)sprintf(json + at, "%s%lld", d ? "," : "", (long long)specs[i].shape[d]);
            numel *= (size_t)specs[i].shape[d];
        }
        size_t bytes = numel * dtype_size(specs[i].dtype);
        at += (size_t)sprintf(json + at, "],\"data_offsets\":[%zu,%zu]}", off, off + bytes);
        off += bytes;
    }
    at += (size_t)sprintf(json + at, "}");
    if (override) {
        at = strlen(override);
        memcpy(json, override, at + 1);
    }
    while (at % 8) json[at++] = ' ';
    *len = 8 + at + off;
    uint8_t *buf = calloc(1, *len);
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)((uint64_t)at >> (8 * i));
    memcpy(buf + 8, json, at);
    float one = 1.0f;
    for (size_t i = 0; i + 4 <= off; i += 4) memcpy(buf + 8 + at + i, &one, 4);
    free(json);
    return buf;
}

static int open_mem(const uint8_t *buf, size_t len, mdl_safetensors **st, cdx_error *err) {
    return mdl_st_open_memory(buf, len, "test.safetensors", st, err);
}

static void expect_error(const uint8_t *buf, size_t len, int code, const char *needle) {
    mdl_safetensors *st = NULL;
    cdx_error err = {0};
    int rc = open_mem(buf, len, &st, &err);
    if (rc != code) fail_msg("expected %d, got %d (%s)", code, rc, err.message);
    assert_null(st);
    assert_non_null(strstr(err.message, "test.safetensors"));
    if (needle && !strstr(err.message, needle)) fail_msg("'%s' not in '%s'", needle, err.message);
}

static const spec two[] = {{"a.weight", "F32", 2, {2, 3}}, {"b.bias", "F32", 1, {3}}};

static void valid_file_f32_in_place(void **state) {
    (void)state;
    size_t len;
    uint8_t *buf = build(two, 2, NULL, &len);
    mdl_safetensors *st = NULL;
    cdx_error err = {0};
    assert_int_equal(open_mem(buf, len, &st, &err), CDX_OK);
    assert_int_equal(mdl_st_count(st), 2);
    const mdl_tensor *a = mdl_st_find(st, "a.weight");
    assert_non_null(a);
    assert_int_equal(a->ndim, 2);
    assert_int_equal(a->shape[1], 3);
    assert_int_equal(a->numel, 6);
    assert_ptr_equal(a->f32, a->raw); /* zero-copy */
    assert_true(a->f32[5] == 1.0f);
    assert_null(mdl_st_find(st, "__metadata__"));
    assert_null(mdl_st_find(st, "missing"));
    assert_int_equal(mdl_st_converted_bytes(st), 0);
    mdl_st_close(st);
    free(buf);
}

static void half_precision_converted_exactly(void **state) {
    (void)state;
    static const spec s[] = {{"h", "F16", 1, {6}}, {"b", "BF16", 1, {4}}};
    size_t len;
    uint8_t *buf = build(s, 2, NULL, &len);
    uint8_t *data = buf + len - 20;
    /* F16: 1.0, -2.5, smallest subnormal, 65504, +inf, 0x3555 (0.333251953125) */
    const uint16_t h[6] = {0x3c00, 0xc100, 0x0001, 0x7bff, 0x7c00, 0x3555};
    const uint16_t bf[4] = {0x3f80, 0xc020, 0x0001, 0x7f80}; /* 1, -2.5, min subnormal, inf */
    memcpy(data, h, 12);
    memcpy(data + 12, bf, 8);
    mdl_safetensors *st = NULL;
    cdx_error err = {0};
    assert_int_equal(open_mem(buf, len, &st, &err), CDX_OK);
    const float *f = mdl_st_find(st, "h")->f32;
    assert_true(f[0] == 1.0f && f[1] == -2.5f && f[2] == 0x1p-24f && f[3] == 65504.0f);
    assert_true(f[4] > 3e38f && f[5] == 0.333251953125f);
    const float *g = mdl_st_find(st, "b")->f32;
    assert_true(g[0] == 1.0f && g[1] == -2.5f && g[2] == 0x1p-133f && g[3] > 3e38f);
    assert_int_equal(mdl_st_converted_bytes(st), 10 * sizeof(float));
    mdl_st_close(st);
    free(buf);
}

static void truncated_files_refused(void **state) {
    (void)state;
    size_t len;
    uint8_t *buf = build(two, 2, NULL, &len);
    expect_error(buf, 0, CDX_ETRUNCATED, NULL);
    expect_error(buf, 7, CDX_ETRUNCATED, NULL);
    expect_error(buf, 20, CDX_ETRUNCATED, "header"); /* header longer than the file */
    expect_error(buf, len - 1, CDX_ETRUNCATED, "b.bias"); /* last tensor's data cut short */
    free(buf);
}

static void bad_json_refused(void **state) {
    (void)state;
    size_t len;
    uint8_t *buf = build(NULL, 0, "{\"a\": {\"dtype\": \"F32\", ", &len);
    expect_error(buf, len, CDX_ECORRUPT, "JSON");
    free(buf);
    buf = build(NULL, 0, "[1, 2]", &len);
    expect_error(buf, len, CDX_ECORRUPT, "JSON");
    free(buf);
    buf = build(NULL, 0, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", &len);
    expect_error(buf, len, CDX_ECORRUPT, "tensor a");
    free(buf);
    buf = build(NULL, 0, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", &len);
    expect_error(buf, len, CDX_ECORRUPT, "tensor a");
    free(buf);
    buf = build(NULL, 0, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", &len);
    expect_error(buf, len, CDX_ECORRUPT, "tensor a");
    free(buf);
}

static void overlapping_offsets_refused(void **state) {
    (void)state;
    size_t len;
    uint8_t *buf = build(NULL, 0,
                         "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                         "\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                         &len);
    uint8_t *big = calloc(1, len + 16);
    memcpy(big, buf, len);
    expect_error(big, len + 16, CDX_ECORRUPT, "overlap");
    mdl_safetensors *st = NULL;
    cdx_error err = {0};
    open_mem(big, len + 16, &st, &err);
    assert_non_null(strstr(err.message, "x"));
    assert_non_null(strstr(err.message, "y"));
    free(buf);
    free(big);
}

static void wrong_dtype_or_size_refused(void **state) {
    (void)state;
    static const spec bad_dt[] = {{"w", "F99", 1, {2}}};
    size_t len;
    uint8_t *buf = build(bad_dt, 1, NULL, &len);
    expect_error(buf, len, CDX_EUNSUPPORTED, "tensor w");
    free(buf);
    /* 3 floats declared over 8 bytes */
    buf = build(NULL, 0, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", &len);
    uint8_t *big = calloc(1, len + 8);
    memcpy(big, buf, len);
    expect_error(big, len + 8, CDX_ECORRUPT, "tensor w");
    free(big);
    free(buf);
    static const spec dup[] = {{"w", "F32", 1, {2}}, {"w", "F32", 1, {2}}};
    buf = build(dup, 2, NULL, &len);
    expect_error(buf, len, CDX_ECORRUPT, "tensor w appears twice");
    free(buf);
}

static void real_file_is_mapped(void **state) {
    (void)state;
    char *dir = make_temp_dir();
    char path[1024];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    size_t len;
    uint8_t *buf = build(two, 2, NULL, &len);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
    mdl_safetensors *st = NULL;
    cdx_error err = {0};
    assert_int_equal(mdl_st_open(path, &st, &err), CDX_OK);
    assert_true(mdl_st_find(st, "b.bias")->f32[2] == 1.0f);
    mdl_st_close(st);
    snprintf(path, sizeof path, "%s/missing.safetensors", dir);
    assert_int_equal(mdl_st_open(path, &st, &err), CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, "missing.safetensors"));
    free(buf);
    remove_tree(dir);
    free(dir);
}

/* mdl_st_release drops a mapped tensor's pages, yet reading it again gives the file's values
 * (they refault from the file); on a memory-backed file and outside the mapping it does nothing. */
static void released_pages_read_back_unchanged(void **state) {
    (void)state;
    static const spec big[] = {{"w", "F32", 2, {256, 300}}, {"b", "F32", 1, {7}}};
    char *dir = make_temp_dir();
    char path[1024];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    size_t len;
    uint8_t *buf = build(big, 2, NULL, &len);
    size_t data = len - (256 * 300 + 7) * 4; /* where the tensor bytes start */
    for (size_t i = 0; i < 256 * 300 + 7; i++) {
        float v = (float)i * 0.25f;
        memcpy(buf + data + 4 * i, &v, 4);
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
    mdl_safetensors *st = NULL, *mem = NULL;
    cdx_error err = {0};
    assert_int_equal(mdl_st_open(path, &st, &err), CDX_OK);
    assert_int_equal(mdl_st_open_memory(buf, len, "mem", &mem, &err), CDX_OK);
    const mdl_safetensors *both[] = {st, mem};
    for (int k = 0; k < 2; k++) {
        const float *w = mdl_st_find(both[k], "w")->f32, *b = mdl_st_find(both[k], "b")->f32;
        assert_true(w[1000] == 250.0f); /* resident now */
        mdl_st_release(both[k], w, 256 * 300 * sizeof(float));
        mdl_st_release(both[k], &err, sizeof err); /* not in the file: ignored */
        mdl_st_release(both[k], w, (size_t)1 << 40); /* past the end: ignored */
        for (size_t i = 0; i < 256 * 300; i++) assert_true(w[i] == (float)i * 0.25f);
        for (size_t i = 0; i < 7; i++) assert_true(b[i] == (float)(256 * 300 + i) * 0.25f);
    }
    mdl_st_close(st);
    mdl_st_close(mem);
    free(buf);
    remove_tree(dir);
    free(dir);
}

/* A complete text tower for hidden 4, 1 layer, 2 heads, intermediate 6, vocab 8. */
#define TP "text_model.transformer."
#define LP TP "encoder.layers.0."
static const spec text_specs[] = {
    {TP "embeddings.word_embeddings.weight", "F32", 2, {8, 4}},
    {TP "embeddings.token_type_embeddings.weight", "F32", 2, {2, 4}},
    {TP "emb_ln.weight", "F32", 1, {4}},
    {TP "emb_ln.bias", "F32", 1, {4}},
    {LP "mixer.Wqkv.weight", "F32", 2, {12, 4}},
    {LP "mixer.Wqkv.bias", "F32", 1, {12}},
    {LP "mixer.out_proj.weight", "F32", 2, {4, 4}},
    {LP "mixer.out_proj.bias", "F32", 1, {4}},
    {LP "norm1.weight", "F32", 1, {4}},
    {LP "norm1.bias", "F32", 1, {4}},
    {LP "mlp.gated_layers.weight", "F32", 2, {12, 4}},
    {LP "mlp.wo.weight", "F32", 2, {4, 6}},
    {LP "mlp.wo.bias", "F32", 1, {4}},
    {LP "norm2.weight", "F32", 1, {4}},
    {LP "norm2.bias", "F32", 1, {4}},
};
#define NTEXT (sizeof text_specs / sizeof text_specs[0])

static const char tiny_config[] =
    "{\"projection_dim\":4,\"text_config\":{\"hf_model_config_kwargs\":{\"vocab_size\":8,"
    "\"hidden_size\":4,\"num_hidden_layers\":1,\"num_attention_heads\":2,"
    "\"intermediate_size\":6},\"pooler_type\":\"mean_pooler\",\"proj_type\":null},"
    "\"vision_config\":{\"width\":4,\"layers\":1,\"head_width\":4,\"mlp_ratio\":2.6667,"
    "\"patch_size\":8,\"image_size\":32,\"pt_hw_seq_len\":4,\"intp_freq\":false}}";

static int bind_specs(const spec *specs, size_t n, cdx_error *err) {
    mdl_config cfg;
    assert_int_equal(mdl_config_parse(tiny_config, strlen(tiny_config), "config.json", &cfg, err),
                     CDX_OK);
    size_t len;
    uint8_t *buf = build(specs, n, NULL, &len);
    mdl_safetensors *st = NULL;
    assert_int_equal(open_mem(buf, len, &st, err), CDX_OK);
    mdl_weights w;
    int rc = mdl_weights_bind(st, &cfg, MDL_TOWER_TEXT, &w, err);
    if (!rc) {
        assert_non_null(w.text.layers[0].w_gated);
        mdl_weights_free(&w);
    }
    mdl_st_close(st);
    free(buf);
    return rc;
}

static void bind_names_missing_misshaped_and_integer_tensors(void **state) {
    (void)state;
    cdx_error err = {0};
    assert_int_equal(bind_specs(text_specs, NTEXT, &err), CDX_OK);
    spec s[NTEXT];
    /* missing: drop mlp.wo.bias */
    size_t n = 0;
    for (size_t i = 0; i < NTEXT; i++)
        if (!strstr(text_specs[i].name, "mlp.wo.bias")) s[n++] = text_specs[i];
    assert_int_equal(bind_specs(s, n, &err), CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, LP "mlp.wo.bias"));
    /* mis-shaped: gated_layers with 6 rows instead of 2 x 6 */
    memcpy(s, text_specs, sizeof s);
    s[10].shape[0] = 6;
    assert_int_equal(bind_specs(s, NTEXT, &err), CDX_ECORRUPT);
    assert_non_null(strstr(err.message, LP "mlp.gated_layers.weight"));
    assert_non_null(strstr(err.message, "[6, 4]"));
    /* integer dtype where floats are needed */
    memcpy(s, text_specs, sizeof s);
    s[2].dtype = "I32";
    assert_int_equal(bind_specs(s, NTEXT, &err), CDX_EUNSUPPORTED);
    assert_non_null(strstr(err.message, TP "emb_ln.weight"));
    /* half-precision weights bind (converted at load) */
    memcpy(s, text_specs, sizeof s);
    s[4].dtype = "BF16";
    s[6].dtype = "F16";
    assert_int_equal(bind_specs(s, NTEXT, &err), CDX_OK);
}

static void config_defaults_and_overrides(void **state) {
    (void)state;
    mdl_config c;
    cdx_error err = {0};
    assert_int_equal(mdl_config_parse(tiny_config, strlen(tiny_config), "config.json", &c, &err),
                     CDX_OK);
    assert_int_equal(c.text.hidden, 4);
    assert_int_equal(c.text.intermediate, 6);
    assert_int_equal(c.text.type_vocab_size, 2); /* JinaBERT default */
    assert_true(c.text.layer_norm_eps == 1e-12f);
    assert_int_equal(c.vision.mlp_hidden, 10); /* int(4 * 2.6667) */
    assert_int_equal(c.vision.grid, 4);
    /* the published layout: no overrides -> JinaBERT-v2-base sizes */
    static const char full[] =
        "{\"text_config\":{\"hf_model_name_or_path\":\"jinaai/jina-bert-flash-implementation\"},"
        "\"vision_config\":{\"width\":768,\"layers\":12,\"head_width\":64,\"mlp_ratio\":2.6667,"
        "\"patch_size\":16,\"image_size\":224,\"pt_hw_seq_len\":14,\"intp_freq\":false}}";
    assert_int_equal(mdl_config_parse(full, strlen(full), "config.json", &c, &err), CDX_OK);
    assert_int_equal(c.text.vocab_size, 30528);
    assert_int_equal(c.text.hidden, 768);
    assert_int_equal(c.text.layers, 12);
    assert_int_equal(c.text.heads, 12);
    assert_int_equal(c.text.intermediate, 3072);
    assert_int_equal(c.vision.mlp_hidden, 2048);
    assert_int_equal(c.vision.heads, 12);
    static const char nowidth[] = "{\"text_config\":{},\"vision_config\":{\"layers\":1}}";
    assert_int_equal(mdl_config_parse(nowidth, strlen(nowidth), "cfg.json", &c, &err), CDX_ECORRUPT);
    assert_non_null(strstr(err.message, "cfg.json"));
    assert_non_null(strstr(err.message, "vision_config.width"));
    static const char badheads[] =
        "{\"text_config\":{\"hf_model_config_kwargs\":{\"num_attention_heads\":5}},"
        "\"vision_config\":{\"width\":768,\"layers\":12,\"head_width\":64,\"mlp_ratio\":2.6667,"
        "\"patch_size\":16,\"image_size\":224}}";
    assert_int_equal(mdl_config_parse(badheads, strlen(badheads), "cfg.json", &c, &err), CDX_ECORRUPT);
    assert_int_equal(mdl_config_parse("{", 1, "cfg.json", &c, &err), CDX_ECORRUPT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_file_f32_in_place),
        cmocka_unit_test(half_precision_converted_exactly),
        cmocka_unit_test(truncated_files_refused),
        cmocka_unit_test(bad_json_refused),
        cmocka_unit_test(overlapping_offsets_refused),
        cmocka_unit_test(wrong_dtype_or_size_refused),
        cmocka_unit_test(real_file_is_mapped),
        cmocka_unit_test(released_pages_read_back_unchanged),
        cmocka_unit_test(bind_names_missing_misshaped_and_integer_tensors),
        cmocka_unit_test(config_defaults_and_overrides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
