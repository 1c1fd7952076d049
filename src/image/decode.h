/*
 * decode.h — seams inside the decoding half of src/image: one decoder per format (decode_*.c),
 * the container walkers that find EXIF/ICC blocks, and small bounds-safe byte readers.
 * Not part of the public API.
 */
#ifndef CDX_IMAGE_DECODE_H
#define CDX_IMAGE_DECODE_H

#include "image/image.h"

/* Big/little-endian readers; callers check bounds first. */
static inline uint32_t img_be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static inline uint32_t img_le16(const uint8_t *p) { return (uint32_t)p[1] << 8 | p[0]; }
static inline uint32_t img_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t img_le32(const uint8_t *p) {
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* What unknown bytes look like ("TIFF", "HEIC", "PDF", ...), or NULL when unrecognised. */
const char *img_describe_unknown(const uint8_t *data, size_t len);

/* Fails with CDX_ETOOLARGE when width*height exceeds max_pixels (0 = default limit). */
int img_check_pixel_limit(int width, int height, uint64_t max_pixels, const char *name,
                          cdx_error *err);

/* Locates the TIFF block of the EXIF data (after any "Exif\0\0" prefix) in a container.
 * Returns 1 and sets *tiff and *tiff_len when found, else 0. */
int img_find_exif(const uint8_t *data, size_t len, cdx_format format, const uint8_t **tiff,
                  size_t *tiff_len);

/* Orientation tag (0x0112) from a TIFF block; 1 when absent or malformed. */
int img_exif_orientation_tiff(const uint8_t *tiff, size_t len);

/* Reads at most `limit` bytes of a file (SIZE_MAX: all); *total (if non-NULL) gets the file
 * size. Errors as img_read_file. */
int img_read_file_prefix(const char *path, size_t limit, uint8_t **data, size_t *len,
                         size_t *total, cdx_error *err);

/* Per-format decoders: called by img_decode after the header was read and the pixel limit
 * checked. They return a new image in *out (first frame, Pillow 9.4's mode). */
int img_decode_jpeg(const uint8_t *data, size_t len, const char *name, int scale_denom,
                    cdx_image **out, cdx_error *err);
int img_decode_png(const uint8_t *data, size_t len, const char *name, cdx_image **out,
                   cdx_error *err);
int img_decode_webp(const uint8_t *data, size_t len, const char *name, cdx_image **out,
                    cdx_error *err);
int img_decode_gif(const uint8_t *data, size_t len, const char *name, cdx_image **out,
                   cdx_error *err);
int img_decode_bmp(const uint8_t *data, size_t len, const char *name, cdx_image **out,
                   cdx_error *err);

/* Per-format header readers (header.c); width/height as stored. */
int img_header_jpeg(const uint8_t *data, size_t len, const char *name, img_header *hdr,
                    cdx_error *err);
int img_header_png(const uint8_t *data, size_t len, const char *name, img_header *hdr,
                   cdx_error *err);
int img_header_webp(const uint8_t *data, size_t len, const char *name, img_header *hdr,
                    cdx_error *err);
int img_header_gif(const uint8_t *data, size_t len, const char *name, img_header *hdr,
                   cdx_error *err);
int img_header_bmp(const uint8_t *data, size_t len, const char *name, img_header *hdr,
                   cdx_error *err);

#endif
