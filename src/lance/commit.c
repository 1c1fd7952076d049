/*
 * commit.c — atomic version commits for Lance tables (commit.h). Follows lance's
 * ConditionalPutCommitHandler on POSIX: the manifest is written under a name that does not end in
 * ".manifest" (readers skip it), fsync'd, then link()ed to the final name, which fails with
 * EEXIST when a concurrent writer took that version: put-if-not-exists without partial files.
 *
 * Durability. LanceDB 0.31 on a local disk syncs nothing (object_store's LocalFileSystem only
 * gained fsync in 2026), so a power loss can lose or truncate its committed files. We keep
 * "commit returned = durable" at the lowest cost we know: nothing is synced while data,
 * deletion, transaction and manifest-temporary files are written; just before the link, one pass
 * fdatasyncs those files and fsyncs each directory that got new entries (data/, _deletions/,
 * _transactions/) once; after the link, _versions/ is fsync'd once. A manifest therefore never
 * becomes durable before what it references; a crash before the link leaves only unreferenced
 * files. Each sync is a journal commit, and the old per-file fsync + per-file directory fsync
 * cost six of them per commit; ext4 folds the batched ones into about two.
 * CDX_NO_SYNC (lance_sync_set.off) skips every sync, as LanceDB does: the same files are written,
 * closed and linked in the same order, so a process crash still leaves whole versions only, but
 * a power loss may lose the latest commits or leave a manifest naming unwritten data.
 */
#include "lance/commit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "lance/fileio.h"
#include "lance/manifest.h"

#define MANIFEST_FOOTER 16

void lance_random_fill(void *buf, size_t len)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(p + got, len - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
    }
    if (got == len) return;
    /* No getrandom: mix time and pid (names only need to be unique, not secret). */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^ (uint64_t)getpid() << 17;
    for (size_t i = got; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)x;
    }
}

void lance_uuid_string(char out[37])
{
    uint8_t b[16];
    lance_random_fill(b, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = 0;
}

int lance_mkdir(const char *path, cdx_error *err)
{
    if (!mkdir(path, 0777) || errno == EEXIST) return 0;
    return cdx_fail(err, CDX_EIO, "%s: cannot create directory (%s)", path, strerror(errno));
}

/* fsync of a directory makes a new entry in it durable; failures are not fatal (some file
 * systems refuse directory fsync). */
static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

int lance_write_file(const char *path, const void *data, size_t len, int sync, cdx_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return cdx_fail(err, errno == EEXIST ? CDX_EEXIST : CDX_EIO, "%s: cannot create (%s)",
                                path, strerror(errno));
    const uint8_t *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += (size_t)n;
    }
    int ok = done == len && (!sync || fdatasync(fd) == 0);
    int saved = errno;
    if (close(fd)) ok = 0;
    if (ok) return 0;
    unlink(path);
    return cdx_fail(err, CDX_EIO, "%s: write failed (%s)", path, strerror(saved));
}

/* ---- batched syncs ---- */

static int sync_list_add(char ***list, size_t *n, size_t *cap, const char *s, size_t len)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen((*list)[i]) == len && !memcmp((*list)[i], s, len)) return 0;
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 8;
        char **nl = realloc(*list, nc * sizeof *nl);
        if (!nl) return -1;
        *list = nl;
        *cap = nc;
    }
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, s, len);
    copy[len] = 0;
    (*list)[(*n)++] = copy;
    return 0;
}

int lance_sync_set_add_dir(lance_sync_set *s, const char *dir, cdx_error *err)
{
    if (sync_list_add(&s->dirs, &s->ndirs, &s->cap_dirs, dir, strlen(dir)))
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", dir);
    return 0;
}

int lance_sync_set_add(lance_sync_set *s, const char *file, cdx_error *err)
{
    const char *slash = strrchr(file, '/');
    if (sync_list_add(&s->files, &s->nfiles, &s->cap_files, file, strlen(file)) ||
        (slash && sync_list_add(&s->dirs, &s->ndirs, &s->cap_dirs, file,
                                slash == file ? 1 : (size_t)(slash - file))))
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", file);
    return 0;
}

void lance_sync_set_free(lance_sync_set *s)
{
    for (size_t i = 0; i < s->nfiles; i++) free(s->files[i]);
    for (size_t i = 0; i < s->ndirs; i++) free(s->dirs[i]);
    free(s->files);
    free(s->dirs);
    memset(s, 0, sizeof *s);
}

static int sync_file(const char *path, cdx_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cdx_fail(err, CDX_EIO, "%s: cannot open to sync (%s)", path, strerror(errno));
    int ok = fdatasync(fd) == 0;
    int saved = errno;
    close(fd);
    if (!ok) return cdx_fail(err, CDX_EIO, "%s: fdatasync failed (%s)", path, strerror(saved));
    return 0;
}

/* One sync of the pre-link pass: fdatasync of a file, fsync of a directory. */
typedef struct sync_job {
    const char *path;
    int is_dir, rc;
    cdx_error err;
} sync_job;

static void *sync_job_run(void *arg)
{
    sync_job *j = arg;
    if (j->is_dir) fsync_dir(j->path);
    else j->rc = sync_file(j->path, &j->err);
    return NULL;
}

/* The pre-link pass: the pending files, `extra` and the pending directories, all at once. Each
 * sync ends in a device cache flush (~4 ms on a virtual disk); issued from parallel threads,
 * the file system joins them into one journal commit and the block layer merges the flushes,
 * so the pass costs about one sync instead of one per file and directory. */
static int sync_pending(const lance_sync_set *s, const char *extra, cdx_error *err)
{
    size_t n = (s ? s->nfiles + s->ndirs : 0) + (extra ? 1 : 0), k = 0;
    if (n == 0 || (s && s->off)) return 0;
    sync_job *jobs = calloc(n, sizeof *jobs);
    pthread_t *th = calloc(n, sizeof *th);
    int *started = calloc(n, sizeof *started);
    if (!jobs || !th || !started) {
        free(jobs), free(th), free(started);
        return cdx_fail(err, CDX_ENOMEM, "commit: out of memory");
    }
    for (size_t i = 0; s && i < s->nfiles; i++) jobs[k++].path = s->files[i];
    if (extra) jobs[k++].path = extra;
    for (size_t i = 0; s && i < s->ndirs; i++) jobs[k].is_dir = 1, jobs[k++].path = s->dirs[i];
    for (size_t i = 1; i < n; i++) started[i] = !pthread_create(&th[i], NULL, sync_job_run, &jobs[i]);
    sync_job_run(&jobs[0]);
    for (size_t i = 1; i < n; i++) {
        if (started[i]) pthread_join(th[i], NULL);
        else sync_job_run(&jobs[i]); /* no thread: do it here */
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        if ((rc = jobs[i].rc) && err) *err = jobs[i].err;
    free(jobs), free(th), free(started);
    return rc;
}

/* ---- the head ---- */

void lance_head_free(lance_head *h)
{
    if (h->manifest) lance__table__manifest__free_unpacked(h->manifest, NULL);
    free(h->index_section);
    memset(h, 0, sizeof *h);
}

/* Copies the index section the manifest points at (bounds-checked) into h. */
static int head_index_section(lance_head *h, const char *path, const uint8_t *data, size_t len,
                              cdx_error *err)
{
    const Lance__Table__Manifest *m = h->manifest;
    if (m->_index_section_case != LANCE__TABLE__MANIFEST___INDEX_SECTION_INDEX_SECTION) return 0;
    uint64_t pos = m->index_section;
    if (len < 4 || pos > len - 4)
        return cdx_fail(err, CDX_ECORRUPT, "%s: index section offset %llu outside the file", path,
                        (unsigned long long)pos);
    uint64_t n = lance_le32(data + pos);
    if (n > len - 4 - pos)
        return cdx_fail(err, CDX_ECORRUPT, "%s: index section of %llu bytes overruns the file",
                        path, (unsigned long long)n);
    h->index_section_len = (size_t)n + 4;
    h->index_section = malloc(h->index_section_len);
    if (!h->index_section) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    memcpy(h->index_section, data + pos, h->index_section_len);
    return 0;
}

/* `_versions/<V2 name>` of version v. */
static int manifest_path(char *out, size_t size, const char *table_dir, uint64_t v)
{
    int n = snprintf(out, size, "%s/_versions/%020llu.manifest", table_dir,
                     (unsigned long long)(UINT64_MAX - v));
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The latest version found by probing V2 names upwards from `known`: 0 and *latest set, or -1
 * when `known` itself is not there (V1 names, a dropped and recreated table: list instead). */
static int head_probe(const char *table_dir, uint64_t known, uint64_t *latest)
{
    char path[4200];
    struct stat st;
    if (!known || manifest_path(path, sizeof path, table_dir, known) || stat(path, &st)) return -1;
    uint64_t v = known;
    while (v < UINT64_MAX - 1) {
        if (manifest_path(path, sizeof path, table_dir, v + 1)) return -1;
        if (stat(path, &st)) {
            if (errno != ENOENT) return -1;
            break;
        }
        v++;
    }
    *latest = v;
    return 0;
}

int lance_head_load(const char *table_dir, uint64_t known, lance_head *h, cdx_error *err)
{
    memset(h, 0, sizeof *h);
    char *path = NULL;
    uint64_t latest;
    if (!head_probe(table_dir, known, &latest)) {
        char buf[4200];
        h->version = latest;
        if (manifest_path(buf, sizeof buf, table_dir, latest) || !(path = strdup(buf)))
            return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", table_dir);
    } else {
        lance_versions vs;
        cdx_error e2 = {0};
        int rc = lance_versions_list(table_dir, &vs, &e2);
        if (rc == CDX_ENOTFOUND) return 0; /* no version yet */
        if (rc) {
            if (err) *err = e2;
            return rc;
        }
        h->version = vs.versions[vs.count - 1];
        char *vdir = lance_path_join(table_dir, "_versions");
        path = vdir ? lance_path_join(vdir, vs.files[vs.count - 1]) : NULL;
        free(vdir);
        lance_versions_free(&vs);
        if (!path) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", table_dir);
    }
    uint8_t *data = NULL;
    size_t len = 0;
    int rc = lance_read_file(path, &data, &len, err);
    if (!rc) rc = lance_manifest_parse(path, data, len, &h->manifest, err);
    if (!rc && h->manifest->version != h->version)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: manifest says version %llu", path,
                      (unsigned long long)h->manifest->version);
    if (!rc) rc = head_index_section(h, path, data, len, err);
    free(data);
    free(path);
    if (rc) lance_head_free(h);
    return rc;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int lance_manifest_encode(Lance__Table__Manifest *m, const uint8_t *index_section,
                          size_t index_len, const Lance__Table__Transaction *txn, uint8_t **out,
                          size_t *len, cdx_error *err)
{
    *out = NULL;
    *len = 0;
    size_t pos = 0;
    m->_index_section_case = LANCE__TABLE__MANIFEST___INDEX_SECTION__NOT_SET;
    m->_transaction_section_case = LANCE__TABLE__MANIFEST___TRANSACTION_SECTION__NOT_SET;
    if (index_section) {
        m->_index_section_case = LANCE__TABLE__MANIFEST___INDEX_SECTION_INDEX_SECTION;
        m->index_section = 0;
        pos += index_len;
    }
    size_t tlen = txn ? lance__table__transaction__get_packed_size(txn) : 0;
    if (txn) {
        m->_transaction_section_case =
            LANCE__TABLE__MANIFEST___TRANSACTION_SECTION_TRANSACTION_SECTION;
        m->transaction_section = pos;
        pos += 4 + tlen;
    }
    size_t mlen = lance__table__manifest__get_packed_size(m);
    if (tlen > UINT32_MAX || mlen > UINT32_MAX)
        return cdx_fail(err, CDX_ETOOLARGE, "manifest of version %llu: too large",
                        (unsigned long long)m->version);
    size_t total = pos + 4 + mlen + MANIFEST_FOOTER;
    uint8_t *buf = malloc(total);
    if (!buf) return cdx_fail(err, CDX_ENOMEM, "manifest: out of memory");
    size_t at = 0;
    if (index_section) {
        memcpy(buf, index_section, index_len);
        at = index_len;
    }
    if (txn) {
        put_le32(buf + at, (uint32_t)tlen);
        lance__table__transaction__pack(txn, buf + at + 4);
        at += 4 + tlen;
    }
    put_le32(buf + at, (uint32_t)mlen);
    lance__table__manifest__pack(m, buf + at + 4);
    put_le64(buf + at + 4 + mlen, at); /* footer: i64 manifest position, u16 0, u16 2, LANC */
    uint8_t *f = buf + at + 4 + mlen + 8;
    f[0] = 0, f[1] = 0, f[2] = 2, f[3] = 0;
    memcpy(f + 4, "LANC", 4);
    *out = buf;
    *len = total;
    return 0;
}

int lance_commit_manifest(const char *table_dir, uint64_t version, const uint8_t *data,
                          size_t len, const lance_sync_set *pending, cdx_error *err)
{
    char vdir[4096], final[4200], tmp[4300], uuid[37];
    if ((size_t)snprintf(vdir, sizeof vdir, "%s/_versions", table_dir) >= sizeof vdir)
        return cdx_fail(err, CDX_EINVAL, "%s: path too long", table_dir);
    int rc = lance_mkdir(vdir, err);
    if (rc) return rc;
    snprintf(final, sizeof final, "%s/%020llu.manifest", vdir,
             (unsigned long long)(UINT64_MAX - version));
    lance_uuid_string(uuid);
    snprintf(tmp, sizeof tmp, "%s.tmp-%s", final, uuid);
    rc = lance_write_file(tmp, data, len, 0, err);
    if (!rc) rc = sync_pending(pending, tmp, err);
    if (rc) {
        unlink(tmp);
        return rc;
    }
    if (link(tmp, final)) {
        int e = errno;
        unlink(tmp);
        if (e == EEXIST)
            return cdx_fail(err, CDX_ECONFLICT, "%s: version %llu was committed by another writer",
                            table_dir, (unsigned long long)version);
        return cdx_fail(err, CDX_EIO, "%s: cannot commit version %llu (%s)", table_dir,
                        (unsigned long long)version, strerror(e));
    }
    if (!pending || !pending->off) fsync_dir(vdir);
    unlink(tmp); /* after the sync: the removal need not be durable */
    return 0;
}

int lance_txn_write(const char *table_dir, const Lance__Table__Transaction *txn, char **name,
                    lance_sync_set *pending, cdx_error *err)
{
    *name = NULL;
    char dir[4096], path[4300], fname[128];
    if ((size_t)snprintf(dir, sizeof dir, "%s/_transactions", table_dir) >= sizeof dir)
        return cdx_fail(err, CDX_EINVAL, "%s: path too long", table_dir);
    int rc = lance_mkdir(dir, err);
    if (rc) return rc;
    snprintf(fname, sizeof fname, "%llu-%s.txn", (unsigned long long)txn->read_version,
             txn->uuid);
    snprintf(path, sizeof path, "%s/%s", dir, fname);
    size_t n = lance__table__transaction__get_packed_size(txn);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    lance__table__transaction__pack(txn, buf);
    rc = lance_write_file(path, buf, n, 0, err);
    free(buf);
    if (!rc) rc = lance_sync_set_add(pending, path, err);
    if (rc) {
        unlink(path);
        return rc;
    }
    if (!(*name = strdup(fname))) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    return 0;
}

/* Rewritten in place rather than through a temporary file and rename: the hint is advisory
 * (readers verify it by probing; a torn or stale one only costs them a listing), and each
 * rename freed an inode, which makes ext4's inode allocator (recently_deleted) slower for every
 * file created after it. */
void lance_hint_write(const char *table_dir, uint64_t version)
{
    char path[4200], body[64];
    snprintf(path, sizeof path, "%s/_versions/latest_version_hint.json", table_dir);
    int n = snprintf(body, sizeof body, "{\"version\":%llu}", (unsigned long long)version);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return;
    if (pwrite(fd, body, (size_t)n, 0) == n) (void)ftruncate(fd, n);
    close(fd);
}

void lance_txn_begin(Lance__Table__Transaction *txn, uint64_t read_version, char uuid[37])
{
    lance_uuid_string(uuid);
    txn->read_version = read_version;
    txn->uuid = uuid;
}

void lance_txn_set_overwrite(Lance__Table__Transaction *txn,
                             Lance__Table__Transaction__Overwrite *ow,
                             const Lance__Table__Manifest *m)
{
    txn->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_OVERWRITE;
    txn->overwrite = ow;
    ow->schema = m->fields;
    ow->n_schema = m->n_fields;
    ow->fragments = m->fragments;
    ow->n_fragments = m->n_fragments;
}
