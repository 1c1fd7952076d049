/*
 * codec_rle.c — Lance's mini-block RLE (lance `rle.rs`): a buffer of run values and a buffer of
 * u8 run lengths (runs longer than 255 are split). Like lance, runs past num_values are cut off.
 */
#include "lance/codec.h"

#include <string.h>

#include "core/error.h"

int lance_rle_decode(unsigned value_bytes, const uint8_t *values, size_t values_len,
                     const uint8_t *lengths, size_t lengths_len, size_t num_values, void *out,
                     const char *ctx, cdx_error *err) {
    if (value_bytes != 1 && value_bytes != 2 && value_bytes != 4 && value_bytes != 8)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: RLE of %u-byte values", ctx, value_bytes);
    if (values_len % value_bytes != 0 || values_len / value_bytes != lengths_len)
        return cdx_fail(err, CDX_ECORRUPT,
                        "%s: RLE has %zu value bytes but %zu run lengths", ctx, values_len,
                        lengths_len);
    uint8_t *dst = out;
    size_t done = 0;
    for (size_t r = 0; r < lengths_len && done < num_values; r++) {
        size_t run = lengths[r];
        if (run > num_values - done)
            run = num_values - done;
        const uint8_t *v = values + r * value_bytes;
        for (size_t i = 0; i < run; i++, done++)
            memcpy(dst + done * value_bytes, v, value_bytes);
    }
    if (done != num_values)
        return cdx_fail(err, CDX_ECORRUPT, "%s: RLE runs give %zu values, expected %zu", ctx,
                        done, num_values);
    return CDX_OK;
}
