/*
 * preprocess.c — the vision tower's input tensor from an image, bit for bit as the Python model
 * makes it: Image.convert("RGB") first (encode_image does it before the transform: alpha dropped
 * without compositing, palettes looked up, 16-bit grey clipped), then the short-side BICUBIC
 * resize and centre crop (image/shortest_crop.c), then ToTensor (u8 / 255.0f) and Normalize
 * ((v - mean) / std), each step rounded to float32 as torch does it.
 */
#include "model/preprocess.h"

#include "image/image.h"
#include "image/resample.h"

#include <stdlib.h>

/* OpenAI CLIP's mean/std, as jina-clip-v1's preprocessor_config.json gives them; torch converts
 * them to float32 before Normalize. */
static const float mdl_clip_mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
static const float mdl_clip_std[3] = {0.26862954f, 0.26130258f, 0.27577711f};

static void mdl_normalize_chw(const cdx_image *rgb, int size, float *out) {
    const size_t plane = (size_t)size * (size_t)size;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < size; y++) {
            const uint8_t *row = rgb->pixels + (size_t)y * rgb->stride;
            float *dst = out + (size_t)c * plane + (size_t)y * (size_t)size;
            for (int x = 0; x < size; x++) {
                float v = (float)row[3 * x + c] / 255.0f;
                dst[x] = (v - mdl_clip_mean[c]) / mdl_clip_std[c];
            }
        }
}

int mdl_preprocess_image(const cdx_image *img, int size, float *out, cdx_error *err) {
    if (!img || !out || size < 1 || size > 65536)
        return cdx_fail(err, CDX_EINVAL, "preprocess: bad argument (size %d)", size);
    cdx_image *rgb = NULL, *crop = NULL;
    const cdx_image *src = img;
    if (img->mode != CDX_MODE_RGB) {
        rgb = img_convert_rgb(img);
        if (!rgb)
            return cdx_fail(err, CDX_ENOMEM, "preprocess: out of memory converting %dx%d to RGB",
                            img->width, img->height);
        src = rgb;
    }
    int rc = img_resize_shortest_crop(src, size, &crop, err);
    cdx_image_free(rgb);
    if (rc != CDX_OK) return rc;
    mdl_normalize_chw(crop, size, out);
    cdx_image_free(crop);
    return CDX_OK;
}

int mdl_preprocess_mem(const void *data, size_t len, const char *name, const cdx_image_opts *opts,
                       int size, float *out, cdx_error *err) {
    cdx_image *img = NULL;
    int rc = cdx_image_load_mem(data, len, name, opts, &img, err);
    if (rc != CDX_OK) return rc;
    rc = mdl_preprocess_image(img, size, out, err);
    cdx_image_free(img);
    return rc;
}

int mdl_preprocess_file(const char *path, const cdx_image_opts *opts, int size, float *out,
                        cdx_error *err) {
    if (!path) return cdx_fail(err, CDX_EINVAL, "preprocess: NULL path");
    uint8_t *data;
    size_t len;
    int rc = img_read_file(path, &data, &len, err);
    if (rc != CDX_OK) return rc;
    rc = mdl_preprocess_mem(data, len, path, opts, size, out, err);
    free(data);
    return rc;
}
