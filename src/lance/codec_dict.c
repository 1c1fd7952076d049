/*
 * codec_dict.c — dictionary decoding for mini-block pages: u32 indices (0-based, decoded by the
 * page's value compression) select strings of the page's dictionary buffer.
 */
#include "lance/codec.h"

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
