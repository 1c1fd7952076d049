/*
 * test_jsonl_rows.c — the strict JSON Lines tokenizer: integer literals exact as int64 around
 * ±2^53 and the int64 limits, other numbers as the C compiler reads them, escapes and surrogate
 * pairs to UTF-8, and refusals (nesting, trailing garbage, bad UTF-8, lone surrogates) that name
 * the line and column; blank lines and CRLF endings are accepted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "store/jsonl_rows.h"

static store_jsonl_row row;

static int parse(const char *line, int *blank, cdx_error *err)
{
    return store_jsonl_parse_row(&row, line, strlen(line), "in.jsonl", 7, blank, err);
}

static const store_json_member *one(const char *line)
{
    int blank;
    cdx_error err = {0};
    int rc = parse(line, &blank, &err);
    if (rc) fail_msg("%s: %s", line, err.message);
    assert_int_equal(blank, 0);
    assert_int_equal(row.n, 1);
    return &row.members[0];
}

static void expect_error(const char *line, const char *fragment)
{
    int blank;
    cdx_error err = {0};
    assert_int_not_equal(parse(line, &blank, &err), 0);
    if (!strstr(err.message, fragment)) fail_msg("'%s': message '%s' lacks '%s'", line,
                                                 err.message, fragment);
    assert_non_null(strstr(err.message, "in.jsonl: line 7"));
}

static void test_integers_exact_around_2_pow_53_and_int64_limits(void **state)
{
    (void)state;
    static const struct { const char *text; int64_t v; } cases[] = {
        {"{\"a\":9007199254740992}", INT64_C(9007199254740992)},
        {"{\"a\":9007199254740993}", INT64_C(9007199254740993)},
        {"{\"a\":-9007199254740993}", -INT64_C(9007199254740993)},
        {"{\"a\":9223372036854775807}", INT64_MAX},
        {"{\"a\":-9223372036854775808}", INT64_MIN},
        {"{\"a\":0}", 0},
        {"{\"a\":-0}", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const store_json_member *m = one(cases[i].text);
        assert_int_equal(m->kind, STORE_JSON_INT);
        assert_true(m->i == cases[i].v);
        assert_string_equal(m->key, "a");
    }
    expect_error("{\"a\":9223372036854775808}", "int64 range");
    expect_error("{\"a\":-9223372036854775809}", "int64 range");
    expect_error("{\"a\":99999999999999999999999}", "int64 range");
}

static void test_floats_and_exponents_read_as_c_reads_them(void **state)
{
    (void)state;
    static const struct { const char *text; double v; } cases[] = {
        {"{\"a\":0.1}", 0.1}, {"{\"a\":-2.5}", -2.5}, {"{\"a\":1e3}", 1e3}, {"{\"a\":1E-3}", 1E-3},
        {"{\"a\":2.5e+10}", 2.5e+10}, {"{\"a\":1.0}", 1.0}, {"{\"a\":9007199254740993.0}",
        9007199254740993.0}, {"{\"a\":1e-400}", 0.0}, {"{\"a\":5e-324}", 5e-324},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const store_json_member *m = one(cases[i].text);
        assert_int_equal(m->kind, STORE_JSON_FLOAT);
        assert_memory_equal(&m->d, &cases[i].v, sizeof(double));
    }
    expect_error("{\"a\":1e400}", "float64 range");
    expect_error("{\"a\":01}", "expected ',' or '}'");
    expect_error("{\"a\":1.}", "invalid number");
    expect_error("{\"a\":.5}", "invalid number");
    expect_error("{\"a\":+1}", "invalid number");
    expect_error("{\"a\":1e}", "invalid number");
    expect_error("{\"a\":NaN}", "invalid number");
    expect_error("{\"a\":-}", "invalid number");
}

static void test_arrays_of_numbers_become_float32(void **state)
{
    (void)state;
    const store_json_member *m = one("{\"v\": [1, -2.5, 0.1, 1e-3, 16777217 ] }");
    assert_int_equal(m->kind, STORE_JSON_ARRAY);
    assert_int_equal(m->len, 5);
    static const float want[] = {1.0f, -2.5f, 0.1f, 1e-3f, 16777217.0f};
    assert_memory_equal(m->v, want, sizeof want);
    m = one("{\"v\":[]}");
    assert_int_equal(m->len, 0);
    expect_error("{\"v\":[1,[2]]}", "only hold numbers");
    expect_error("{\"v\":[1,null]}", "only hold numbers");
    expect_error("{\"v\":[1,\"x\"]}", "only hold numbers");
    expect_error("{\"v\":[1,]}", "only hold numbers");
    expect_error("{\"v\":[1 2]}", "expected ',' or ']'");
    expect_error("{\"v\":[1e39]}", "float32 range");
    expect_error("{\"v\":[1", "expected ',' or ']'");
}

static void test_escapes_and_surrogate_pairs_decode_to_utf8(void **state)
{
    (void)state;
    const store_json_member *m =
        one("{\"s\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f \\u00e9\\u20AC\\ud83d\\ude00 \xc3\xa9\"}");
    assert_int_equal(m->kind, STORE_JSON_STRING);
    const char *want = "q\"b\\s/n\nt\tr\rb\bf\f \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xc3\xa9";
    assert_string_equal(m->s, want);
    assert_int_equal(m->len, strlen(want));
    m = one("{\"\\u006b\":\"\"}");
    assert_string_equal(m->key, "k");
    assert_int_equal(m->len, 0);
    expect_error("{\"s\":\"\\ud83d\"}", "high surrogate");
    expect_error("{\"s\":\"\\ud83d\\u0041\"}", "high surrogate");
    expect_error("{\"s\":\"\\ude00\"}", "lone low surrogate");
    expect_error("{\"s\":\"\\u00g0\"}", "bad hex digit");
    expect_error("{\"s\":\"\\x\"}", "invalid escape");
    expect_error("{\"s\":\"\\u0000\"}", "NUL");
    expect_error("{\"s\":\"a\tb\"}", "control character");
    expect_error("{\"s\":\"\xff\"}", "invalid UTF-8");
    expect_error("{\"s\":\"\xc0\xaf\"}", "invalid UTF-8");       /* overlong */
    expect_error("{\"s\":\"\xed\xa0\x80\"}", "invalid UTF-8");   /* encoded surrogate */
    expect_error("{\"s\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8"); /* above U+10FFFF */
    expect_error("{\"s\":\"\xe2\x82\"}", "invalid UTF-8");       /* truncated */
    expect_error("{\"s\":\"abc}", "unterminated string");
}

static void test_objects_are_flat_and_strict(void **state)
{
    (void)state;
    int blank;
    cdx_error err = {0};
    assert_int_equal(parse(" {\"a\":1, \"b\":null,\"c\":\"x\",\"d\":[1]} \r", &blank, &err), 0);
    assert_int_equal(row.n, 4);
    assert_int_equal(row.members[1].kind, STORE_JSON_NULL);
    assert_string_equal(row.members[2].s, "x");
    assert_string_equal(row.members[3].key, "d");
    assert_int_equal(parse("{}", &blank, &err), 0);
    assert_int_equal(row.n, 0);
    assert_int_equal(blank, 0);
    expect_error("{\"a\":{\"b\":1}}", "nested objects");
    expect_error("{\"a\":true}", "booleans");
    expect_error("{\"a\":1} x", "trailing characters");
    expect_error("{\"a\":1}{}", "trailing characters");
    expect_error("[1,2]", "expected a JSON object");
    expect_error("{\"a\":1,}", "expected a key");
    expect_error("{a:1}", "expected a key");
    expect_error("{\"a\" 1}", "expected ':'");
    expect_error("{\"a\":1", "expected ',' or '}'");
    expect_error("{\"a\":1,\"a\":2}", "duplicate key 'a'");
    expect_error("{\"\":1}", "empty key");
    expect_error("{\"a\":nul}", "invalid value");
    expect_error("{\"a\":1}\x01", "trailing characters");
}

static void test_errors_name_the_byte_column(void **state)
{
    (void)state;
    expect_error("{\"a\":1, \"b\":x}", "column 13");
}

static void test_blank_and_crlf_lines(void **state)
{
    (void)state;
    int blank;
    cdx_error err = {0};
    static const char *const blanks[] = {"", "\r", "  \t ", " \r"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(parse(blanks[i], &blank, &err), 0);
        assert_int_equal(blank, 1);
        assert_int_equal(row.n, 0);
    }
    assert_int_equal(parse("{\"a\":\"x\"}\r", &blank, &err), 0);
    assert_int_equal(blank, 0);
    assert_string_equal(row.members[0].s, "x");
}

static void test_reused_row_keeps_pointers_valid_after_growth(void **state)
{
    (void)state;
    char line[20000];
    size_t at = (size_t)snprintf(line, sizeof line, "{\"s\":\"");
    for (int i = 0; i < 3000; i++) line[at++] = (char)('a' + i % 26);
    at += (size_t)snprintf(line + at, sizeof line - at, "\",\"v\":[");
    for (int i = 0; i < 2000; i++) at += (size_t)snprintf(line + at, sizeof line - at, "%s%d",
                                                           i ? "," : "", i);
    snprintf(line + at, sizeof line - at, "],\"t\":\"end\"}");
    int blank;
    cdx_error err = {0};
    assert_int_equal(parse(line, &blank, &err), 0);
    assert_int_equal(row.members[0].len, 3000);
    assert_int_equal(row.members[0].s[2999], 'a' + 2999 % 26);
    assert_int_equal(row.members[1].len, 2000);
    assert_true(row.members[1].v[1999] == 1999.0f);
    assert_string_equal(row.members[2].s, "end");
}

static int teardown(void **state)
{
    (void)state;
    store_jsonl_row_free(&row);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers_exact_around_2_pow_53_and_int64_limits),
        cmocka_unit_test(test_floats_and_exponents_read_as_c_reads_them),
        cmocka_unit_test(test_arrays_of_numbers_become_float32),
        cmocka_unit_test(test_escapes_and_surrogate_pairs_decode_to_utf8),
        cmocka_unit_test(test_objects_are_flat_and_strict),
        cmocka_unit_test(test_errors_name_the_byte_column),
        cmocka_unit_test(test_blank_and_crlf_lines),
        cmocka_unit_test(test_reused_row_keeps_pointers_valid_after_growth),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
