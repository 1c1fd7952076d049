/*
 * test_error.c — the error object: messages are formatted, truncated safely, and every status
 * has its own description.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/error.h"

static void test_fail_formats_message_and_returns_code(void **state) {
    (void)state;
    cdx_error err = {0};
    int rc = cdx_fail(&err, CDX_ETRUNCATED, "%s: %d bytes missing", "a.png", 12);
    assert_int_equal(rc, CDX_ETRUNCATED);
    assert_int_equal(err.code, CDX_ETRUNCATED);
    assert_string_equal(err.message, "a.png: 12 bytes missing");
}

static void test_fail_truncates_long_messages(void **state) {
    (void)state;
    cdx_error err = {0};
    char longname[2000];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    cdx_fail(&err, CDX_EIO, "%s: unreadable", longname);
    assert_int_equal(strlen(err.message), sizeof err.message - 1);
}

static void test_fail_accepts_null_error(void **state) {
    (void)state;
    assert_int_equal(cdx_fail(NULL, CDX_EINVAL, "x"), CDX_EINVAL);
}

static void test_strerror_distinct_for_every_status(void **state) {
    (void)state;
    for (int a = CDX_OK; a <= CDX_ENETWORK; a++)
        for (int b = a + 1; b <= CDX_ENETWORK; b++)
            assert_string_not_equal(cdx_strerror(a), cdx_strerror(b));
    assert_string_equal(cdx_strerror(9999), "unknown error");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_formats_message_and_returns_code),
        cmocka_unit_test(test_fail_truncates_long_messages),
        cmocka_unit_test(test_fail_accepts_null_error),
        cmocka_unit_test(test_strerror_distinct_for_every_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
