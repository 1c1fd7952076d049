/*
 * deletion_write.c — portable Roaring serialization (RoaringFormatSpec, "no run containers"
 * variant: cookie 12346, u32 container count, per container u16 key + u16 cardinality-1, then
 * u32 absolute offsets, then array (<= 4096 sorted u16) or bitmap (8 KiB) containers).
 */
#include "lance/deletion_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lance/commit.h"

#define ROARING_NO_RUN 12346
#define ROARING_ARRAY_MAX 4096

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

int lance_roaring_serialize(const uint32_t *offsets, size_t n, uint8_t **out, size_t *len,
                            cdx_error *err)
{
    *out = NULL;
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && offsets[i] <= offsets[i - 1])
            return cdx_fail(err, CDX_EINVAL, "deletion bitmap: offsets not sorted and distinct");
        if (!i || offsets[i] >> 16 != offsets[i - 1] >> 16) nc++;
    }
    /* Upper bound: header + descriptors + offsets + each container as a bitmap or an array. */
    size_t cap = 8 + nc * 8 + nc * 8192 + n * 2;
    uint8_t *buf = calloc(1, cap);
    if (!buf) return cdx_fail(err, CDX_ENOMEM, "deletion bitmap: out of memory");
    put32(buf, ROARING_NO_RUN);
    put32(buf + 4, (uint32_t)nc);
    size_t at = 8 + nc * 8, c = 0;
    for (size_t i = 0; i < n; c++) {
        size_t j = i;
        while (j < n && offsets[j] >> 16 == offsets[i] >> 16) j++;
        size_t card = j - i;
        put16(buf + 8 + c * 4, offsets[i] >> 16);
        put16(buf + 8 + c * 4 + 2, (uint32_t)(card - 1));
        put32(buf + 8 + nc * 4 + c * 4, (uint32_t)at);
        if (card <= ROARING_ARRAY_MAX) {
            for (size_t k = i; k < j; k++, at += 2) put16(buf + at, offsets[k] & 0xffff);
        } else {
            for (size_t k = i; k < j; k++) {
                uint32_t low = offsets[k] & 0xffff;
                buf[at + low / 8] |= (uint8_t)(1u << (low % 8)); /* LE u64 words = LSB-first bytes */
            }
            at += 8192;
        }
        i = j;
    }
    *out = buf;
    *len = at;
    return 0;
}

int lance_deletion_write(const char *table_dir, uint64_t fragment, uint64_t read_version,
                         uint64_t id, const uint32_t *offsets, size_t n, cdx_error *err)
{
    char dir[4096], path[4300];
    if ((size_t)snprintf(dir, sizeof dir, "%s/_deletions", table_dir) >= sizeof dir)
        return cdx_fail(err, CDX_EINVAL, "%s: path too long", table_dir);
    int rc = lance_mkdir(dir, err);
    if (rc) return rc;
    snprintf(path, sizeof path, "%s/%llu-%llu-%llu.bin", dir, (unsigned long long)fragment,
             (unsigned long long)read_version, (unsigned long long)id);
    uint8_t *buf;
    size_t len;
    rc = lance_roaring_serialize(offsets, n, &buf, &len, err);
    if (rc) return rc;
    rc = lance_write_file(path, buf, len, 0, err);
    free(buf);
    return rc;
}
