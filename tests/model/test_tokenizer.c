/*
 * test_tokenizer.c — src/model/tokenizer*.c against Hugging Face's fast tokenizer: every case
 * of fixtures/tokenizer/cases.jsonl (made with tokenizers.js / transformers.js and a port of
 * the Rust code, see tests/fixtures/README.md) gives the same ids and masks; plus the vocab.txt
 * fallback, truncation, bad UTF-8 and argument errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "clipdex.h"
#include "support.h"

static cdx_tokenizer *open_fixture(const char *rel) {
    cdx_tokenizer *tok = NULL;
    cdx_error err = {0};
    int rc = cdx_tokenizer_open(fixture_path(rel), &tok, &err);
    if (rc) fprintf(stderr, "%s\n", err.message);
    assert_int_equal(rc, CDX_OK);
    return tok;
}

static void assert_ids_equal(const int32_t *got, size_t n, const cJSON *want, const char *what) {
    size_t wn = (size_t)cJSON_GetArraySize(want);
    int same = n == wn;
    for (size_t i = 0; same && i < n; i++)
        same = got[i] == (int32_t)cJSON_GetArrayItem(want, (int)i)->valuedouble;
    if (!same) {
        fprintf(stderr, "mismatch for %s\n  got :", what);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %d", got[i]);
        char *w = cJSON_PrintUnformatted(want);
        fprintf(stderr, "\n  want: %s\n", w);
        free(w);
    }
    assert_true(same);
}

static void check_single(cdx_tokenizer *tok, const cJSON *c) {
    const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
    int32_t ids[CDX_TOKENIZER_MAX_LEN];
    size_t n = 0;
    cdx_error err = {0};
    assert_int_equal(cdx_tokenize(tok, text, strlen(text), 0, ids, &n, &err), CDX_OK);
    assert_ids_equal(ids, n, cJSON_GetObjectItem(c, "ids"), text);
    const cJSON *mask = cJSON_GetObjectItem(c, "attention_mask");
    if (mask) assert_int_equal(cJSON_GetArraySize(mask), (int)n);
}

static void check_batch(cdx_tokenizer *tok, const cJSON *c) {
    const cJSON *batch = cJSON_GetObjectItem(c, "batch");
    size_t n = (size_t)cJSON_GetArraySize(batch);
    const char **texts = calloc(n, sizeof *texts);
    int32_t *ids = calloc(n * CDX_TOKENIZER_MAX_LEN, sizeof *ids);
    int32_t *mask = calloc(n * CDX_TOKENIZER_MAX_LEN, sizeof *mask);
    for (size_t i = 0; i < n; i++)
        texts[i] = cJSON_GetArrayItem(batch, (int)i)->valuestring;
    size_t seq = 0;
    cdx_error err = {0};
    assert_int_equal(cdx_tokenize_batch(tok, texts, n, 0, ids, mask, &seq, &err), CDX_OK);
    for (size_t i = 0; i < n; i++) {
        assert_ids_equal(ids + i * seq, seq,
                         cJSON_GetArrayItem(cJSON_GetObjectItem(c, "ids"), (int)i), texts[i]);
        assert_ids_equal(mask + i * seq, seq,
                         cJSON_GetArrayItem(cJSON_GetObjectItem(c, "attention_mask"), (int)i),
                         "attention mask");
    }
    free(texts);
    free(ids);
    free(mask);
}

/* Runs every line of a cases file; returns how many there were. */
static size_t check_cases_file(const char *rel) {
    cdx_tokenizer *tok = open_fixture("tokenizer/tokenizer.json");
    size_t len = 0;
    char *text = (char *)read_whole_file(fixture_path(rel), &len);
    size_t cases = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *c = cJSON_Parse(line);
        assert_non_null(c);
        if (cJSON_GetObjectItem(c, "batch"))
            check_batch(tok, c);
        else
            check_single(tok, c);
        cJSON_Delete(c);
        cases++;
    }
    free(text);
    cdx_tokenizer_free(tok);
    return cases;
}

static void test_every_fixture_case_matches_hugging_face(void **state) {
    (void)state;
    assert_int_equal(check_cases_file("tokenizer/cases.jsonl"), 67);
}

/* 300 random mixed-script strings encoded by tokenizers.js (make_random_cases.mjs). */
static void test_random_strings_match_tokenizers_js(void **state) {
    (void)state;
    assert_int_equal(check_cases_file("tokenizer/random_cases.jsonl"), 300);
}

static void test_directory_prefers_tokenizer_json(void **state) {
    (void)state;
    cdx_tokenizer *tok = open_fixture("tokenizer");
    assert_int_equal(cdx_tokenizer_vocab_size(tok), 30528);
    /* tokenizer.json and vocab.txt disagree on id 30525; the directory loads tokenizer.json. */
    assert_string_equal(cdx_tokenizer_token(tok, 30525), "alaeddineabdessalem");
    assert_null(cdx_tokenizer_token(tok, 30528));
    assert_int_equal(cdx_tokenizer_pad_id(tok), 0);
    cdx_tokenizer_free(tok);
}

static void test_vocab_txt_fallback_gives_bert_ids(void **state) {
    (void)state;
    cdx_tokenizer *tok = open_fixture("tokenizer/vocab.txt");
    assert_int_equal(cdx_tokenizer_vocab_size(tok), 30528);
    assert_string_equal(cdx_tokenizer_token(tok, 30525), "jonathangeuter");
    const char *text = "A photo of a cat. [MASK]x Café";
    int32_t a[64], b[64];
    size_t na = 0, nb = 0;
    assert_int_equal(cdx_tokenize(tok, text, strlen(text), 64, a, &na, NULL), CDX_OK);
    cdx_tokenizer *json = open_fixture("tokenizer/tokenizer.json");
    assert_int_equal(cdx_tokenize(json, text, strlen(text), 64, b, &nb, NULL), CDX_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof *a);
    cdx_tokenizer_free(json);
    cdx_tokenizer_free(tok);
}

static void test_truncation_keeps_cls_and_sep(void **state) {
    (void)state;
    cdx_tokenizer *tok = open_fixture("tokenizer/tokenizer.json");
    const char *text = "A photo of a cat.";
    int32_t ids[8];
    size_t n = 0;
    assert_int_equal(cdx_tokenize(tok, text, strlen(text), 5, ids, &n, NULL), CDX_OK);
    int32_t want[] = {101, 1037, 6302, 1997, 102};
    assert_int_equal(n, 5);
    assert_memory_equal(ids, want, sizeof want);
    assert_int_equal(cdx_tokenize(tok, text, strlen(text), 2, ids, &n, NULL), CDX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[1], 102);
    cdx_error err = {0};
    assert_int_equal(cdx_tokenize(tok, text, strlen(text), 1, ids, &n, &err), CDX_EINVAL);
    cdx_tokenizer_free(tok);
}

static void test_invalid_utf8_is_dropped_like_replacement_char(void **state) {
    (void)state;
    cdx_tokenizer *tok = open_fixture("tokenizer/tokenizer.json");
    /* "ca\xfft" and "ca\xef\xbf\xbdt" (U+FFFD) normalise alike: cleaning drops U+FFFD. */
    int32_t a[16], b[16];
    size_t na = 0, nb = 0;
    assert_int_equal(cdx_tokenize(tok, "ca\xfft \xc0\xaf", 8, 16, a, &na, NULL), CDX_OK);
    assert_int_equal(cdx_tokenize(tok, "cat", 3, 16, b, &nb, NULL), CDX_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na * sizeof *a);
    cdx_tokenizer_free(tok);
}

static void test_batch_of_nothing_and_bad_paths(void **state) {
    (void)state;
    cdx_tokenizer *tok = open_fixture("tokenizer/tokenizer.json");
    size_t seq = 99;
    assert_int_equal(cdx_tokenize_batch(tok, NULL, 0, 0, NULL, NULL, &seq, NULL), CDX_OK);
    assert_int_equal(seq, 0);
    cdx_tokenizer_free(tok);
    cdx_error err = {0};
    cdx_tokenizer *none = NULL;
    assert_int_equal(cdx_tokenizer_open(fixture_path("images"), &none, &err), CDX_ENOTFOUND);
    assert_non_null(strstr(err.message, "no tokenizer.json or vocab.txt"));
    assert_int_equal(cdx_tokenizer_open(fixture_path("tokenizer/cases.jsonl"), &none, &err),
                     CDX_ECORRUPT);
    assert_null(none);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_fixture_case_matches_hugging_face),
        cmocka_unit_test(test_random_strings_match_tokenizers_js),
        cmocka_unit_test(test_directory_prefers_tokenizer_json),
        cmocka_unit_test(test_vocab_txt_fallback_gives_bert_ids),
        cmocka_unit_test(test_truncation_keeps_cls_and_sep),
        cmocka_unit_test(test_invalid_utf8_is_dropped_like_replacement_char),
        cmocka_unit_test(test_batch_of_nothing_and_bad_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
