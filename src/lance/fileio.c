/*
 * fileio.c — whole-file reads and read-only mappings for the Lance reader (see fileio.h). A
 * mapping saves reading a data file into fresh memory: search and scan then read the page cache
 * directly, and only the pages they touch.
 */
#include "lance/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

int lance_read_file(const char *path, uint8_t **data, size_t *len, cdx_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return cdx_fail(err, errno == ENOENT ? CDX_ENOTFOUND : CDX_EIO, "%s: %s", path,
                            strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        fclose(f);
        return cdx_fail(err, CDX_EIO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX - 1) {
        fclose(f);
        return cdx_fail(err, CDX_ETOOLARGE, "%s: file too large", path);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory for %zu bytes", path, n);
    }
    size_t got = fread(buf, 1, n, f);
    int bad = ferror(f) || got != n;
    fclose(f);
    if (bad) {
        free(buf);
        return cdx_fail(err, CDX_EIO, "%s: short read (%zu of %zu bytes)", path, got, n);
    }
    *data = buf;
    *len = n;
    return 0;
}

int lance_map_file(const char *path, lance_file_bytes *out, cdx_error *err)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cdx_fail(err, errno == ENOENT ? CDX_ENOTFOUND : CDX_EIO, "%s: %s", path,
                                strerror(errno));
    struct stat st;
    int regular = !fstat(fd, &st) && S_ISREG(st.st_mode);
    if (regular && st.st_size > 0 && (uint64_t)st.st_size <= (uint64_t)SIZE_MAX) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            close(fd);
            out->map = m;
            out->data = m;
            out->len = (size_t)st.st_size;
            return 0;
        }
    }
    close(fd);
    uint8_t *data;
    int rc = lance_read_file(path, &data, &out->len, err);
    if (rc) return rc;
    out->owned = data;
    out->data = data;
    return 0;
}

void lance_file_bytes_release(lance_file_bytes *b)
{
    if (b->map) munmap(b->map, b->len);
    free(b->owned);
    memset(b, 0, sizeof *b);
}

char *lance_path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (!s) return NULL;
    memcpy(s, a, la); // NOLINT(bugprone-not-null-terminated-result): b's NUL follows
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}
