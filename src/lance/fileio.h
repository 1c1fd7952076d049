/*
 * fileio.h — whole-file reads and little-endian loads for the Lance reader. Lance files are read
 * into memory once and then parsed from the buffer, so every parser works on (ptr, len) and the
 * fuzz targets can drive the same code from memory.
 */
#ifndef CDX_LANCE_FILEIO_H
#define CDX_LANCE_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

/* Reads all of `path` into a malloc'd buffer (*data, caller frees; non-NULL even when empty). */
int lance_read_file(const char *path, uint8_t **data, size_t *len, cdx_error *err);

/* A data file's bytes: mapped read-only (MAP_PRIVATE) when the system allows, else read into
 * memory. Committed Lance data files are immutable, so a mapping stays valid while held. */
typedef struct lance_file_bytes {
    const uint8_t *data;
    size_t len;
    void *map;     /* the mapping (munmap'd on release), or NULL */
    uint8_t *owned; /* the read() fallback (freed on release), or NULL */
} lance_file_bytes;

/* Maps `path` (or reads it when mmap fails or the file is empty). Release with
 * lance_file_bytes_release. */
int lance_map_file(const char *path, lance_file_bytes *out, cdx_error *err);
void lance_file_bytes_release(lance_file_bytes *b);

/* Joins `a` and `b` with '/' into a malloc'd string (NULL when out of memory). */
char *lance_path_join(const char *a, const char *b);

static inline uint16_t lance_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t lance_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t lance_le64(const uint8_t *p)
{
    return (uint64_t)lance_le32(p) | (uint64_t)lance_le32(p + 4) << 32;
}

#endif
