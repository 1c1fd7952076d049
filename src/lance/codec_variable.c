/*
 * codec_variable.c — Lance's `variable` compression (plain variable-width values): in a
 * mini-block chunk, (n+1) offsets from the buffer start followed by the bytes; as a block (the
 * dictionary of a mini-block page), a u32 bits_per_offset and u32 bytes_start header first.
 */
#include "lance/codec.h"

#include <string.h>

#include "core/error.h"

static uint64_t lance_read_offset(const uint8_t *p, unsigned bytes) {
    uint64_t v = 0;
    memcpy(&v, p, bytes); /* little-endian host */
    return v;
}

/* Reads n+1 offsets of `bits` bits at `at` in buf, adds `base`, and checks each lies in
 * [lo, len] and never decreases. */
static int lance_offsets_read(unsigned bits, const uint8_t *buf, size_t len, size_t at,
                              size_t n, uint64_t base, uint64_t lo, uint64_t *offsets,
                              const char *ctx, cdx_error *err) {
    if (bits != 32 && bits != 64)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: %u-bit string offsets", ctx, bits);
    const size_t w = bits / 8;
    if (n >= SIZE_MAX / w - 1 || at > len || (n + 1) * w > len - at)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: %zu offsets do not fit in %zu bytes", ctx,
                        n + 1, len);
    uint64_t prev = lo;
    for (size_t i = 0; i <= n; i++) {
        const uint64_t raw = lance_read_offset(buf + at + i * w, (unsigned)w);
        const uint64_t off = raw + base;
        if (off < raw || off < prev || off > len)
            return cdx_fail(err, CDX_ECORRUPT,
                            "%s: string offset %zu (%llu) outside [%llu, %zu]", ctx, i,
                            (unsigned long long)raw, (unsigned long long)prev, len);
        offsets[i] = prev = off;
    }
    return CDX_OK;
}

int lance_variable_chunk_parse(unsigned bits_per_offset, const uint8_t *buf, size_t len,
                               size_t n, uint64_t *offsets, const char *ctx, cdx_error *err) {
    if (n >= SIZE_MAX / 8 - 1)
        return cdx_fail(err, CDX_ECORRUPT, "%s: %zu strings", ctx, n);
    /* The bytes start right after the offsets, so the first offset is at least that far. */
    const uint64_t header = (uint64_t)(n + 1) * (bits_per_offset / 8);
    return lance_offsets_read(bits_per_offset, buf, len, 0, n, 0, header, offsets, ctx, err);
}

int lance_variable_block_parse(const uint8_t *buf, size_t len, size_t n, uint64_t *offsets,
                               const char *ctx, cdx_error *err) {
    if (len < 8)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: variable block of %zu bytes", ctx, len);
    uint32_t bits, start;
    memcpy(&bits, buf, 4);
    memcpy(&start, buf + 4, 4);
    if (start > len)
        return cdx_fail(err, CDX_ECORRUPT, "%s: variable block bytes start at %u of %zu", ctx,
                        start, len);
    return lance_offsets_read(bits, buf, len, 8, n, start, start, offsets, ctx, err);
}
