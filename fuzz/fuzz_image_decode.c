/*
 * fuzz_image_decode.c — libFuzzer target over the decode entry points: header probing, EXIF
 * orientation, full decode at a JPEG scale picked from the input, orientation and RGB
 * conversion. A small pixel limit keeps each run fast; any crash, leak or UB is a bug.
 */
#include <stddef.h>
#include <stdint.h>

#include "image/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    img_header hdr;
    cdx_error err = {0};
    (void)img_read_header(data, size, "fuzz", &hdr, &err);
    int orientation = img_exif_orientation(data, size, img_sniff(data, size));
    static const int scales[4] = {1, 2, 4, 8};
    int scale = size ? scales[data[size - 1] & 3] : 1;
    cdx_image *img = NULL;
    if (img_decode(data, size, "fuzz", scale, 1 << 20, &img, &err) == CDX_OK) {
        cdx_image *turned = img_apply_orientation(img, orientation);
        cdx_image *rgb = turned ? img_convert_rgb(turned) : NULL;
        cdx_image_free(rgb);
        cdx_image_free(turned);
        cdx_image_free(img);
    }
    return 0;
}
