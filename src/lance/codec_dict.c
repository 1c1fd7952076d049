/*
 * codec_dict.c — dictionary decoding for mini-block pages: u32 indices (0-based, decoded by the
 * page's value compression) select strings of the page's dictionary buffer.
 */
#include "lance/codec.h"

#include <string.h>

#include "core/error.h"

int lance_dict_measure(const uint32_t *indices, size_t n, const uint64_t *dict_offsets,
                       size_t dict_n, uint64_t *total, const char *ctx, cdx_error *err) {
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (indices[i] >= dict_n)
            return cdx_fail(err, CDX_ECORRUPT, "%s: dictionary index %u of %zu items at row %zu",
                            ctx, indices[i], dict_n, i);
        sum += dict_offsets[indices[i] + 1] - dict_offsets[indices[i]];
    }
    *total = sum;
    return CDX_OK;
}

void lance_dict_gather(const uint32_t *indices, size_t n, const uint8_t *dict_buf,
                       const uint64_t *dict_offsets, uint8_t *bytes, uint64_t base,
                       uint64_t *out_offsets) {
    uint64_t at = 0;
    out_offsets[0] = base;
    for (size_t i = 0; i < n; i++) {
        const uint64_t s = dict_offsets[indices[i]], e = dict_offsets[indices[i] + 1];
        if (e > s)
            memcpy(bytes + at, dict_buf + s, e - s);
        at += e - s;
        out_offsets[i + 1] = base + at;
    }
}
