/*
 * codec_deflevels.c — definition levels to validity. Our columns have one layer
 * (REPDEF_NULLABLE_ITEM): level 0 = valid item, 1 = null item. Levels arrive as u16, either raw
 * (flat 16) or out-of-line bitpacked (see codec_bitpack_outofline.c).
 */
#include "lance/codec.h"

#include "core/error.h"

int lance_deflevels_to_validity(const uint16_t *levels, size_t n, uint8_t *validity,
                                size_t first, size_t *null_count, const char *ctx,
                                cdx_error *err) {
    size_t nulls = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t bit = first + i;
        const uint8_t m = (uint8_t)(1u << (bit % 8));
        if (levels[i] == 0) {
            validity[bit / 8] |= m;
        } else if (levels[i] == 1) {
            validity[bit / 8] &= (uint8_t)~m;
            nulls++;
        } else {
            return cdx_fail(err, CDX_ECORRUPT, "%s: definition level %u at item %zu", ctx,
                            levels[i], i);
        }
    }
    *null_count += nulls;
    return CDX_OK;
}
