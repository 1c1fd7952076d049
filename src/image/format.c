/*
 * format.c — format detection from magic numbers (never from file names), and a description
 * of common formats clipdex does not read so that errors can say what the bytes look like.
 */
#include "image/decode.h"

#include <string.h>

static int starts(const uint8_t *d, size_t len, const char *magic, size_t n) {
    return len >= n && memcmp(d, magic, n) == 0;
}

cdx_format img_sniff(const uint8_t *d, size_t len) {
    if (!d) return CDX_FORMAT_UNKNOWN;
    if (starts(d, len, "\xFF\xD8\xFF", 3)) return CDX_FORMAT_JPEG;
    if (starts(d, len, "\x89PNG\r\n\x1A\n", 8)) return CDX_FORMAT_PNG;
    if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return CDX_FORMAT_WEBP;
    if (starts(d, len, "GIF87a", 6) || starts(d, len, "GIF89a", 6)) return CDX_FORMAT_GIF;
    if (starts(d, len, "BM", 2)) return CDX_FORMAT_BMP;
    return CDX_FORMAT_UNKNOWN;
}

const char *img_describe_unknown(const uint8_t *d, size_t len) {
    if (!d) return NULL;
    if (starts(d, len, "II*\0", 4) || starts(d, len, "MM\0*", 4)) return "TIFF";
    if (len >= 12 && memcmp(d + 4, "ftyp", 4) == 0) {
        const uint8_t *b = d + 8;
        if (!memcmp(b, "avif", 4) || !memcmp(b, "avis", 4)) return "AVIF";
        if (!memcmp(b, "heic", 4) || !memcmp(b, "heix", 4) || !memcmp(b, "mif1", 4) ||
            !memcmp(b, "msf1", 4) || !memcmp(b, "hevc", 4))
            return "HEIC";
        return "an ISO media (MP4/MOV) file";
    }
    if (starts(d, len, "%PDF", 4)) return "PDF";
    if (starts(d, len, "8BPS", 4)) return "a Photoshop (PSD) file";
    if (starts(d, len, "\0\0\1\0", 4)) return "an ICO icon";
    if (starts(d, len, "\xFF\x0A", 2) || starts(d, len, "\0\0\0\x0CJXL ", 8)) return "JPEG XL";
    if (starts(d, len, "\0\0\0\x0CjP  ", 8)) return "JPEG 2000";
    if (starts(d, len, "RIFF", 4)) return "a RIFF file that is not WebP";
    if (starts(d, len, "PK\3\4", 4)) return "a ZIP archive";
    if (starts(d, len, "\x1F\x8B", 2)) return "gzip data";
    if (starts(d, len, "<svg", 4) || starts(d, len, "<?xml", 5)) return "XML/SVG";
    return NULL;
}
