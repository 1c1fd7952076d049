/*
 * fetch_verify.c — checks a downloaded model file against the repository's file list: its size,
 * then the sha256 of the content for Git LFS objects (what Hugging Face lists as lfs.oid and
 * sends as X-Linked-Etag) or the git blob id for small files (the tree's oid, the ETag).
 */
#include "model/fetch.h"

#include "core/error.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void mdl_hex(const unsigned char *d, unsigned n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Digest of the file (after `prefix`, e.g. git's blob header) as hex into out. */
static int mdl_hash_file(const char *path, const EVP_MD *md, const char *prefix, char *out,
                         cdx_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return cdx_fail(err, CDX_EIO, "%s: %s", path, strerror(errno));
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = buf && ctx && EVP_DigestInit_ex(ctx, md, NULL) &&
             EVP_DigestUpdate(ctx, prefix, strlen(prefix) + (*prefix ? 1 : 0));
    size_t n;
    while (ok && (n = fread(buf, 1, CHUNK, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n);
    ok = ok && !ferror(f);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, digest, &len);
    EVP_MD_CTX_free(ctx);
    free(buf);
    fclose(f);
    if (!ok) return cdx_fail(err, CDX_EIO, "%s: could not read it to check its checksum", path);
    mdl_hex(digest, len, out);
    return CDX_OK;
}

int mdl_fetch_verify(const char *path, const mdl_fetch_file *f, cdx_error *err) {
    struct stat st;
    if (stat(path, &st) != 0) return cdx_fail(err, CDX_EIO, "%s: %s", path, strerror(errno));
    if ((uint64_t)st.st_size != f->size)
        return cdx_fail(err, CDX_ECORRUPT, "%s: %" PRIu64 " bytes, the repository lists %" PRIu64,
                        path, (uint64_t)st.st_size, f->size);
    char got[2 * EVP_MAX_MD_SIZE + 1];
    int rc = CDX_OK;
    if (f->sha256[0]) {
        rc = mdl_hash_file(path, EVP_sha256(), "", got, err);
        if (!rc && strcmp(got, f->sha256) != 0)
            rc = cdx_fail(err, CDX_ECORRUPT, "%s: sha256 mismatch: got %s, the repository lists %s",
                          path, got, f->sha256);
    } else if (f->git_oid[0]) {
        char header[48];
        snprintf(header, sizeof header, "blob %" PRIu64, f->size); /* NUL is hashed too */
        rc = mdl_hash_file(path, EVP_sha1(), header, got, err);
        if (!rc && strcmp(got, f->git_oid) != 0)
            rc = cdx_fail(err, CDX_ECORRUPT,
                          "%s: git blob id mismatch: got %s, the repository lists %s", path, got,
                          f->git_oid);
    }
    return rc;
}
