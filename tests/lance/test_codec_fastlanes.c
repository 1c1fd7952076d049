/*
 * test_codec_fastlanes.c — FastLanes unpack against a plain bit-by-bit reference twin (random
 * packed words, every lane type and width), and the inline/out-of-line wrappers' bounds checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lance/codec.h"

/* Reference: value at row r of lane l is bits [r*W, r*W+W) of that lane's bit stream, whose
 * k-th word is packed[lanes*k + l]; it lands at FL_ORDER[r/8]*16 + (r%8)*128 + l. */
static uint64_t ref_value(unsigned t, unsigned w, const uint8_t *packed, unsigned lane,
                          unsigned row) {
    const unsigned lanes = 1024 / t;
    uint64_t v = 0;
    for (unsigned b = 0; b < w; b++) {
        const unsigned pos = row * w + b, word = pos / t, bit = pos % t;
        const size_t byte = ((size_t)lanes * word + lane) * (t / 8) + bit / 8;
        v |= (uint64_t)((packed[byte] >> (bit % 8)) & 1) << b;
    }
    return v;
}

static uint64_t get(const void *out, unsigned t, size_t i) {
    switch (t) {
    case 8: return ((const uint8_t *)out)[i];
    case 16: return ((const uint16_t *)out)[i];
    case 32: return ((const uint32_t *)out)[i];
    default: return ((const uint64_t *)out)[i];
    }
}

static void test_unpack_equals_bitwise_reference_for_all_types_and_widths(void **state) {
    (void)state;
    static const unsigned order[8] = {0, 4, 2, 6, 1, 5, 3, 7};
    uint8_t packed[8192];
    uint64_t out[1024];
    srand(7);
    for (unsigned t = 8; t <= 64; t *= 2) {
        for (unsigned w = 0; w <= t; w++) {
            for (size_t i = 0; i < sizeof packed; i++)
                packed[i] = (uint8_t)rand();
            lance_fl_unpack(t, w, packed, out);
            for (unsigned lane = 0; lane < 1024 / t; lane++)
                for (unsigned row = 0; row < t; row++) {
                    const size_t idx = order[row / 8] * 16 + (row % 8) * 128 + lane;
                    assert_int_equal(get(out, t, idx), ref_value(t, w, packed, lane, row));
                }
        }
    }
}

static void test_inline_rejects_bad_width_and_length(void **state) {
    (void)state;
    uint8_t buf[8 + 128] = {0};
    uint64_t out[1024];
    cdx_error err = {0};
    buf[0] = 65; /* width above 64 */
    assert_int_equal(lance_bitpack_inline_decode(64, buf, sizeof buf, 10, out, "t", &err),
                     CDX_ECORRUPT);
    buf[0] = 1; /* width 1 needs 8 + 128 bytes */
    assert_int_equal(lance_bitpack_inline_decode(64, buf, sizeof buf, 10, out, "t", &err),
                     CDX_OK);
    assert_int_equal(lance_bitpack_inline_decode(64, buf, sizeof buf - 1, 10, out, "t", &err),
                     CDX_ECORRUPT);
    assert_int_equal(lance_bitpack_inline_decode(64, buf, 3, 10, out, "t", &err),
                     CDX_ETRUNCATED);
    assert_int_equal(lance_bitpack_inline_decode(64, buf, sizeof buf, 1025, out, "t", &err),
                     CDX_ECORRUPT);
}

static void test_outofline_raw_tail_and_padded_tail(void **state) {
    (void)state;
    /* 1024 values at width 1 (128 bytes), then a raw tail of 3 u16 values. */
    uint8_t buf[128 + 6];
    memset(buf, 0xff, 128);
    const uint16_t tail[3] = {0, 1, 0};
    memcpy(buf + 128, tail, 6);
    uint16_t out[1027];
    cdx_error err = {0};
    assert_int_equal(lance_bitpack_outofline_decode(16, 1, buf, sizeof buf, 1027, out, "t", &err),
                     CDX_OK);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1023], 1);
    assert_int_equal(out[1024], 0);
    assert_int_equal(out[1025], 1);
    assert_int_equal(lance_bitpack_outofline_decode(16, 1, buf, 130, 1027, out, "t", &err),
                     CDX_ECORRUPT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unpack_equals_bitwise_reference_for_all_types_and_widths),
        cmocka_unit_test(test_inline_rejects_bad_width_and_length),
        cmocka_unit_test(test_outofline_raw_tail_and_padded_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
