/*
 * test_base64.c — cdx_base64_encode against the RFC 4648 section 10 test vectors, binary input,
 * and the empty string.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clipdex.h"

static void check(const char *in, size_t len, const char *want) {
    size_t n = 12345;
    char *got = cdx_base64_encode(in, len, &n);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
    free(got);
}

static void test_base64_rfc4648_vectors(void **state) {
    (void)state;
    check("", 0, "");
    check("f", 1, "Zg==");
    check("fo", 2, "Zm8=");
    check("foo", 3, "Zm9v");
    check("foob", 4, "Zm9vYg==");
    check("fooba", 5, "Zm9vYmE=");
    check("foobar", 6, "Zm9vYmFy");
}

static void test_base64_binary_uses_standard_alphabet(void **state) {
    (void)state;
    /* Python: base64.b64encode(bytes([0xfb, 0xff, 0xbf, 0x00, 0x10, 0x83])) */
    check("\xfb\xff\xbf\x00\x10\x83", 6, "+/+/ABCD");
    /* base64.b64encode(b"\x89PNG\r\n\x1a\n") */
    check("\x89PNG\r\n\x1a\n", 8, "iVBORw0KGgo=");
}

static void test_base64_out_len_is_optional(void **state) {
    (void)state;
    char *s = cdx_base64_encode("clip", 4, NULL);
    assert_non_null(s);
    assert_string_equal(s, "Y2xpcA==");
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_rfc4648_vectors),
        cmocka_unit_test(test_base64_binary_uses_standard_alphabet),
        cmocka_unit_test(test_base64_out_len_is_optional),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
