/*
 * deletion.c — the two deletion-file formats (deletion.h). The Arrow IPC file is walked just far
 * enough: footer flatbuffer → first record batch block → Message → RecordBatch buffers (Arrow
 * format/File.fbs, Message.fbs, Schema.fbs); buffer 1 of the single non-null UInt32 column
 * holds the offsets. Roaring follows the portable spec (RoaringFormatSpec): cookie 12346
 * (no run containers, u32 count, offsets) or 12347 (run bitmap, offsets when >= 4 containers).
 */
#include "lance/deletion.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "core/error.h"
#include "lance/fileio.h"

/* ---- Minimal flatbuffer access (all reads bounds-checked) ---------------------------------- */

typedef struct fb {
    const uint8_t *p;
    size_t len;
} fb;

/* Position of field `id` inside the table at `t`, or 0 when absent/out of bounds. */
static size_t fb_field(const fb *b, size_t t, unsigned id)
{
    if (t > b->len || b->len - t < 4) return 0;
    int64_t vt = (int64_t)t - (int32_t)lance_le32(b->p + t);
    if (vt < 0 || (uint64_t)vt > b->len - 4) return 0;
    uint16_t vlen = lance_le16(b->p + vt);
    if (4 + 2 * (size_t)id + 2 > vlen || (uint64_t)vt + vlen > b->len) return 0;
    uint16_t off = lance_le16(b->p + vt + 4 + 2 * id);
    if (!off || t + off > b->len) return 0;
    return t + off;
}

/* Follows a uoffset stored at `pos` (to a table or vector); 0 on failure. */
static size_t fb_deref(const fb *b, size_t pos)
{
    if (!pos || pos > b->len - 4) return 0;
    uint64_t t = (uint64_t)pos + lance_le32(b->p + pos);
    return t < b->len ? (size_t)t : 0;
}

/* The root table of a flatbuffer (uoffset at position 0); 0 on failure. */
static size_t fb_root(const fb *b)
{
    if (b->len < 8) return 0;
    uint32_t t = lance_le32(b->p);
    return t < b->len ? t : 0;
}

/* Vector at uoffset `pos`: its element count, elements at *data (checked for n*elem bytes). */
static int fb_vector(const fb *b, size_t pos, size_t elem, size_t *data, uint32_t *n)
{
    size_t v = fb_deref(b, pos);
    if (!v || b->len - v < 4) return -1;
    *n = lance_le32(b->p + v);
    if ((uint64_t)*n * elem > b->len - v - 4) return -1;
    *data = v + 4;
    return 0;
}

static int fb_read64(const fb *b, size_t pos, uint64_t *v)
{
    if (!pos || pos > b->len - 8) return -1;
    *v = lance_le64(b->p + pos);
    return 0;
}

/* ---- Arrow IPC ------------------------------------------------------------------------------ */

static int del_mark(const char *name, uint8_t *keep, uint64_t rows, uint64_t off, cdx_error *err)
{
    if (off >= rows)
        return cdx_fail(err, CDX_ECORRUPT, "%s: deleted row %llu but the fragment has %llu rows",
                        name, (unsigned long long)off, (unsigned long long)rows);
    keep[off / 8] &= (uint8_t)~(1u << (off % 8));
    return 0;
}

/* The body bytes of buffer `i` of the record batch, decompressed when `zstd`. *owned is set when
 * the bytes were allocated. */
static int arrow_buffer(const char *name, const uint8_t *body, uint64_t body_len, uint64_t off,
                        uint64_t n, int zstd, const uint8_t **out, size_t *out_len,
                        uint8_t **owned, cdx_error *err)
{
    *owned = NULL;
    if (off > body_len || n > body_len - off)
        return cdx_fail(err, CDX_ECORRUPT, "%s: IPC buffer (%llu, %llu) outside the body", name,
                        (unsigned long long)off, (unsigned long long)n);
    const uint8_t *p = body + off;
    if (!zstd || n == 0) {
        *out = p;
        *out_len = (size_t)n;
        return 0;
    }
    if (n < 8) return cdx_fail(err, CDX_ECORRUPT, "%s: compressed IPC buffer too short", name);
    int64_t raw = (int64_t)lance_le64(p);
    if (raw == -1) {
        *out = p + 8;
        *out_len = (size_t)(n - 8);
        return 0;
    }
    if (raw < 0 || (uint64_t)raw > (uint64_t)1 << 34)
        return cdx_fail(err, CDX_ECORRUPT, "%s: bad uncompressed IPC buffer length", name);
    *owned = malloc((size_t)raw + 1);
    if (!*owned) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", name);
    size_t got = ZSTD_decompress(*owned, (size_t)raw, p + 8, (size_t)(n - 8));
    if (ZSTD_isError(got) || got != (size_t)raw) {
        free(*owned);
        *owned = NULL;
        return cdx_fail(err, CDX_ECORRUPT, "%s: zstd IPC buffer does not decompress", name);
    }
    *out = *owned;
    *out_len = got;
    return 0;
}

/* Locates the first record batch: its Message flatbuffer and body, via the IPC file footer. */
static int arrow_find_batch(const char *name, const uint8_t *data, size_t len, fb *msg,
                            const uint8_t **body, uint64_t *body_len, cdx_error *err)
{
    if (len < 6 + 2 + 4 + 6 || memcmp(data, "ARROW1", 6) != 0 || memcmp(data + len - 6, "ARROW1", 6) != 0)
        return cdx_fail(err, CDX_ECORRUPT, "%s: not an Arrow IPC file", name);
    uint32_t flen = lance_le32(data + len - 10);
    if (flen > len - 10 - 8)
        return cdx_fail(err, CDX_ECORRUPT, "%s: Arrow footer length %u too large", name, flen);
    fb foot = {data + len - 10 - flen, flen};
    size_t root = fb_root(&foot);
    size_t blocks;
    uint32_t nb;
    if (!root || fb_vector(&foot, fb_field(&foot, root, 3), 24, &blocks, &nb) || nb < 1)
        return cdx_fail(err, CDX_ECORRUPT, "%s: Arrow footer has no record batch", name);
    uint64_t off = lance_le64(foot.p + blocks);
    uint32_t meta = lance_le32(foot.p + blocks + 8);
    uint64_t blen = lance_le64(foot.p + blocks + 16);
    if (off > len || meta > len - off || meta < 8)
        return cdx_fail(err, CDX_ECORRUPT, "%s: record batch block outside the file", name);
    const uint8_t *m = data + off;
    size_t skip = lance_le32(m) == 0xFFFFFFFFu ? 8 : 4; /* continuation marker, then size */
    uint32_t mlen = lance_le32(m + skip - 4);
    if (mlen > meta - skip)
        return cdx_fail(err, CDX_ECORRUPT, "%s: IPC message length %u too large", name, mlen);
    *msg = (fb){m + skip, mlen};
    if (blen > len - off - meta)
        return cdx_fail(err, CDX_ECORRUPT, "%s: record batch body outside the file", name);
    *body = data + off + meta;
    *body_len = blen;
    return 0;
}

int lance_deletion_apply_arrow(const char *name, const uint8_t *data, size_t len, uint8_t *keep,
                               uint64_t rows, cdx_error *err)
{
    fb msg = {NULL, 0};
    const uint8_t *body = NULL;
    uint64_t body_len = 0;
    int rc = arrow_find_batch(name, data, len, &msg, &body, &body_len, err);
    if (rc) return rc;
    size_t root = fb_root(&msg);
    size_t htype = fb_field(&msg, root, 1);
    if (!root || !htype || msg.p[htype] != 3 /* MessageHeader.RecordBatch */)
        return cdx_fail(err, CDX_ECORRUPT, "%s: IPC message is not a record batch", name);
    size_t batch = fb_deref(&msg, fb_field(&msg, root, 2));
    uint64_t nrows = 0;
    size_t bufs;
    uint32_t nbufs;
    if (!batch || fb_read64(&msg, fb_field(&msg, batch, 0), &nrows) ||
        fb_vector(&msg, fb_field(&msg, batch, 2), 16, &bufs, &nbufs) || nbufs < 2)
        return cdx_fail(err, CDX_ECORRUPT, "%s: record batch without buffers", name);
    int zstd = 0;
    size_t comp = fb_deref(&msg, fb_field(&msg, batch, 3));
    if (comp) {
        size_t codec = fb_field(&msg, comp, 0);
        if (codec && msg.p[codec] != 1 /* CompressionType.ZSTD */)
            return cdx_fail(err, CDX_EUNSUPPORTED, "%s: IPC compression %u", name, msg.p[codec]);
        zstd = 1;
    }
    const uint8_t *vals = NULL;
    size_t vlen = 0;
    uint8_t *owned = NULL;
    rc = arrow_buffer(name, body, body_len, lance_le64(msg.p + bufs + 16),
                      lance_le64(msg.p + bufs + 24), zstd, &vals, &vlen, &owned, err);
    if (rc) return rc;
    if (nrows > vlen / 4)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: %llu row ids but %zu bytes", name,
                      (unsigned long long)nrows, vlen);
    for (uint64_t i = 0; i < nrows && !rc; i++)
        rc = del_mark(name, keep, rows, lance_le32(vals + 4 * i), err);
    free(owned);
    return rc;
}

/* ---- Roaring -------------------------------------------------------------------------------- */

#define ROARING_NO_RUN 12346
#define ROARING_RUN 12347

static int roaring_container(const char *name, const uint8_t *p, size_t avail, int is_run,
                             uint32_t card, uint32_t high, uint8_t *keep, uint64_t rows,
                             size_t *used, cdx_error *err)
{
    int rc = 0;
    if (is_run) {
        if (avail < 2) goto trunc;
        uint32_t nruns = lance_le16(p);
        if ((size_t)nruns * 4 > avail - 2) goto trunc;
        for (uint32_t r = 0; r < nruns && !rc; r++) {
            uint32_t start = lance_le16(p + 2 + 4 * r), n = lance_le16(p + 4 + 4 * r);
            for (uint32_t v = start; v <= start + n && v <= 0xFFFF && !rc; v++)
                rc = del_mark(name, keep, rows, high | v, err);
        }
        *used = 2 + (size_t)nruns * 4;
    } else if (card <= 4096) {
        if ((size_t)card * 2 > avail) goto trunc;
        for (uint32_t i = 0; i < card && !rc; i++)
            rc = del_mark(name, keep, rows, high | lance_le16(p + 2 * i), err);
        *used = (size_t)card * 2;
    } else {
        if (avail < 8192) goto trunc;
        for (uint32_t i = 0; i < 65536 && !rc; i++)
            if (p[i / 8] >> (i % 8) & 1) rc = del_mark(name, keep, rows, high | i, err);
        *used = 8192;
    }
    return rc;
trunc:
    return cdx_fail(err, CDX_ETRUNCATED, "%s: Roaring container truncated", name);
}

int lance_deletion_apply_roaring(const char *name, const uint8_t *data, size_t len,
                                 uint8_t *keep, uint64_t rows, cdx_error *err)
{
    if (len < 4) return cdx_fail(err, CDX_ETRUNCATED, "%s: Roaring bitmap truncated", name);
    uint32_t cookie = lance_le32(data), n;
    size_t pos;
    const uint8_t *runs = NULL;
    int has_offsets;
    if ((cookie & 0xFFFF) == ROARING_RUN) {
        n = (cookie >> 16) + 1;
        runs = data + 4;
        pos = 4 + (n + 7) / 8;
        has_offsets = n >= 4;
    } else if (cookie == ROARING_NO_RUN) {
        if (len < 8) return cdx_fail(err, CDX_ETRUNCATED, "%s: Roaring bitmap truncated", name);
        n = lance_le32(data + 4);
        pos = 8;
        has_offsets = 1;
    } else {
        return cdx_fail(err, CDX_ECORRUPT, "%s: not a Roaring bitmap (cookie %u)", name, cookie);
    }
    if (n > 65536 || pos > len || (size_t)n * (has_offsets ? 8 : 4) > len - pos)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: Roaring header truncated", name);
    const uint8_t *keys = data + pos;
    pos += (size_t)n * 4 + (has_offsets ? (size_t)n * 4 : 0);
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint32_t high = (uint32_t)lance_le16(keys + 4 * i) << 16;
        uint32_t card = (uint32_t)lance_le16(keys + 4 * i + 2) + 1;
        int is_run = runs && (runs[i / 8] >> (i % 8) & 1);
        size_t used = 0;
        rc = roaring_container(name, data + pos, len - pos, is_run, card, high, keep, rows,
                               &used, err);
        pos += used;
    }
    return rc;
}
