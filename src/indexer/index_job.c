/*
 * index_job.c — cdx_index_run: walk the paths, compare each file with the row the table holds
 * for its name (size and mtime; the content hash for moved files), then read, hash and embed
 * what is new or changed in batches of bounded count and bytes, committing each batch as one
 * version. A failed file is reported and skipped; an embedder error commits the rows already
 * embedded and stops the run, so the next run continues where this one stopped. A run holds the
 * table's index lock (index_lock.c) from before it reads the table until it ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/error.h"
#include "indexer/index.h"

#define INDEX_DEFAULT_BATCH 256
#define INDEX_DEFAULT_BYTES ((size_t)64 << 20)
#define INDEX_DEFAULT_COMMIT_S 30.0
/* Moved files wait for a batch of their own: copying their vectors costs a scan of the table,
 * so it is done once per this many (3 KB of vectors each while the batch is written). */
#define INDEX_REUSE_BATCH 4096

typedef struct index_file {
    char *path;
    int64_t size, mtime_ns;
} index_file;

typedef struct item_list {
    index_item *v;
    size_t n, cap, bytes;
} item_list;

typedef struct index_job {
    const char *db;
    cdx_index_opts o;
    cdx_embedder *e;
    cdx_index_fn fn;
    void *user;
    cdx_index_summary *sum;
    cdx_table *t0; /* the table as the run found it (NULL: none) */
    cdx_table *tw; /* the handle commits go through (NULL until the first commit) */
    index_state st;
    size_t dim;
    index_file *files;
    size_t nfiles, cap;
    item_list embed; /* new or changed files waiting for the embedder */
    item_list reuse; /* moved or touched files whose vectors are in the table */
    double last_commit;
    uint64_t tokens0;
    int lock_fd; /* the index lock, -1 when not held (dry run) */
} index_job;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void emit(index_job *j, cdx_index_event_kind kind, const char *path, const char *msg,
                 int64_t tokens)
{
    if (j->e) j->sum->tokens = cdx_embedder_tokens(j->e) - j->tokens0;
    cdx_index_event ev = {kind, path, msg, tokens, j->sum};
    if (j->fn) j->fn(&ev, j->user);
}

static void fail_file(index_job *j, const char *path, const char *msg)
{
    j->sum->failed++;
    emit(j, CDX_INDEX_FAILED, path, msg, 0);
}

/* ---- walking ---------------------------------------------------------------------------- */

static int walk_visit(const cdx_walk_entry *en, void *user)
{
    index_job *j = user;
    if (en->status != CDX_OK) {
        fail_file(j, en->path, en->message);
        return 0;
    }
    if (j->nfiles == j->cap) {
        size_t nc = j->cap ? j->cap * 2 : 256;
        index_file *nf = realloc(j->files, nc * sizeof *nf);
        if (!nf) return CDX_ENOMEM;
        j->files = nf;
        j->cap = nc;
    }
    const char *p = en->path;
    while (p[0] == '.' && p[1] == '/' && p[2]) p += 2; /* "./a.jpg" is "a.jpg" */
    char *copy = strdup(p);
    if (!copy) return CDX_ENOMEM;
    j->files[j->nfiles++] = (index_file){copy, (int64_t)en->size, en->mtime_ns};
    return 0;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const index_file *)a)->path, ((const index_file *)b)->path);
}

/* Walks the paths; the files found, sorted by path, each once. */
static int job_walk(index_job *j, const char *const *paths, size_t n, cdx_error *err)
{
    int rc = cdx_walk(paths, n, &j->o.walk, walk_visit, j, err);
    if (rc == CDX_ENOMEM) return cdx_fail(err, CDX_ENOMEM, "index: out of memory");
    if (rc) return rc;
    if (j->nfiles > 1) qsort(j->files, j->nfiles, sizeof *j->files, cmp_file);
    size_t k = 0;
    for (size_t i = 0; i < j->nfiles; i++) {
        if (k && !strcmp(j->files[k - 1].path, j->files[i].path)) {
            free(j->files[i].path);
            continue;
        }
        j->files[k++] = j->files[i];
    }
    j->nfiles = k;
    j->sum->files = k;
    return 0;
}

/* ---- the table ---------------------------------------------------------------------------- */

/* Refuses a table whose vectors come from another model or have another dimension. */
static int job_check_model(index_job *j, cdx_error *err)
{
    long vc = cdx_table_column_index(j->t0, "vector");
    if (vc < 0 || cdx_table_column_type(j->t0, (size_t)vc) != CDX_COLUMN_VECTOR_F32)
        return cdx_fail(err, CDX_EUNSUPPORTED, "table '%s': no float vector column 'vector'",
                        j->o.table);
    uint32_t tdim = cdx_table_column_dim(j->t0, (size_t)vc);
    if (!j->e) {
        j->dim = tdim;
        return 0;
    }
    const char *model = cdx_table_metadata(j->t0, "clipdex.model");
    const char *backend = cdx_table_metadata(j->t0, "clipdex.backend");
    const char *want = cdx_embedder_model(j->e);
    if (!model && tdim == 768) model = "jina-clip-v1"; /* the recipe's tables carry no tag */
    if (!model || strcmp(model, want) != 0 || tdim != cdx_embedder_dim(j->e))
        return cdx_fail(err, CDX_EINVAL, "table '%s' holds %u-d vectors of model %s%s%s%s; "
                        "refusing to add vectors of model %s (%zu-d, backend %s)", j->o.table,
                        tdim, model ? model : "(unknown)", backend ? " (backend " : "",
                        backend ? backend : "", backend ? ")" : "", want,
                        cdx_embedder_dim(j->e), cdx_embedder_backend(j->e));
    j->dim = tdim;
    return 0;
}

static int job_open_table(index_job *j, cdx_error *err)
{
    cdx_error e2 = {0};
    int rc = cdx_table_open(j->db, j->o.table, 0, &j->t0, &e2);
    if (rc == CDX_ENOTFOUND) {
        j->t0 = NULL;
        j->dim = j->e ? cdx_embedder_dim(j->e) : 768;
        return index_state_load(NULL, &j->st, err);
    }
    if (rc) {
        *err = e2;
        return rc;
    }
    rc = job_check_model(j, err);
    if (!rc) rc = index_state_load(j->t0, &j->st, err);
    if (rc && strncmp(err->message, "table '", 7) != 0) {
        cdx_error inner = *err;
        cdx_fail(err, rc, "table '%s': %s", j->o.table, inner.message);
    }
    return rc;
}

/* The write handle, creating the table on first use; stages the model tags and next id. */
static int job_writer(index_job *j, cdx_error *err)
{
    int rc = 0;
    if (!j->tw && j->t0) rc = cdx_table_open(j->db, j->o.table, 0, &j->tw, err);
    if (!j->tw && !rc) {
        cdx_field f[INDEX_NFIELDS];
        memcpy(f, index_fields, sizeof f);
        f[2].dim = (uint32_t)j->dim;
        rc = cdx_table_create(j->db, j->o.table, f, INDEX_NFIELDS, CDX_EXIST_OK, NULL, &j->tw,
                              err);
    }
    if (rc) return rc;
    char num[32];
    if (!cdx_table_metadata(j->tw, "clipdex.model") && j->e) {
        snprintf(num, sizeof num, "%zu", j->dim);
        rc = cdx_table_set_metadata(j->tw, "clipdex.model", cdx_embedder_model(j->e), err);
        if (!rc) rc = cdx_table_set_metadata(j->tw, "clipdex.backend",
                                             cdx_embedder_backend(j->e), err);
        if (!rc) rc = cdx_table_set_metadata(j->tw, "clipdex.dim", num, err);
    }
    snprintf(num, sizeof num, "%lld", (long long)j->st.next_id);
    if (!rc) rc = cdx_table_set_metadata(j->tw, "clipdex.next_file_id", num, err);
    return rc;
}

/* ---- batches ------------------------------------------------------------------------------ */

static void items_clear(item_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].data);
    }
    l->n = 0;
    l->bytes = 0;
}

/* Embeds the list's images (none of them reuse ones) into vecs; ok[i] = 1 for the rows that got
 * a vector. Returns the embedder's error (the run stops) or 0. */
static int batch_embed(index_job *j, const item_list *l, float *vecs, uint8_t *ok, cdx_error *err)
{
    size_t m = l->n;
    if (!m) return 0;
    cdx_blob *blobs = calloc(m, sizeof *blobs);
    float *out = calloc(m * j->dim, sizeof *out);
    uint8_t *done = calloc(m, 1);
    cdx_error *ierr = calloc(m, sizeof *ierr);
    int rc = 0;
    if (!blobs || !out || !done || !ierr) rc = cdx_fail(err, CDX_ENOMEM, "index: out of memory");
    for (size_t k = 0; !rc && k < m; k++)
        blobs[k] = (cdx_blob){l->v[k].path, l->v[k].data, l->v[k].len};
    if (!rc) rc = cdx_embed_images(j->e, blobs, m, &j->o.image, out, done, ierr, err);
    for (size_t k = 0; blobs && out && done && ierr && k < m; k++) {
        if (done[k]) {
            memcpy(vecs + k * j->dim, out + k * j->dim, j->dim * sizeof *out);
            ok[k] = 1;
        } else if (rc != CDX_ENOMEM && !(rc && !ierr[k].message[0])) {
            /* decode failures; with an API stop, items it never reached are not failures */
            fail_file(j, l->v[k].path, ierr[k].message[0] ? ierr[k].message : "not embedded");
        }
    }
    free(blobs);
    free(out);
    free(done);
    free(ierr);
    return rc;
}

/* Embeds (or copies the vectors of) the list's files and commits them as one version. An
 * embedder error is returned after the rows it did embed are committed. */
static int job_flush(index_job *j, item_list *l, cdx_error *err)
{
    if (!l->n) return 0;
    float *vecs = calloc(l->n * j->dim, sizeof *vecs);
    uint8_t *ok = calloc(l->n, 1);
    if (!vecs || !ok) {
        free(vecs);
        free(ok);
        return cdx_fail(err, CDX_ENOMEM, "index: out of memory");
    }
    cdx_error api_err = {0};
    int reuse = l == &j->reuse, api = 0, rc = 0;
    if (reuse) {
        rc = index_fetch_vectors(j->t0, l->v, l->n, vecs, j->dim, err);
        if (!rc) memset(ok, 1, l->n);
    } else {
        api = batch_embed(j, l, vecs, ok, &api_err);
        if (api == CDX_ENOMEM) rc = cdx_fail(err, api, "%s", api_err.message);
    }
    if (!rc) rc = job_writer(j, err);
    if (!rc) rc = index_commit(j->tw, j->st.full, l->v, ok, l->n, vecs, j->dim, err);
    for (size_t i = 0; !rc && i < l->n; i++) {
        if (ok[i] && reuse) j->sum->reused++;
        else if (ok[i]) j->sum->indexed++;
    }
    free(vecs);
    free(ok);
    items_clear(l);
    j->last_commit = now_s();
    if (!rc) emit(j, CDX_INDEX_COMMITTED, NULL, NULL, 0);
    if (!rc && api) {
        j->sum->api_stopped = 1;
        *err = api_err;
        rc = api;
    }
    return rc;
}

/* ---- files ---------------------------------------------------------------------------------- */

static int job_push_item(index_job *j, index_item *it, cdx_error *err)
{
    item_list *l = it->reuse ? &j->reuse : &j->embed;
    size_t limit = it->reuse ? INDEX_REUSE_BATCH : j->o.batch;
    if (!l->v && !(l->v = calloc(limit + 1, sizeof *l->v))) {
        free(it->path);
        free(it->data);
        return cdx_fail(err, CDX_ENOMEM, "index: out of memory");
    }
    l->v[l->n++] = *it;
    l->bytes += it->len;
    if (l->n >= limit || l->bytes >= j->o.max_batch_bytes ||
        now_s() - j->last_commit >= j->o.commit_seconds)
        return job_flush(j, l, err);
    return 0;
}

/* Whether the real run would copy f's vector from a stored row of the same content (as
 * job_file decides); reports it. Reads and hashes f only when the table has hashes. */
static int job_dry_run_reuse(index_job *j, const index_file *f)
{
    if (j->o.reembed || !j->st.n_by_hash) return 0;
    uint8_t *data;
    size_t len;
    char hash[65];
    cdx_error e = {0};
    if (index_file_read(f->path, &data, &len, hash, &e)) {
        fail_file(j, f->path, e.message);
        return 1;
    }
    free(data);
    const index_row *same = index_state_find_hash(&j->st, hash);
    if (!same) return 0;
    j->sum->todo++;
    j->sum->reused++;
    emit(j, CDX_INDEX_WOULD_REUSE, f->path, same->name, 0);
    return 1;
}

static void job_dry_run_file(index_job *j, const index_file *f)
{
    cdx_image_info info;
    cdx_error e = {0};
    if (cdx_image_probe_file(f->path, &j->o.image, &info, &e) != CDX_OK) {
        fail_file(j, f->path, e.message);
        return;
    }
    if (job_dry_run_reuse(j, f)) return;
    int tw, th;
    cdx_thumbnail_size(info.width, info.height, 224, &tw, &th);
    int64_t tokens = cdx_jina_image_tokens(tw, th);
    j->sum->todo++;
    j->sum->dry_run_tokens += tokens;
    emit(j, CDX_INDEX_WOULD_EMBED, f->path, NULL, tokens);
}

/* Reads, hashes and probes one new or changed file and queues it. */
static int job_file(index_job *j, const index_file *f, const index_row *row, cdx_error *err)
{
    index_item it = {0};
    cdx_error fe = {0};
    if (index_file_read(f->path, &it.data, &it.len, it.hash, &fe)) {
        fail_file(j, f->path, fe.message);
        return 0;
    }
    cdx_image_info info;
    if (cdx_image_probe_file(f->path, &j->o.image, &info, &fe) != CDX_OK) {
        free(it.data);
        fail_file(j, f->path, fe.message);
        return 0;
    }
    const index_row *same = j->o.reembed ? NULL : index_state_find_hash(&j->st, it.hash);
    if (same) { /* moved, copied or only touched: its vector is in the table */
        it.reuse = 1;
        it.reuse_row = same->row_id;
        free(it.data);
        it.data = NULL;
        it.len = 0;
    }
    if (!(it.path = strdup(f->path))) {
        free(it.data);
        return cdx_fail(err, CDX_ENOMEM, "index: out of memory");
    }
    it.file_id = row ? row->file_id : j->st.next_id++;
    it.replaces = row != NULL;
    it.size = f->size;
    it.mtime_ns = f->mtime_ns;
    it.width = info.width;
    it.height = info.height;
    return job_push_item(j, &it, err);
}

static int job_files(index_job *j, cdx_error *err)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < j->nfiles; i++) {
        const index_file *f = &j->files[i];
        const index_row *row = index_state_find(&j->st, f->path);
        if (row && !j->o.reembed && !j->st.full) {
            j->sum->unchanged++; /* no size/mtime to compare: a change cannot be seen */
            j->sum->unverified++;
        } else if (row && !j->o.reembed && row->size == f->size && row->mtime_ns == f->mtime_ns) {
            j->sum->unchanged++;
        } else if (j->o.dry_run) {
            job_dry_run_file(j, f);
        } else {
            j->sum->todo++;
            rc = job_file(j, f, row, err);
        }
        emit(j, CDX_INDEX_PROGRESS, NULL, NULL, 0);
    }
    if (!rc) rc = job_flush(j, &j->embed, err);
    /* moved files are committed even when the API stopped the run: they cost no request */
    cdx_error rerr = {0};
    int rrc = j->sum->api_stopped || !rc ? job_flush(j, &j->reuse, &rerr) : 0;
    if (!rc && rrc) {
        *err = rerr;
        rc = rrc;
    }
    return rc;
}

/* Whether stored path `name` lies under walk argument `arg` (normalised like the walk's paths:
 * no leading "./", no trailing '/'; "." or "" stand for every relative path). */
static int under_arg(const char *name, const char *arg)
{
    while (arg[0] == '.' && arg[1] == '/') arg += 2;
    size_t n = strlen(arg);
    while (n > 1 && arg[n - 1] == '/') n--;
    if (n == 0 || (n == 1 && arg[0] == '.')) return name[0] != '/';
    if (n == 1 && arg[0] == '/') return name[0] == '/';
    return !strncmp(name, arg, n) && (name[n] == 0 || name[n] == '/');
}

static int was_walked(const index_job *j, const char *name)
{
    size_t lo = 0, hi = j->nfiles;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(j->files[mid].path, name);
        if (!c) return 1;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

/* Whether `name` certainly no longer exists. A file stat cannot reach for another reason (a
 * folder without permission, a symlink loop, an I/O error) keeps its row: pruning it would lose
 * a vector that costs tokens to get back. */
static int file_is_gone(const char *name)
{
    struct stat st;
    return stat(name, &st) != 0 && (errno == ENOENT || errno == ENOTDIR);
}

/* Whether the walk found any file under walk argument `arg`. */
static int walked_under(const index_job *j, const char *arg)
{
    for (size_t i = 0; i < j->nfiles; i++)
        if (under_arg(j->files[i].path, arg)) return 1;
    return 0;
}

/* Reports, per walk argument, the rows pruning left alone because the walk found no file at all
 * under that argument: an unmounted drive or a mistyped path looks exactly like that, and
 * deleting every row under it would throw away vectors that cost tokens to get back. */
static void prune_report_refused(index_job *j, const char *const *paths, size_t npaths,
                                 const size_t *refused)
{
    for (size_t a = 0; a < npaths; a++) {
        if (!refused[a]) continue;
        char msg[1200];
        snprintf(msg, sizeof msg, "%s: no file found there, so pruning would delete all %zu "
                 "rows under it; refused (an unmounted drive or a mistyped path?). If the files "
                 "are really gone, prune from a folder above it that still has images",
                 paths[a], refused[a]);
        fail_file(j, paths[a], msg);
    }
}

/* Deletes (one version) the rows whose files are gone: under one of the walked paths, not found
 * by the walk and certainly not there on disk. Rows outside the paths are never touched, so
 * pruning from another working directory or with a narrower PATH loses nothing; rows under a
 * path where the walk found nothing at all are kept and reported (prune_report_refused). */
static int job_prune(index_job *j, const char *const *paths, size_t npaths, cdx_error *err)
{
    const char **gone = malloc((j->st.n + 1) * sizeof *gone);
    uint8_t *found = calloc(npaths + 1, 1);
    size_t *refused = calloc(npaths + 1, sizeof *refused);
    if (!gone || !found || !refused) {
        free(gone);
        free(found);
        free(refused);
        return cdx_fail(err, CDX_ENOMEM, "index: out of memory");
    }
    for (size_t a = 0; a < npaths; a++) found[a] = (uint8_t)walked_under(j, paths[a]);
    size_t n = 0;
    for (size_t i = 0; i < j->st.n; i++) {
        const char *name = j->st.rows[i].name;
        if (i && !strcmp(name, j->st.rows[i - 1].name)) continue;
        int under = 0;
        size_t empty_arg = npaths;
        for (size_t a = 0; !under && a < npaths; a++) {
            if (!under_arg(name, paths[a])) continue;
            if (found[a]) under = 1;
            else if (empty_arg == npaths) empty_arg = a;
        }
        if (!under && empty_arg == npaths) continue;
        if (was_walked(j, name) || !file_is_gone(name)) continue;
        if (under) gone[n++] = name;
        else refused[empty_arg]++;
    }
    prune_report_refused(j, paths, npaths, refused);
    int rc = 0;
    uint64_t deleted = n;
    if (n && !j->o.dry_run) {
        cdx_appender *a = NULL;
        rc = job_writer(j, err);
        if (!rc) rc = cdx_appender_open(j->tw, &a, err);
        if (!rc) rc = cdx_appender_commit_replace(a, "file_name", gone, n, &deleted, err);
    }
    if (!rc) j->sum->pruned = deleted;
    free(gone);
    free(found);
    free(refused);
    return rc;
}

static void job_waiting(const char *message, void *user)
{
    emit(user, CDX_INDEX_WAITING, NULL, message, 0);
}

int cdx_index_run(const char *db_dir, const char *const *paths, size_t n, cdx_embedder *e,
                  const cdx_index_opts *opts, cdx_index_fn fn, void *user,
                  cdx_index_summary *summary, cdx_error *err)
{
    cdx_index_summary local;
    if (!summary) summary = &local;
    memset(summary, 0, sizeof *summary);
    if (!db_dir || (!paths && n))
        return cdx_fail(err, CDX_EINVAL, "index: no database directory or paths");
    if (!e && !(opts && opts->dry_run))
        return cdx_fail(err, CDX_EINVAL, "index: an embedder is needed unless dry_run");
    index_job j = {.db = db_dir, .e = e, .fn = fn, .user = user, .sum = summary, .lock_fd = -1};
    if (opts) j.o = *opts;
    if (!j.o.table) j.o.table = "images";
    if (!*j.o.table || strchr(j.o.table, '/') || !strcmp(j.o.table, ".") ||
        !strcmp(j.o.table, ".."))
        return cdx_fail(err, CDX_EINVAL, "invalid table name '%s'", j.o.table);
    if (!j.o.batch) j.o.batch = INDEX_DEFAULT_BATCH;
    if (!j.o.max_batch_bytes) j.o.max_batch_bytes = INDEX_DEFAULT_BYTES;
    if (j.o.commit_seconds <= 0) j.o.commit_seconds = INDEX_DEFAULT_COMMIT_S;
    if (e) j.tokens0 = cdx_embedder_tokens(e);
    int rc = 0;
    if (!j.o.dry_run)
        rc = index_lock_acquire(db_dir, j.o.table, j.o.no_wait, job_waiting, &j, &j.lock_fd,
                                &summary->busy, err);
    j.last_commit = now_s();
    if (!rc) rc = job_open_table(&j, err);
    if (!rc) rc = job_walk(&j, paths, n, err);
    if (!rc) rc = job_files(&j, err);
    if (!rc && j.o.prune) rc = job_prune(&j, paths, n, err);
    if (e) summary->tokens = cdx_embedder_tokens(e) - j.tokens0;
    items_clear(&j.embed);
    items_clear(&j.reuse);
    free(j.embed.v);
    free(j.reuse.v);
    for (size_t i = 0; i < j.nfiles; i++) free(j.files[i].path);
    free(j.files);
    index_state_free(&j.st);
    cdx_table_close(j.t0);
    cdx_table_close(j.tw);
    index_lock_release(j.lock_fd);
    return rc;
}
