/*
 * resample.h — the building blocks behind img_resize (Pillow 9.4's libImaging Resample.c,
 * Reduce.c, Geometry.c nearest scaling and the RGBa/La conversions), shared by resize.c and
 * thumbnail.c and tested one by one. Boxes are C float here, as Pillow's _resize parses them.
 */
#ifndef CDX_IMAGE_RESAMPLE_H
#define CDX_IMAGE_RESAMPLE_H

#include "image/image.h"

/* Pillow's ImagingResample: two-pass separable convolution of `src` (L, LA, RGB, RGBA, CMYK:
 * 8-bit fixed point per channel; I: double with int32 intermediate) over `box` to out_w x out_h.
 * `filter` must not be IMG_NEAREST. NULL on OOM. */
cdx_image *img_resample(const cdx_image *src, int out_w, int out_h, img_filter filter,
                        const float box[4]);

/* img_resample with flags: IMG_RESAMPLE_SCALAR keeps to the plain C passes (the twins the AVX2
 * ones are tested against); the environment variable CDX_NO_SIMD=1 does the same globally. */
#define IMG_RESAMPLE_SCALAR 1
cdx_image *img_resample_with(const cdx_image *src, int out_w, int out_h, img_filter filter,
                             const float box[4], int flags);

/* img_resample_with, computing only the output window win = (x0, y0, w, h) of the out_w x out_h
 * result: the same samples as resampling everything and cropping (each output sample depends
 * only on its own coefficient row), at the window's cost. NULL on OOM or a window outside. */
cdx_image *img_resample_window(const cdx_image *src, int out_w, int out_h, img_filter filter,
                               const float box[4], const int win[4], int flags);

/* torchvision Resize(size, BICUBIC) (short side to size, long side truncated) then
 * CenterCrop(size) (round-half-even offsets) of an RGB or L image, as jina-clip-v1's transform
 * does on a PIL image; only the size x size window is computed. *out is size x size. */
int img_resize_shortest_crop(const cdx_image *src, int size, cdx_image **out, cdx_error *err);

/* 8-bit resampling uses 22-bit fixed-point coefficients (Pillow's PRECISION_BITS). */
#define IMG_PRECISION_BITS (32 - 8 - 2)

/* One 8-bit resampling pass, as resample.c hands it to a SIMD kernel: output index i reads
 * taps bounds[2i] .. bounds[2i] + bounds[2i+1] - 1 with weights k[i * ksize ...]. Horizontal:
 * `rows` rows, `out_len` output pixels per row from `in_len` source pixels. Vertical: `out_len`
 * output rows of `row_bytes` samples, bounds in source rows. */
typedef struct img_pass {
    const uint8_t *src;
    size_t src_stride;
    uint8_t *dst;
    size_t dst_stride;
    int rows, in_len, out_len, row_bytes, ksize;
    const int *bounds;
    const int32_t *k;
} img_pass;

/* AVX2 twins of resample.c's passes (resample_avx2.c); img_have_avx2 says whether the CPU runs
 * them. The horizontal one handles 3 and 4 channels and returns -1 for other counts. */
int img_have_avx2(void);
int img_hpass_u8_avx2(const img_pass *p, int ch);
void img_vpass_u8_avx2(const img_pass *p);

/* Pillow's ImagingReduce: fx x fy box average of the region box = (x0, y0, x1, y1) (integers,
 * inside the image), partial last row/column included. NULL on OOM. */
cdx_image *img_reduce(const cdx_image *src, int fx, int fy, const int box[4]);

/* img_reduce with flags: IMG_REDUCE_GENERIC forces the plain per-block loop that the fast
 * column-sum path is tested against. */
#define IMG_REDUCE_GENERIC 1
cdx_image *img_reduce_with(const cdx_image *src, int fx, int fy, const int box[4], int flags);

/* Pillow's ImagingScaleAffine (NEAREST resize over a float box), for any mode. NULL on OOM. */
cdx_image *img_nearest(const cdx_image *src, int out_w, int out_h, const float box[4]);

/* In place RGBA -> RGBa / LA -> La (c = c * a / 255 as Pillow's MULDIV255) and back
 * (c = min(255, 255 * c / a) for 0 < a < 255). Other modes are left alone. */
void img_premultiply(cdx_image *img);
void img_unpremultiply(cdx_image *img);

/* Copy of the region (x0, y0) .. (x0 + w, y0 + h), which must lie inside src. NULL on OOM. */
cdx_image *img_crop(const cdx_image *src, int x0, int y0, int w, int h);

#endif
