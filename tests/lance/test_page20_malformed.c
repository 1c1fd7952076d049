/*
 * test_page20_malformed.c — 2.0 encoding trees that are well-formed protobuf but not what a
 * column of that type can hold: each fails with an error naming the file, and (under ASan) no
 * oneof member is read as another message type. The trees are packed and unpacked through
 * protobuf-c so every message has its exact allocated size, as when read from a file.
 * Regression: a binary page whose indices were a simple_struct read it as a Flat (CI fuzz run,
 * fuzz_lance_datafile, heap-buffer-overflow in p20_uints).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "encodings_v2_0.pb-c.h"
#include "lance/page21.h"

typedef Lance__Encodings__ArrayEncoding enc_t;

/* Round-trips `e` through the wire format: the result's messages are protobuf-c's own. */
static enc_t *repack(const enc_t *e)
{
    size_t n = lance__encodings__array_encoding__get_packed_size(e);
    uint8_t *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    lance__encodings__array_encoding__pack(e, buf);
    enc_t *out = lance__encodings__array_encoding__unpack(NULL, n, buf);
    free(buf);
    assert_non_null(out);
    return out;
}

static int decode(const enc_t *e, lance_type type, uint32_t dim, uint64_t rows, cdx_error *err)
{
    static const uint8_t bytes[64];
    const lance_buf bufs[2] = {{bytes, sizeof bytes}, {bytes, sizeof bytes}};
    lance_page_ctx ctx = {.file = "bad.lance", .column = 1, .page = 0, .buffers = bufs,
                          .num_buffers = 2, .num_rows = rows, .type = type, .dim = dim,
                          .array_encoding = e};
    lance_column col;
    memset(&col, 0, sizeof col);
    int rc = lance_page20_decode(&ctx, &col, err);
    lance_column_free(&col);
    return rc;
}

static void assert_fails_naming_file(const enc_t *tree, lance_type type, uint32_t dim,
                                     uint64_t rows)
{
    enc_t *e = repack(tree);
    cdx_error err = {0};
    int rc = decode(e, type, dim, rows, &err);
    lance__encodings__array_encoding__free_unpacked(e, NULL);
    assert_int_not_equal(rc, CDX_OK);
    assert_non_null(strstr(err.message, "bad.lance"));
}

/* A flat encoding of `bits`-bit values in page buffer `index`, built in caller-owned messages. */
static void flat_in(enc_t *e, Lance__Encodings__Flat *fl, Lance__Encodings__Buffer *b,
                    uint64_t bits, uint32_t index)
{
    *b = (Lance__Encodings__Buffer)LANCE__ENCODINGS__BUFFER__INIT;
    b->buffer_index = index;
    *fl = (Lance__Encodings__Flat)LANCE__ENCODINGS__FLAT__INIT;
    fl->bits_per_value = bits;
    fl->buffer = b;
    *e = (enc_t)LANCE__ENCODINGS__ARRAY_ENCODING__INIT;
    e->array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FLAT;
    e->flat = fl;
}

static void test_binary_indices_not_flat(void **state)
{
    (void)state;
    Lance__Encodings__SimpleStruct ss = LANCE__ENCODINGS__SIMPLE_STRUCT__INIT;
    enc_t idx = LANCE__ENCODINGS__ARRAY_ENCODING__INIT;
    idx.array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_SIMPLE_STRUCT;
    idx.simple_struct = &ss;
    Lance__Encodings__Buffer b1;
    Lance__Encodings__Flat fl;
    enc_t bytes;
    flat_in(&bytes, &fl, &b1, 8, 1);
    Lance__Encodings__Binary bin = LANCE__ENCODINGS__BINARY__INIT;
    bin.indices = &idx;
    bin.bytes = &bytes;
    enc_t top = LANCE__ENCODINGS__ARRAY_ENCODING__INIT;
    top.array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_BINARY;
    top.binary = &bin;
    assert_fails_naming_file(&top, LANCE_TYPE_UTF8, 1, 4);

    /* The same behind a no-nulls wrapper, and as dictionary indices. */
    Lance__Encodings__Nullable__NoNull nn = LANCE__ENCODINGS__NULLABLE__NO_NULL__INIT;
    nn.values = &idx;
    Lance__Encodings__Nullable nul = LANCE__ENCODINGS__NULLABLE__INIT;
    nul.nullability_case = LANCE__ENCODINGS__NULLABLE__NULLABILITY_NO_NULLS;
    nul.no_nulls = &nn;
    enc_t wrapped = LANCE__ENCODINGS__ARRAY_ENCODING__INIT;
    wrapped.array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_NULLABLE;
    wrapped.nullable = &nul;
    bin.indices = &wrapped;
    assert_fails_naming_file(&top, LANCE_TYPE_UTF8, 1, 4);

    Lance__Encodings__Dictionary dict = LANCE__ENCODINGS__DICTIONARY__INIT;
    dict.indices = &idx;
    dict.items = &top;
    dict.num_dictionary_items = 0;
    bin.indices = &bytes; /* items: a valid (empty) binary */
    enc_t dtop = LANCE__ENCODINGS__ARRAY_ENCODING__INIT;
    dtop.array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_DICTIONARY;
    dtop.dictionary = &dict;
    assert_fails_naming_file(&dtop, LANCE_TYPE_UTF8, 1, 4);
}

static void test_fixed_size_list_count_overflow(void **state)
{
    (void)state;
    Lance__Encodings__Buffer b0;
    Lance__Encodings__Flat fl;
    enc_t items;
    flat_in(&items, &fl, &b0, 32, 0);
    Lance__Encodings__FixedSizeList l = LANCE__ENCODINGS__FIXED_SIZE_LIST__INIT;
    l.dimension = 8;
    l.items = &items;
    enc_t top = LANCE__ENCODINGS__ARRAY_ENCODING__INIT;
    top.array_encoding_case = LANCE__ENCODINGS__ARRAY_ENCODING__ARRAY_ENCODING_FIXED_SIZE_LIST;
    top.fixed_size_list = &l;
    /* 2 rows of 8 floats need 64 bytes: the buffer has exactly that, so this decodes. */
    enc_t *e = repack(&top);
    cdx_error err = {0};
    assert_int_equal(decode(e, LANCE_TYPE_FSL_F32, 8, 2, &err), CDX_OK);
    /* 3 rows need 96: too short, an error naming the file. */
    assert_int_not_equal(decode(e, LANCE_TYPE_FSL_F32, 8, 3, &err), CDX_OK);
    assert_non_null(strstr(err.message, "bad.lance"));
    lance__encodings__array_encoding__free_unpacked(e, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_indices_not_flat),
        cmocka_unit_test(test_fixed_size_list_count_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
