/*
 * image.h — the image module's internal interface: the cdx_image struct and the seams between
 * decoding (decode_*.c, exif.c, orient.c, probe.c, load.c), resampling (resample.c, reduce.c,
 * nearest.c, thumbnail.c) and encoding (png_encode.c, base64.c). Not part of the public API.
 */
#ifndef CDX_IMAGE_IMAGE_H
#define CDX_IMAGE_IMAGE_H

#include "clipdex.h"
#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

/* A decoded image in Pillow's terms. Samples are interleaved with `img_mode_channels(mode)`
 * bytes per pixel (CDX_MODE_I: one int32 per pixel, 4 bytes), rows `stride` bytes apart. */
struct cdx_image {
    int width, height;
    cdx_mode mode;
    size_t stride;
    uint8_t *pixels; /* owned */

    /* CDX_MODE_P only: palette RGB triples and per-entry alpha (tRNS / GIF transparency). */
    uint8_t palette[256 * 3];
    int palette_count;
    uint8_t palette_alpha[256];
    int palette_alpha_count; /* 0 = no transparency info */

    /* L / RGB / I colour-key transparency (PNG tRNS), as Pillow's info["transparency"]. */
    int has_transparent_key;
    uint16_t transparent_key[3];

    uint8_t *icc; /* owned ICC profile bytes (copied to iCCP when encoding), or NULL */
    size_t icc_len;
};

/* Bytes per pixel of a mode (CDX_MODE_I: 4). */
int img_mode_bytes(cdx_mode mode);

/* Allocates an image with zeroed pixels; checks size arithmetic. Returns NULL on overflow/OOM. */
cdx_image *img_new(int width, int height, cdx_mode mode);

/* Deep copy (pixels, palette, ICC). NULL on OOM. */
cdx_image *img_clone(const cdx_image *src);

/* Copies palette, transparency and ICC metadata from src to dst (pixels untouched). */
int img_copy_meta(cdx_image *dst, const cdx_image *src);

/* ---- Decoding ---------------------------------------------------------------------------- */

/* Format from the first bytes (magic numbers), never from the file name. */
cdx_format img_sniff(const uint8_t *data, size_t len);

/* Header facts, read without decoding pixels. `orientation` is the raw EXIF tag (1 when absent).
 * `width`/`height` are as stored (before orientation). */
typedef struct img_header {
    cdx_format format;
    int width, height;
    int orientation;
} img_header;

/* Reads the header of an in-memory file; errors name `name`. */
int img_read_header(const uint8_t *data, size_t len, const char *name, img_header *hdr,
                    cdx_error *err);

/* Reads the EXIF orientation (1..8) from a JPEG APP1, PNG eXIf or WebP EXIF chunk; 1 if absent
 * or unreadable. Bounds-checked; never fails. */
int img_exif_orientation(const uint8_t *data, size_t len, cdx_format format);

/* Decodes the first frame of an in-memory file into Pillow 9.4's mode. For JPEG, `scale_denom`
 * (1, 2, 4 or 8) asks libjpeg-turbo for DCT-domain scaling as Pillow's draft() does; other
 * formats ignore it. The pixel limit is checked on the header's size before any allocation.
 * No orientation is applied here. */
int img_decode(const uint8_t *data, size_t len, const char *name, int scale_denom,
               uint64_t max_pixels, cdx_image **out, cdx_error *err);

/* Returns a new image transposed as Pillow's ImageOps.exif_transpose does for orientation
 * 2..8 (1 or out-of-range: a plain copy). NULL on OOM. */
cdx_image *img_apply_orientation(const cdx_image *src, int orientation);

/* Reads a whole file into memory (malloc'd). Errors name the path: unreadable, zero bytes. */
int img_read_file(const char *path, uint8_t **data, size_t *len, cdx_error *err);

/* ---- Resampling (Pillow's Resample.c / Reduce.c / Geometry.c) ------------------------------ */

typedef enum img_filter {
    IMG_NEAREST = 0,
    IMG_BOX = 4,
    IMG_BILINEAR = 2,
    IMG_HAMMING = 5,
    IMG_BICUBIC = 3,
    IMG_LANCZOS = 1,
} img_filter; /* values are Pillow's Image.Resampling constants */

/* Pillow's Image.resize(size, filter, box, reducing_gap) for any mode (P and 1 use NEAREST,
 * RGBA/LA are premultiplied). `box` may be NULL (the whole image); `reducing_gap` <= 0 means
 * None. Returns a new image in *out. */
int img_resize(const cdx_image *src, int out_w, int out_h, img_filter filter, const double box[4],
               double reducing_gap, cdx_image **out, cdx_error *err);

/* Pillow 9.4's Image.thumbnail((size, size), LANCZOS, reducing_gap=2.0) on an in-memory file,
 * including the JPEG draft, with EXIF orientation handled as cdx_thumbnail_file documents. */
int img_thumbnail_mem(const uint8_t *data, size_t len, const char *name, int size,
                      const cdx_image_opts *opts, cdx_image **out, cdx_error *err);

/* Pillow's convert("RGB") from any mode (L/LA/P/RGBA/CMYK/I/1). NULL on OOM. */
cdx_image *img_convert_rgb(const cdx_image *src);

#endif
