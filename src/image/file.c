/*
 * file.c — reading image files into memory with errors that name the path: missing,
 * unreadable, a directory, or zero bytes. img_read_file_prefix reads only the first bytes,
 * which is all that header probing needs for most files.
 */
#include "image/decode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads at most `limit` bytes (SIZE_MAX: all); *total gets the file's size from fstat. */
int img_read_file_prefix(const char *path, size_t limit, uint8_t **data, size_t *len,
                         size_t *total, cdx_error *err) {
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return cdx_fail(err, e == ENOENT ? CDX_ENOTFOUND : CDX_EIO, "%s: cannot open (%s)", path,
                        strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return cdx_fail(err, CDX_EIO, "%s: cannot stat (%s)", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return cdx_fail(err, CDX_EIO, "%s: is a directory, not an image file", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return cdx_fail(err, CDX_EIO, "%s: not a regular file", path);
    }
    size_t size = (uint64_t)st.st_size > SIZE_MAX ? SIZE_MAX : (size_t)st.st_size;
    if (total) *total = size;
    if (size == 0) {
        close(fd);
        return cdx_fail(err, CDX_EEMPTY, "%s: empty file (zero bytes)", path);
    }
    size_t want = size < limit ? size : limit;
    uint8_t *buf = malloc(want);
    if (!buf) {
        close(fd);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory reading %zu bytes", path, want);
    }
    size_t got = 0;
    while (got < want) {
        ssize_t n = read(fd, buf + got, want - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return cdx_fail(err, CDX_EIO, "%s: read error (%s)", path, strerror(e));
        }
        if (n == 0) break; /* the file shrank: use what is there */
        got += (size_t)n;
    }
    close(fd);
    if (got == 0) {
        free(buf);
        return cdx_fail(err, CDX_EEMPTY, "%s: empty file (zero bytes)", path);
    }
    *data = buf;
    *len = got;
    return CDX_OK;
}

int img_read_file(const char *path, uint8_t **data, size_t *len, cdx_error *err) {
    return img_read_file_prefix(path, SIZE_MAX, data, len, NULL, err);
}
