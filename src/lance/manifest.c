/*
 * manifest.c — version discovery and manifest decoding (manifest.h). Container layout per
 * lance rust/lance-table/src/io/manifest.rs: [sections][u32 len][Manifest][i64 pos][u16 0]
 * [u16 2]["LANC"]; LanceDB checks len == file_size - pos - 4 - 16 and so do we.
 */
#include "lance/manifest.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "lance/fileio.h"
#include "lance/pbuf.h"

#define MANIFEST_FOOTER 16
#define V2_NAME_LEN 29 /* 20 digits + ".manifest" */

/* Parses all-digit s[0..n) into *v; -1 on non-digits, empty or overflow. */
static int parse_u64(const char *s, size_t n, uint64_t *v)
{
    uint64_t r = 0;
    if (n == 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (r > (UINT64_MAX - d) / 10) return -1;
        r = r * 10 + d;
    }
    *v = r;
    return 0;
}

/* 1 = V2 name, 2 = V1 name, 0 = not a manifest name; *version set for 1 and 2. */
static int version_of_name(const char *name, uint64_t *version)
{
    static const char ext[] = ".manifest";
    size_t n = strlen(name), e = sizeof ext - 1;
    if (n <= e || strcmp(name + n - e, ext) != 0 || name[0] == 'd') return 0;
    uint64_t v;
    if (parse_u64(name, n - e, &v)) return 0;
    if (n == V2_NAME_LEN) {
        if (v == UINT64_MAX) return 0;
        *version = UINT64_MAX - v;
        return 1;
    }
    *version = v;
    return 2;
}

void lance_versions_free(lance_versions *v)
{
    for (size_t i = 0; i < v->count; i++) free(v->files[i]);
    free(v->files);
    free(v->versions);
    memset(v, 0, sizeof *v);
}

static int versions_add(lance_versions *v, size_t *cap, uint64_t version, const char *name)
{
    if (v->count == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        uint64_t *nv = realloc(v->versions, nc * sizeof *nv);
        if (!nv) return -1;
        v->versions = nv;
        char **nf = realloc(v->files, nc * sizeof *nf);
        if (!nf) return -1;
        v->files = nf;
        *cap = nc;
    }
    v->files[v->count] = strdup(name);
    if (!v->files[v->count]) return -1;
    v->versions[v->count++] = version;
    return 0;
}

static void versions_sort(lance_versions *v)
{
    for (size_t i = 1; i < v->count; i++)
        for (size_t j = i; j > 0 && v->versions[j - 1] > v->versions[j]; j--) {
            uint64_t t = v->versions[j];
            v->versions[j] = v->versions[j - 1];
            v->versions[j - 1] = t;
            char *f = v->files[j];
            v->files[j] = v->files[j - 1];
            v->files[j - 1] = f;
        }
}

int lance_versions_list(const char *table_dir, lance_versions *out, cdx_error *err)
{
    memset(out, 0, sizeof *out);
    char *dir = lance_path_join(table_dir, "_versions");
    if (!dir) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", table_dir);
    DIR *d = opendir(dir);
    if (!d) {
        int rc = cdx_fail(err, errno == ENOENT ? CDX_ENOTFOUND : CDX_EIO,
                          "%s: not a Lance table (%s)", table_dir, strerror(errno));
        free(dir);
        return rc;
    }
    size_t cap = 0;
    int schemes = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t version;
        int scheme = version_of_name(e->d_name, &version);
        if (!scheme) continue;
        schemes |= scheme;
        if (versions_add(out, &cap, version, e->d_name)) {
            rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", dir);
            break;
        }
    }
    closedir(d);
    if (!rc && schemes == 3)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: mixes V1 and V2 manifest names", dir);
    if (!rc && out->count == 0)
        rc = cdx_fail(err, CDX_ENOTFOUND, "%s: no manifests (not a Lance table)", dir);
    free(dir);
    if (rc) lance_versions_free(out);
    else versions_sort(out);
    return rc;
}

int lance_manifest_parse(const char *name, const uint8_t *data, size_t len,
                         Lance__Table__Manifest **out, cdx_error *err)
{
    *out = NULL;
    if (len == 0) return cdx_fail(err, CDX_EEMPTY, "%s: empty manifest", name);
    if (len < MANIFEST_FOOTER + 4)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: %zu bytes is too short for a manifest", name, len);
    const uint8_t *foot = data + len - MANIFEST_FOOTER;
    if (memcmp(foot + 12, "LANC", 4) != 0)
        return cdx_fail(err, CDX_ECORRUPT, "%s: no LANC magic at the end", name);
    uint64_t pos = lance_le64(foot);
    if (pos > len - MANIFEST_FOOTER - 4)
        return cdx_fail(err, CDX_ECORRUPT, "%s: manifest position %llu outside the file", name,
                        (unsigned long long)pos);
    uint32_t mlen = lance_le32(data + pos);
    if ((uint64_t)mlen != len - pos - 4 - MANIFEST_FOOTER)
        return cdx_fail(err, CDX_ECORRUPT,
                        "%s: manifest length %u at offset %llu does not reach the footer", name,
                        mlen, (unsigned long long)pos);
    ProtobufCMessage *m;
    int rc = lance_pb_unpack(&lance__table__manifest__descriptor, data + pos + 4, mlen, name, &m,
                             err);
    if (rc) return rc;
    *out = (Lance__Table__Manifest *)m;
    return 0;
}

/* Reads and parses `path`, checking that it holds version `want`. */
static int manifest_read(const char *path, uint64_t want, Lance__Table__Manifest **out,
                         cdx_error *err)
{
    uint8_t *data;
    size_t len;
    int rc = lance_read_file(path, &data, &len, err);
    if (!rc) {
        rc = lance_manifest_parse(path, data, len, out, err);
        free(data);
    }
    if (!rc && (*out)->version != want) {
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: manifest says version %llu, file name says %llu",
                      path, (unsigned long long)(*out)->version, (unsigned long long)want);
        lance__table__manifest__free_unpacked(*out, NULL);
        *out = NULL;
    }
    return rc;
}

int lance_manifest_load(const char *table_dir, uint64_t version, Lance__Table__Manifest **out,
                        cdx_error *err)
{
    lance_versions vs;
    *out = NULL;
    if (version && version < UINT64_MAX) { /* a given version: open its V2 name directly */
        char name[V2_NAME_LEN + 1], *vdir = lance_path_join(table_dir, "_versions");
        snprintf(name, sizeof name, "%020llu.manifest", (unsigned long long)(UINT64_MAX - version));
        char *path = vdir ? lance_path_join(vdir, name) : NULL;
        free(vdir);
        if (!path) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", table_dir);
        int exists = access(path, F_OK) == 0;
        int rc = exists ? manifest_read(path, version, out, err) : 0;
        free(path);
        if (exists) return rc; /* otherwise V1 names, or no such version: the listing says */
    }
    int rc = lance_versions_list(table_dir, &vs, err);
    if (rc) return rc;
    size_t idx = vs.count - 1;
    if (version) {
        size_t i;
        for (i = 0; i < vs.count && vs.versions[i] != version; i++) {}
        if (i == vs.count) {
            rc = cdx_fail(err, CDX_ENOTFOUND, "%s: no version %llu (latest is %llu)", table_dir,
                          (unsigned long long)version, (unsigned long long)vs.versions[idx]);
            lance_versions_free(&vs);
            return rc;
        }
        idx = i;
    }
    char *vdir = lance_path_join(table_dir, "_versions");
    char *path = vdir ? lance_path_join(vdir, vs.files[idx]) : NULL;
    uint64_t want = vs.versions[idx];
    free(vdir);
    lance_versions_free(&vs);
    if (!path) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", table_dir);
    rc = manifest_read(path, want, out, err);
    free(path);
    return rc;
}
