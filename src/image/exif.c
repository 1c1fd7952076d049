/*
 * exif.c — the EXIF orientation tag (0x0112) without libexif: find the EXIF block in a JPEG
 * APP1 segment, a PNG eXIf chunk or a WebP EXIF chunk, then read IFD0 of its TIFF structure
 * (either byte order). Every offset is checked; malformed data reads as "no orientation".
 * Like Pillow, entries read before a truncation still count and a later duplicate tag wins.
 */
#include "image/decode.h"

#include <string.h>

#define EXIF_TAG_ORIENTATION 0x0112

static int find_exif_jpeg(const uint8_t *d, size_t len, const uint8_t **out, size_t *out_len) {
    size_t pos = 2;
    while (pos + 4 <= len) {
        if (d[pos] != 0xFF) return 0;
        uint8_t m = d[pos + 1];
        if (m == 0xFF) { /* fill byte */
            pos++;
            continue;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            pos += 2;
            continue;
        }
        if (m == 0xDA || m == 0xD9) return 0;
        size_t seg = img_be16(d + pos + 2);
        if (seg < 2 || seg > len - pos - 2) return 0;
        const uint8_t *body = d + pos + 4;
        size_t body_len = seg - 2;
        if (m == 0xE1 && body_len >= 6 && memcmp(body, "Exif\0\0", 6) == 0) {
            *out = body + 6;
            *out_len = body_len - 6;
            return 1;
        }
        pos += 2 + seg;
    }
    return 0;
}

static int find_exif_png(const uint8_t *d, size_t len, const uint8_t **out, size_t *out_len) {
    size_t pos = 8;
    while (pos + 12 <= len) {
        size_t clen = img_be32(d + pos);
        if (clen > len - pos - 12) return 0;
        const uint8_t *type = d + pos + 4;
        if (memcmp(type, "eXIf", 4) == 0) {
            *out = d + pos + 8;
            *out_len = clen;
            return 1;
        }
        if (memcmp(type, "IEND", 4) == 0) return 0;
        pos += 12 + clen;
    }
    return 0;
}

static int find_exif_webp(const uint8_t *d, size_t len, const uint8_t **out, size_t *out_len) {
    size_t pos = 12;
    while (pos + 8 <= len) {
        size_t clen = img_le32(d + pos + 4);
        if (clen > len - pos - 8) return 0;
        if (memcmp(d + pos, "EXIF", 4) == 0) {
            *out = d + pos + 8;
            *out_len = clen;
            return 1;
        }
        pos += 8 + clen + (clen & 1);
    }
    return 0;
}

int img_find_exif(const uint8_t *data, size_t len, cdx_format format, const uint8_t **tiff,
                  size_t *tiff_len) {
    const uint8_t *p = NULL;
    size_t n = 0;
    int found = 0;
    if (!data) return 0;
    switch (format) {
    case CDX_FORMAT_JPEG: found = find_exif_jpeg(data, len, &p, &n); break;
    case CDX_FORMAT_PNG: found = find_exif_png(data, len, &p, &n); break;
    case CDX_FORMAT_WEBP: found = find_exif_webp(data, len, &p, &n); break;
    default: return 0;
    }
    if (!found) return 0;
    if (n >= 6 && memcmp(p, "Exif\0\0", 6) == 0) { /* PNG/WebP writers sometimes keep it */
        p += 6;
        n -= 6;
    }
    *tiff = p;
    *tiff_len = n;
    return 1;
}

/* Reads an integer-typed single value (BYTE, SHORT, LONG, SSHORT, SLONG) from a 12-byte entry. */
static int entry_value(const uint8_t *e, int big, long *value) {
    uint32_t type = big ? img_be16(e + 2) : img_le16(e + 2);
    uint32_t count = big ? img_be32(e + 4) : img_le32(e + 4);
    if (count != 1) return 0;
    const uint8_t *v = e + 8;
    switch (type) {
    case 1: *value = v[0]; return 1;
    case 3: *value = (long)(big ? img_be16(v) : img_le16(v)); return 1;
    case 8: *value = (int16_t)(big ? img_be16(v) : img_le16(v)); return 1;
    case 4: *value = (long)(big ? img_be32(v) : img_le32(v)); return 1;
    case 9: *value = (int32_t)(big ? img_be32(v) : img_le32(v)); return 1;
    default: return 0;
    }
}

int img_exif_orientation_tiff(const uint8_t *t, size_t len) {
    if (!t || len < 8) return 1;
    int big;
    if (memcmp(t, "II*\0", 4) == 0) big = 0;
    else if (memcmp(t, "MM\0*", 4) == 0) big = 1;
    else return 1;
    size_t ifd = big ? img_be32(t + 4) : img_le32(t + 4);
    if (ifd > len || len - ifd < 2) return 1;
    size_t count = big ? img_be16(t + ifd) : img_le16(t + ifd);
    long orientation = 1;
    for (size_t i = 0; i < count; i++) {
        size_t off = ifd + 2 + i * 12;
        if (off > len || len - off < 12) break; /* truncated: keep what was read */
        const uint8_t *e = t + off;
        uint32_t tag = big ? img_be16(e) : img_le16(e);
        long v;
        if (tag == EXIF_TAG_ORIENTATION && entry_value(e, big, &v)) orientation = v;
    }
    return orientation >= 1 && orientation <= 8 ? (int)orientation : 1;
}

int img_exif_orientation(const uint8_t *data, size_t len, cdx_format format) {
    const uint8_t *tiff;
    size_t tiff_len;
    if (!img_find_exif(data, len, format, &tiff, &tiff_len)) return 1;
    return img_exif_orientation_tiff(tiff, tiff_len);
}
