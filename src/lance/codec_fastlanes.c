/*
 * codec_fastlanes.c — FastLanes bit-unpacking as Lance lays it out (lance `rust/compression/
 * bitpacking`, a fork of spiraldb/fastlanes): 1024 values per block, 1024/T lanes, and rows of
 * each lane stored in the transposed order FL_ORDER so that SIMD lanes stay independent.
 * Also the InlineBitpacking mini-block chunk (bit width inline, then one block).
 */
#include "lance/codec.h"

#include <string.h>

#include "core/error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "lance codecs read little-endian words directly; port the loads for big-endian hosts"
#endif

/* Row r of a lane lands at output index FL_ORDER[r/8]*16 + (r%8)*128 + lane (FastLanes'
 * "unified transposed layout"). */
static const unsigned lance_fl_order[8] = {0, 4, 2, 6, 1, 5, 3, 7};

/* One unpacker per word type; the arithmetic is identical, only the type changes. */
#define LANCE_FL_DEFINE_UNPACK(BITS, TYPE)                                                     \
    /* NOLINTNEXTLINE(bugprone-macro-parentheses): TYPE is a type name */                  \
    static void lance_fl_unpack_##BITS(unsigned width, const uint8_t *packed, TYPE *out) {     \
        const unsigned lanes = LANCE_FL_BLOCK / (BITS);                                        \
        if (width == 0) {                                                                      \
            memset(out, 0, LANCE_FL_BLOCK * sizeof(TYPE));                                     \
            return;                                                                            \
        }                                                                                      \
        const TYPE mask = width == (BITS) ? (TYPE)~(TYPE)0 : (TYPE)(((TYPE)1 << width) - 1);   \
        for (unsigned row = 0; row < (BITS); row++) {                                          \
            const unsigned bit = row * width, word = bit / (BITS), shift = bit % (BITS);       \
            const unsigned base = lance_fl_order[row / 8] * 16 + (row % 8) * 128;              \
            const uint8_t *lo = packed + (size_t)lanes * word * sizeof(TYPE);                  \
            const int spills = (BITS) - shift < width;                                         \
            for (unsigned lane = 0; lane < lanes; lane++) {                                    \
                TYPE a, v;                                                                     \
                memcpy(&a, lo + lane * sizeof(TYPE), sizeof a);                                \
                v = (TYPE)(a >> shift);                                                        \
                if (spills) {                                                                  \
                    TYPE b;                                                                    \
                    memcpy(&b, lo + (lanes + lane) * sizeof(TYPE), sizeof b);                  \
                    v |= (TYPE)(b << ((BITS) - shift));                                        \
                }                                                                              \
                out[base + lane] = (TYPE)(v & mask);                                           \
            }                                                                                  \
        }                                                                                      \
    }

LANCE_FL_DEFINE_UNPACK(8, uint8_t)
LANCE_FL_DEFINE_UNPACK(16, uint16_t)
LANCE_FL_DEFINE_UNPACK(32, uint32_t)
LANCE_FL_DEFINE_UNPACK(64, uint64_t)

void lance_fl_unpack(unsigned type_bits, unsigned width, const uint8_t *packed, void *out) {
    switch (type_bits) {
    case 8: lance_fl_unpack_8(width, packed, out); break;
    case 16: lance_fl_unpack_16(width, packed, out); break;
    case 32: lance_fl_unpack_32(width, packed, out); break;
    default: lance_fl_unpack_64(width, packed, out); break;
    }
}

static int lance_fl_type_ok(unsigned type_bits) {
    return type_bits == 8 || type_bits == 16 || type_bits == 32 || type_bits == 64;
}

int lance_bitpack_inline_decode(unsigned type_bits, const uint8_t *buf, size_t len,
                                size_t num_values, void *out, const char *ctx, cdx_error *err) {
    if (!lance_fl_type_ok(type_bits))
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: inline bitpacking of %u-bit values", ctx,
                        type_bits);
    const size_t word = type_bits / 8;
    if (num_values > LANCE_FL_BLOCK)
        return cdx_fail(err, CDX_ECORRUPT, "%s: %zu values in one bitpacked chunk (max 1024)",
                        ctx, num_values);
    if (len < word)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: bitpacked chunk of %zu bytes has no header",
                        ctx, len);
    uint64_t width = 0;
    memcpy(&width, buf, word); /* little-endian host: low bytes first */
    if (width > type_bits)
        return cdx_fail(err, CDX_ECORRUPT, "%s: bit width %llu exceeds %u-bit values", ctx,
                        (unsigned long long)width, type_bits);
    const size_t need = word + LANCE_FL_BLOCK * (size_t)width / 8;
    if (len != need)
        return cdx_fail(err, CDX_ECORRUPT,
                        "%s: bitpacked chunk is %zu bytes, width %llu needs %zu", ctx, len,
                        (unsigned long long)width, need);
    uint64_t block[LANCE_FL_BLOCK];
    lance_fl_unpack(type_bits, (unsigned)width, buf + word, block);
    memcpy(out, block, num_values * word);
    return CDX_OK;
}
