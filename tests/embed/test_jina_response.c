/*
 * test_jina_response.c — the Jina answer parsers on hand-written answers: rows land by `index`
 * whatever the order, and every malformed answer (bad JSON, wrong count, duplicate, missing,
 * fractional or out-of-range index, wrong dimension, non-numbers) is refused with a reason and
 * bills nothing; error details as strings, FastAPI lists or raw bodies; key masking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "embed/jina.h"

static int parse(const char *body, size_t n, size_t dim, float *vecs, uint64_t *tokens, char *why) {
    return jina_parse_embeddings(body, strlen(body), n, dim, vecs, tokens, why, 200);
}

static void test_rows_sorted_by_index_and_tokens_added(void **state) {
    (void)state;
    const char *body = "{\"model\":\"jina-clip-v1\",\"usage\":{\"total_tokens\":7,\"prompt_tokens\""
                       ":7},\"data\":[{\"index\":2,\"embedding\":[5,6]},{\"index\":0,\"embedding\""
                       ":[1,2]},{\"index\":1,\"embedding\":[3,0.25]}]}";
    float v[6];
    uint64_t tokens = 10;
    char why[200] = "";
    assert_int_equal(parse(body, 3, 2, v, &tokens, why), 0);
    const float want[6] = {1, 2, 3, 0.25f, 5, 6};
    assert_memory_equal(v, want, sizeof want);
    assert_int_equal(tokens, 17);
}

static void test_float32_values_round_trip(void **state) {
    (void)state;
    /* %.9g of float32 values read back exactly */
    const char *body = "{\"data\":[{\"index\":0,\"embedding\":[0.0230214223,-0.000797542802,"
                       "1.17549435e-38]}]}";
    float v[3];
    uint64_t tokens = 0;
    char why[200];
    assert_int_equal(parse(body, 1, 3, v, &tokens, why), 0);
    assert_true(v[0] == 0.0230214223f && v[1] == -0.000797542802f && v[2] == 1.17549435e-38f);
    assert_int_equal(tokens, 0); /* no usage: nothing billed, vectors still fine */
}

static void test_malformed_answers_refused(void **state) {
    (void)state;
    static const struct {
        const char *body, *why;
    } cases[] = {
        {"{\"data\":[{\"index\":0,\"embedding\":[1,2]}", "not valid JSON"},
        {"[]", "no \"data\" array"},
        {"{\"data\":{}}", "no \"data\" array"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1,2]}]}", "1 embeddings for 2 inputs"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":0,\"embedding\":[1,2]}]}",
         "index 0 appears twice"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":2,\"embedding\":[1,2]}]}",
         "no valid index"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":0.5,\"embedding\":[1,2]}]}",
         "no valid index"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":-1,\"embedding\":[1,2]}]}",
         "no valid index"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"embedding\":[1,2]}]}", "no valid index"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1,2]},{\"index\":1,\"embedding\":[1]}]}",
         "index 1: embedding has 1 values, want 2"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1,2,3]},{\"index\":1,\"embedding\":[1,2]}]}",
         "index 0: embedding has 3 values, want 2"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1,\"2\"]},{\"index\":1,\"embedding\":[1,2]}]}",
         "not a finite number"},
        {"{\"data\":[{\"index\":0,\"embedding\":[1,1e999]},{\"index\":1,\"embedding\":[1,2]}]}",
         "not a finite number"},
        {"{\"data\":[{\"index\":0,\"embedding\":\"AAAA\"},{\"index\":1,\"embedding\":[1,2]}]}",
         "no embedding array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float v[4];
        uint64_t tokens = 5;
        char why[200] = "";
        assert_int_not_equal(parse(cases[i].body, 2, 2, v, &tokens, why), 0);
        if (!strstr(why, cases[i].why)) fail_msg("case %zu: '%s' lacks '%s'", i, why, cases[i].why);
        assert_int_equal(tokens, 5);
    }
}

static void test_refused_answer_bills_nothing(void **state) {
    (void)state;
    const char *body = "{\"usage\":{\"total_tokens\":9},\"data\":[{\"index\":0,"
                       "\"embedding\":[1,2]}]}";
    float v[4];
    uint64_t tokens = 5;
    char why[200];
    assert_int_not_equal(parse(body, 2, 2, v, &tokens, why), 0);
    assert_int_equal(tokens, 5);
    assert_int_equal(parse(body, 1, 2, v, &tokens, why), 0);
    assert_int_equal(tokens, 14);
}

static void test_detail_string_list_and_fallback(void **state) {
    (void)state;
    char out[300];
    const char *s = "{\"detail\":\"AUTHZ_INSUFFICIENT_BALANCE: top up\"}";
    jina_parse_detail(s, strlen(s), out, sizeof out);
    assert_string_equal(out, "AUTHZ_INSUFFICIENT_BALANCE: top up");
    const char *l = "{\"detail\":[{\"loc\":[\"body\",\"x\"],\"msg\":\"extra fields not permitted\","
                    "\"type\":\"value_error.extra\"},{\"loc\":[],\"msg\":\"field\\nrequired\"}]}";
    jina_parse_detail(l, strlen(l), out, sizeof out);
    assert_string_equal(out, "extra fields not permitted; field required");
    const char *html = "<html>502 Bad Gateway</html>";
    jina_parse_detail(html, strlen(html), out, sizeof out);
    assert_string_equal(out, html);
    jina_parse_detail(NULL, 0, out, sizeof out);
    assert_string_equal(out, "");
    char small[8];
    jina_parse_detail(s, strlen(s), small, sizeof small);
    assert_string_equal(small, "AUTHZ_I");
}

static void test_scrub_masks_every_occurrence(void **state) {
    (void)state;
    char msg[] = "key jina_abc in jina_abc!";
    jina_scrub(msg, "jina_abc");
    assert_string_equal(msg, "key ******** in ********!");
    jina_scrub(msg, "");
    assert_string_equal(msg, "key ******** in ********!");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_sorted_by_index_and_tokens_added),
        cmocka_unit_test(test_float32_values_round_trip),
        cmocka_unit_test(test_malformed_answers_refused),
        cmocka_unit_test(test_refused_answer_bills_nothing),
        cmocka_unit_test(test_detail_string_list_and_fallback),
        cmocka_unit_test(test_scrub_masks_every_occurrence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
