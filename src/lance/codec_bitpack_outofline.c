/*
 * codec_bitpack_outofline.c — OutOfLineBitpacking (lance `bitpacking.rs`): one bit width for
 * the whole buffer, whole FastLanes blocks of 1024 values, then a tail that lance either pads
 * to a full block or appends raw, whichever is smaller. The reader infers which from the length.
 */
#include "lance/codec.h"

#include <string.h>

#include "core/error.h"

int lance_bitpack_outofline_decode(unsigned type_bits, unsigned width, const uint8_t *buf,
                                   size_t len, size_t num_values, void *out, const char *ctx,
                                   cdx_error *err) {
    if (type_bits != 8 && type_bits != 16 && type_bits != 32 && type_bits != 64)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: out-of-line bitpacking of %u-bit values",
                        ctx, type_bits);
    if (width > type_bits)
        return cdx_fail(err, CDX_ECORRUPT, "%s: bit width %u exceeds %u-bit values", ctx, width,
                        type_bits);
    const size_t word = type_bits / 8;
    const size_t block_bytes = LANCE_FL_BLOCK * (size_t)width / 8;
    const size_t whole = num_values / LANCE_FL_BLOCK, tail = num_values % LANCE_FL_BLOCK;
    if (whole > SIZE_MAX / (block_bytes + 1))
        return cdx_fail(err, CDX_ECORRUPT, "%s: %zu values overflow", ctx, num_values);
    const size_t whole_bytes = whole * block_bytes;
    const int tail_raw = tail > 0 && len == whole_bytes + tail * word;
    const size_t need = whole_bytes + (tail == 0 ? 0 : tail_raw ? tail * word : block_bytes);
    if (len != need)
        return cdx_fail(err, CDX_ECORRUPT,
                        "%s: out-of-line bitpacked buffer is %zu bytes, %zu values at width %u "
                        "need %zu",
                        ctx, len, num_values, width, need);
    uint8_t *dst = out;
    for (size_t b = 0; b < whole; b++)
        lance_fl_unpack(type_bits, width, buf + b * block_bytes,
                        dst + b * LANCE_FL_BLOCK * word);
    if (tail == 0)
        return CDX_OK;
    if (tail_raw) {
        memcpy(dst + whole * LANCE_FL_BLOCK * word, buf + whole_bytes, tail * word);
    } else {
        uint64_t block[LANCE_FL_BLOCK];
        lance_fl_unpack(type_bits, width, buf + whole_bytes, block);
        memcpy(dst + whole * LANCE_FL_BLOCK * word, block, tail * word);
    }
    return CDX_OK;
}
