/*
 * codec_zstd.c — per-value zstd (`general{compression: zstd}` over full-zip variable values):
 * each value is a u64 little-endian uncompressed length followed by one zstd frame (lance's
 * zstd buffer compressor).
 */
#include "lance/codec.h"

#include <string.h>
#include <zstd.h>

#include "core/error.h"

int lance_zstd_value_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                            size_t *out_len, const char *ctx, cdx_error *err) {
    if (len < 8)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: zstd value of %zu bytes has no length", ctx,
                        len);
    uint64_t ulen;
    memcpy(&ulen, in, 8);
    if (ulen > LANCE_ZSTD_MAX_VALUE)
        return cdx_fail(err, CDX_ETOOLARGE, "%s: zstd value claims %llu bytes", ctx,
                        (unsigned long long)ulen);
    if (!out) {
        *out_len = (size_t)ulen;
        return CDX_OK;
    }
    if (cap < ulen)
        return cdx_fail(err, CDX_EINVAL, "%s: zstd output buffer too small", ctx);
    if (ulen == 0 && len == 8) {
        *out_len = 0;
        return CDX_OK;
    }
    const size_t got = ZSTD_decompress(out, (size_t)ulen, in + 8, len - 8);
    if (ZSTD_isError(got))
        return cdx_fail(err, CDX_ECORRUPT, "%s: zstd: %s", ctx, ZSTD_getErrorName(got));
    if (got != ulen)
        return cdx_fail(err, CDX_ECORRUPT, "%s: zstd value inflated to %zu bytes, expected %llu",
                        ctx, got, (unsigned long long)ulen);
    *out_len = got;
    return CDX_OK;
}
