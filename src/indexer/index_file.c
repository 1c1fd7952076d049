/*
 * index_file.c — reading one image file for the index job: the whole file into memory (it goes
 * to the embedder as is) and its SHA-256 (libcrypto EVP), which identifies moved and copied
 * files. One read per file; the size is checked against what fstat said.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "indexer/index.h"

/* Files larger than this are refused rather than read (no image clipdex decodes is this big). */
#define INDEX_MAX_FILE_BYTES ((size_t)1 << 31)

static int read_all(int fd, const char *path, uint8_t **data, size_t *len, cdx_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return cdx_fail(err, CDX_EIO, "%s: %s", path, strerror(errno));
    if (st.st_size <= 0) return cdx_fail(err, CDX_EEMPTY, "%s: empty file", path);
    if ((uint64_t)st.st_size > INDEX_MAX_FILE_BYTES)
        return cdx_fail(err, CDX_ETOOLARGE, "%s: file larger than 2 GiB", path);
    size_t cap = (size_t)st.st_size, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            free(buf);
            return cdx_fail(err, CDX_EIO, "%s: %s", path, strerror(errno));
        }
        if (r == 0) break; /* shrank while we read: hash what is there */
        n += (size_t)r;
    }
    if (n == 0) {
        free(buf);
        return cdx_fail(err, CDX_EEMPTY, "%s: empty file", path);
    }
    *data = buf;
    *len = n;
    return 0;
}

static int sha256_hex(const uint8_t *data, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) return -1;
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = 0;
    return 0;
}

int index_file_read(const char *path, uint8_t **data, size_t *len, char hex[65], cdx_error *err)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cdx_fail(err, errno == ENOENT ? CDX_ENOTFOUND : CDX_EIO, "%s: %s", path,
                                strerror(errno));
    int rc = read_all(fd, path, data, len, err);
    close(fd);
    if (!rc && sha256_hex(*data, *len, hex)) {
        free(*data);
        *data = NULL;
        rc = cdx_fail(err, CDX_EIO, "%s: SHA-256 failed", path);
    }
    return rc;
}
