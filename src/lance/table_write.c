/*
 * table_write.c — creating tables and appending rows (the "Writing tables" API of clipdex.h).
 * An append streams batches into data files (new file every max_rows_per_file rows) and then
 * commits them as new fragments of version latest+1; when another writer won that version the
 * manifest is rebuilt on the new latest (fresh fragment ids) and the commit retried.
 */
#include "lance/table_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "lance/fileio.h"
#include "lance/manifest_write.h"
#include "lance/rows.h"
#include "lance/table.h"
#include "lance/table_delete.h"

#define DEFAULT_MAX_ROWS_PER_FILE (UINT64_C(1) << 20) /* LanceDB's max_rows_per_file */

struct cdx_appender {
    cdx_table *table;
    lance_field_desc *fields;
    size_t nfields;
    int minor;
    uint64_t max_rows;
    lance_writer *w;
    char *w_name;
    uint64_t w_rows;
    lance_new_file *files;
    size_t nfiles, cap;
    lance_sync_set sync; /* the finished data files, synced by the commit */
    int direct;          /* one add per appender: pages straight from the caller's rows */
};

void lance_commit_backoff(int attempt)
{
    uint32_t r;
    lance_random_fill(&r, sizeof r);
    long us = 200L << (attempt < 6 ? attempt : 6); /* 0.2 ms .. 12.8 ms, jittered */
    struct timespec ts = {0, (long)(r % (uint32_t)us + 50) * 1000L};
    nanosleep(&ts, NULL);
}

int lance_table_reload(cdx_table *t, uint64_t version, cdx_error *err)
{
    size_t n = strlen(t->dir);
    char *copy = strdup(t->dir);
    if (!copy) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    char *slash = strrchr(copy, '/');
    if (!slash || n < 6 || strcmp(copy + n - 6, ".lance") != 0) {
        free(copy);
        return cdx_fail(err, CDX_EINVAL, "%s: not a table directory", t->dir);
    }
    copy[n - 6] = 0;
    *slash = 0;
    cdx_table *nt;
    int rc = cdx_table_open(copy, slash + 1, version, &nt, err);
    free(copy);
    if (rc) return rc;
    cdx_table tmp = *t;
    *t = *nt;
    *nt = tmp;
    t->durability = tmp.durability; /* a setting of the handle, not of the version */
    cdx_table_close(nt);
    return 0;
}

/* Copies the names of `from` into `to` (a commit attempt adds its transaction file to a copy). */
static int sync_set_copy(lance_sync_set *to, const lance_sync_set *from, cdx_error *err)
{
    int rc = 0;
    for (size_t i = 0; from && !rc && i < from->nfiles; i++)
        rc = lance_sync_set_add(to, from->files[i], err);
    for (size_t i = 0; from && !rc && i < from->ndirs; i++)
        rc = lance_sync_set_add_dir(to, from->dirs[i], err);
    return rc;
}

int lance_commit_version(const char *table_dir, const lance_head *head, Lance__Table__Manifest *m,
                         Lance__Table__Transaction *txn, const lance_sync_set *pending,
                         cdx_error *err)
{
    char *txn_name = NULL;
    lance_sync_set sync = {0};
    sync.off = pending && pending->off;
    int rc = sync_set_copy(&sync, pending, err);
    if (!rc) rc = lance_txn_write(table_dir, txn, &txn_name, &sync, err);
    if (rc) {
        lance_sync_set_free(&sync);
        return rc;
    }
    uint64_t version = head->version + 1;
    if (lance_manifest_stamp(m, version, txn_name))
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", table_dir);
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (!rc)
        rc = lance_manifest_encode(m, head->index_section, head->index_section_len, txn, &bytes,
                                   &len, err);
    if (!rc) rc = lance_commit_manifest(table_dir, version, bytes, len, &sync, err);
    free(bytes);
    lance_sync_set_free(&sync);
    if (rc) { /* the transaction file of a lost race would only confuse rebasing writers */
        char path[4400];
        snprintf(path, sizeof path, "%s/_transactions/%s", table_dir, txn_name);
        unlink(path);
    } else {
        lance_hint_write(table_dir, version);
    }
    free(txn_name);
    return rc;
}

void cdx_table_set_durability(cdx_table *t, cdx_durability d)
{
    if (t) t->durability = d == CDX_NO_SYNC ? CDX_NO_SYNC : CDX_DURABLE;
}

/* ---- create ---------------------------------------------------------------------------- */

static int field_type(cdx_column_type t, lance_type *out)
{
    switch (t) {
    case CDX_COLUMN_INT32: *out = LANCE_TYPE_INT32; return 0;
    case CDX_COLUMN_INT64: *out = LANCE_TYPE_INT64; return 0;
    case CDX_COLUMN_FLOAT32: *out = LANCE_TYPE_FLOAT32; return 0;
    case CDX_COLUMN_FLOAT64: *out = LANCE_TYPE_FLOAT64; return 0;
    case CDX_COLUMN_UTF8: *out = LANCE_TYPE_UTF8; return 0;
    case CDX_COLUMN_VECTOR_F32: *out = LANCE_TYPE_FSL_F32; return 0;
    }
    return -1;
}

static int create_fields(const char *name, const cdx_field *fields, size_t n,
                         lance_field_desc **out, cdx_error *err)
{
    if (!fields || n == 0 || n > 10000)
        return cdx_fail(err, CDX_EINVAL, "%s: a table needs 1..10000 columns", name);
    lance_field_desc *f = calloc(n, sizeof *f);
    if (!f) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", name);
    for (size_t i = 0; i < n; i++) {
        f[i] = (lance_field_desc){fields[i].name, (int32_t)i, LANCE_TYPE_INT64, 1,
                                  !fields[i].not_null};
        int bad = !fields[i].name || !*fields[i].name || field_type(fields[i].type, &f[i].type);
        if (!bad && f[i].type == LANCE_TYPE_FSL_F32) {
            f[i].dim = fields[i].dim;
            bad = f[i].dim == 0 || f[i].dim > (1u << 20);
        }
        for (size_t k = 0; !bad && k < i; k++) bad = !strcmp(fields[k].name, fields[i].name);
        if (bad) {
            free(f);
            return cdx_fail(err, CDX_EINVAL, "%s: column %zu ('%s'): bad or duplicate name, type "
                            "or dimension", name, i, fields[i].name ? fields[i].name : "");
        }
    }
    *out = f;
    return 0;
}

/* Whether open table t has exactly the declared schema. */
static int schema_equal(const cdx_table *t, const lance_field_desc *f, size_t n)
{
    if (t->ncols != n || t->manifest->n_fields != n) return 0;
    for (size_t i = 0; i < n; i++) {
        const lance_table_column *c = &t->cols[i];
        if (strcmp(c->name, f[i].name) != 0 || c->type != f[i].type || !c->nullable != !f[i].nullable ||
            (c->type == LANCE_TYPE_FSL_F32 && c->dim != f[i].dim))
            return 0;
    }
    return 1;
}

/* Commits an empty version with the given schema: version 1 (read_version 0) or an Overwrite
 * of the head. */
static int commit_overwrite(const char *dir, const lance_head *head, const lance_field_desc *f,
                            size_t n, int minor, cdx_error *err)
{
    Lance__Table__Manifest *m = lance_manifest_new(f, n, minor);
    if (!m) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", dir);
    if (head->manifest) { /* fragment ids stay unique over the table's whole history */
        uint64_t next = lance_manifest_next_fragment_id(head->manifest);
        if (next) {
            m->_max_fragment_id_case = LANCE__TABLE__MANIFEST___MAX_FRAGMENT_ID_MAX_FRAGMENT_ID;
            m->max_fragment_id = (uint32_t)(next - 1);
        }
    }
    char uuid[37];
    Lance__Table__Transaction txn = LANCE__TABLE__TRANSACTION__INIT;
    Lance__Table__Transaction__Overwrite ow = LANCE__TABLE__TRANSACTION__OVERWRITE__INIT;
    lance_txn_begin(&txn, head->version, uuid);
    lance_txn_set_overwrite(&txn, &ow, m); /* a new, empty table: no fragments */
    lance_head empty = {head->version, NULL, NULL, 0}; /* an overwrite drops the indices */
    int rc = lance_commit_version(dir, &empty, m, &txn, NULL, err);
    lance__table__manifest__free_unpacked(m, NULL);
    return rc;
}

int cdx_table_create(const char *db_dir, const char *name, const cdx_field *fields, size_t n,
                     cdx_create_mode mode, const char *storage, cdx_table **out, cdx_error *err)
{
    *out = NULL;
    if (!db_dir || !name || !*name || strchr(name, '/') || !strcmp(name, ".") ||
        !strcmp(name, ".."))
        return cdx_fail(err, CDX_EINVAL, "invalid table name '%s'", name ? name : "(null)");
    int minor = 1;
    if (storage && !strcmp(storage, "2.0")) minor = 0;
    else if (storage && strcmp(storage, "2.1") != 0)
        return cdx_fail(err, CDX_EINVAL, "%s: storage version '%s' (want 2.0 or 2.1)", name,
                        storage);
    lance_field_desc *f = NULL;
    int rc = create_fields(name, fields, n, &f, err);
    if (rc) return rc;
    char dir[4096], sub[4200];
    if ((size_t)snprintf(dir, sizeof dir, "%s/%s.lance", db_dir, name) >= sizeof dir - 64) {
        free(f);
        return cdx_fail(err, CDX_EINVAL, "%s: path too long", name);
    }
    rc = lance_mkdir(db_dir, err);
    if (!rc) rc = lance_mkdir(dir, err);
    snprintf(sub, sizeof sub, "%s/data", dir);
    if (!rc) rc = lance_mkdir(sub, err);
    uint64_t committed = 0;
    for (int attempt = 0; !rc && !committed; attempt++) {
        lance_head head;
        rc = lance_head_load(dir, 0, &head, err);
        if (rc) break;
        if (head.version && mode == CDX_CREATE) {
            rc = cdx_fail(err, CDX_EEXIST, "%s: table exists", dir);
        } else if (head.version && mode == CDX_EXIST_OK) {
            committed = head.version;
        } else {
            rc = commit_overwrite(dir, &head, f, n, minor, err);
            if (!rc) committed = head.version + 1;
            else if (rc == CDX_ECONFLICT && mode == CDX_CREATE)
                rc = cdx_fail(err, CDX_EEXIST, "%s: table exists", dir);
            else if (rc == CDX_ECONFLICT && attempt < LANCE_COMMIT_RETRIES) {
                lance_commit_backoff(attempt);
                rc = 0;
            }
        }
        lance_head_free(&head);
    }
    if (!rc) rc = cdx_table_open(db_dir, name, committed, out, err);
    if (!rc && mode == CDX_EXIST_OK && !schema_equal(*out, f, n)) {
        cdx_table_close(*out);
        *out = NULL;
        rc = cdx_fail(err, CDX_EEXIST, "%s: table exists with another schema", dir);
    }
    free(f);
    return rc;
}

/* ---- append ---------------------------------------------------------------------------- */

static int appender_minor(const cdx_table *t, int *minor, cdx_error *err)
{
    const Lance__Table__Manifest__DataStorageFormat *df = t->manifest->data_format;
    if (df && df->version && *df->version) {
        if (!strcmp(df->version, "2.0")) *minor = 0;
        else if (!strcmp(df->version, "2.1")) *minor = 1;
        else return cdx_fail(err, CDX_EUNSUPPORTED, "%s: cannot write data storage version %s",
                             t->dir, df->version);
        return 0;
    }
    *minor = 1; /* no data_format: infer from the files, as lance does */
    for (size_t i = 0; i < t->manifest->n_fragments; i++)
        if (t->manifest->fragments[i]->n_files) {
            const Lance__Table__DataFile *d = t->manifest->fragments[i]->files[0];
            if (d->file_major_version != 2 || d->file_minor_version > 1)
                return cdx_fail(err, CDX_EUNSUPPORTED, "%s: cannot append to files of format "
                                "%u.%u", t->dir, d->file_major_version, d->file_minor_version);
            *minor = (int)d->file_minor_version;
            break;
        }
    return 0;
}

int cdx_appender_open(cdx_table *t, cdx_appender **out, cdx_error *err)
{
    *out = NULL;
    cdx_appender *a = calloc(1, sizeof *a);
    if (!a) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    a->table = t;
    a->max_rows = DEFAULT_MAX_ROWS_PER_FILE;
    a->sync.off = t->durability == CDX_NO_SYNC;
    int rc = lance_table_write_fields(t, &a->fields, &a->nfields, err);
    if (!rc) rc = appender_minor(t, &a->minor, err);
    if (rc) {
        free(a->fields);
        free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void cdx_appender_set_max_rows_per_file(cdx_appender *a, uint64_t rows)
{
    a->max_rows = rows ? rows : DEFAULT_MAX_ROWS_PER_FILE;
}

/* LanceDB 8.0 data file names: 24 binary digits (3 random bytes) + 26 hex digits (13 bytes). */
static void data_file_name(char out[64])
{
    uint8_t b[16];
    lance_random_fill(b, sizeof b);
    size_t o = 0;
    for (int i = 0; i < 24; i++) out[o++] = (char)('0' + (b[i / 8] >> (7 - i % 8) & 1));
    static const char hex[] = "0123456789abcdef";
    for (int i = 3; i < 16; i++) {
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    memcpy(out + o, ".lance", 7);
}

static int appender_start_file(cdx_appender *a, cdx_error *err)
{
    char name[64], path[4200];
    data_file_name(name);
    snprintf(path, sizeof path, "%s/data/%s", a->table->dir, name);
    if (!(a->w_name = strdup(name))) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    a->w_rows = 0;
    int rc = lance_writer_open(path, a->fields, a->nfields, a->minor, &a->w, err);
    if (!rc) lance_writer_set_sync(a->w, 0); /* the commit syncs it with the others */
    if (!rc) lance_writer_set_direct(a->w, a->direct);
    if (rc) {
        free(a->w_name);
        a->w_name = NULL;
    }
    return rc;
}

static int appender_finish_file(cdx_appender *a, cdx_error *err)
{
    if (a->nfiles == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 8;
        lance_new_file *nf = realloc(a->files, nc * sizeof *nf);
        if (!nf) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", a->table->dir);
        a->files = nf;
        a->cap = nc;
    }
    lance_write_info info = {0};
    lance_writer *w = a->w;
    a->w = NULL;
    int rc = lance_writer_finish(w, &info, err);
    if (rc) {
        free(a->w_name);
        a->w_name = NULL;
        return rc;
    }
    a->files[a->nfiles++] = (lance_new_file){a->w_name, info.rows, info.file_size, info.major,
                                             info.minor};
    a->w_name = NULL;
    char path[4400];
    snprintf(path, sizeof path, "%s/data/%s", a->table->dir, a->files[a->nfiles - 1].name);
    return lance_sync_set_add(&a->sync, path, err);
}

/* Rows [from, from+count) of cols as a new set of columns (copied). */
static int slice_columns(const lance_column *cols, size_t n, uint64_t rows, uint64_t from,
                         uint64_t count, lance_column *out, cdx_error *err)
{
    uint8_t *keep = calloc((size_t)(rows / 8 + 1), 1);
    if (!keep) return cdx_fail(err, CDX_ENOMEM, "append: out of memory");
    for (uint64_t r = from; r < from + count; r++) keep[r / 8] |= (uint8_t)(1u << (r % 8));
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        rc = lance_column_alloc(&out[i], cols[i].type, cols[i].dim, 0, err);
        if (!rc) rc = lance_column_append(&out[i], &cols[i], keep, err);
    }
    free(keep);
    return rc;
}

int cdx_appender_add(cdx_appender *a, const cdx_rows *rows, cdx_error *err)
{
    if (rows->ncols != a->nfields)
        return cdx_fail(err, CDX_EINVAL, "%s: rows built for another table", a->table->dir);
    for (size_t i = 0; i < a->nfields; i++)
        if (strcmp(rows->fields[i].name, a->fields[i].name) != 0 ||
            rows->fields[i].type != a->fields[i].type || rows->fields[i].dim != a->fields[i].dim)
            return cdx_fail(err, CDX_EINVAL, "%s: rows built for another table", a->table->dir);
    uint64_t total = rows->have_rows ? rows->rows : 0;
    if (total == 0) return 0;
    lance_column *cols;
    int rc = lance_rows_columns(rows, &cols, err);
    if (rc) return rc;
    lance_column *part = calloc(a->nfields + 1, sizeof *part);
    if (!part) rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", a->table->dir);
    for (uint64_t done = 0; !rc && done < total;) {
        if (!a->w && (rc = appender_start_file(a, err))) break;
        uint64_t room = a->max_rows - a->w_rows, take = total - done < room ? total - done : room;
        if (take == total) {
            rc = lance_writer_add(a->w, cols, err);
        } else {
            rc = slice_columns(cols, a->nfields, total, done, take, part, err);
            if (!rc) rc = lance_writer_add(a->w, part, err);
            for (size_t i = 0; i < a->nfields; i++) lance_column_free(&part[i]);
        }
        if (rc) break;
        a->w_rows += take;
        done += take;
        if (a->w_rows == a->max_rows) rc = appender_finish_file(a, err);
    }
    free(part);
    lance_rows_columns_free(rows, cols);
    return rc;
}

/* Whether the head still has the schema the appender writes (an overwrite may have replaced
 * it since the table was opened). */
static int head_schema_matches(const Lance__Table__Manifest *m, const lance_field_desc *f,
                               size_t n)
{
    if (m->n_fields != n) return 0;
    for (size_t i = 0; i < n; i++) {
        const Lance__File__Field *x = m->fields[i];
        char logical[64];
        if (x->id != f[i].id || x->parent_id != -1 || strcmp(x->name, f[i].name) != 0 ||
            lance_logical_type(&f[i], logical, sizeof logical) ||
            (strcmp(x->logical_type, logical) != 0 &&
             !(f[i].type == LANCE_TYPE_UTF8 && !strcmp(x->logical_type, "large_string"))))
            return 0;
    }
    return 1;
}

/* Rows a replace commit deletes: utf8 column `col` equal to one of the sorted `values`. */
typedef struct replace_spec {
    const lance_table_column *col;
    const delete_pred *pred;
    const char *predicate; /* for the transaction record */
    uint64_t deleted;
} replace_spec;

/* Stages the delete of a replace commit on head: deletion files written, fragments updated or
 * dropped in head's manifest; the Update transaction lists them. */
static int appender_plan_replace(cdx_appender *a, lance_head *head, replace_spec *rs,
                                 delete_plan *plan, cdx_error *err)
{
    int rc = lance_delete_plan_build(a->table, rs->col, head, rs->pred, plan, err);
    if (!rc && plan->deleted) {
        head->manifest->reader_feature_flags |= 1; /* deletion files */
        head->manifest->writer_feature_flags |= 1;
    }
    for (size_t i = 0; !rc && i < plan->n_files; i++)
        rc = lance_sync_set_add(&a->sync, plan->files[i], err);
    return rc;
}

/* One commit attempt of the appender's files on the current head (with rs: as one Update that
 * also deletes the rows rs matches in the fragments that were there before). */
static int appender_commit_once(cdx_appender *a, lance_head *head, replace_spec *rs,
                                int *fatal, cdx_error *err)
{
    const char *dir = a->table->dir;
    if (!head->version) return cdx_fail(err, CDX_ENOTFOUND, "%s: the table is gone", dir);
    *fatal = 1;
    if (!head_schema_matches(head->manifest, a->fields, a->nfields))
        return cdx_fail(err, CDX_ECONFLICT, "%s: the table was overwritten with another schema "
                        "during the append", dir);
    *fatal = 0;
    Lance__Table__Manifest *m = head->manifest;
    uint64_t id = lance_manifest_next_fragment_id(m);
    if (id + a->nfiles > UINT32_MAX)
        return cdx_fail(err, CDX_ETOOLARGE, "%s: fragment ids exhausted", dir);
    delete_plan plan = {0};
    size_t nsync = a->sync.nfiles;
    int rc = rs ? appender_plan_replace(a, head, rs, &plan, err) : 0;
    size_t first = m->n_fragments;
    for (size_t i = 0; !rc && i < a->nfiles; i++) {
        Lance__Table__DataFragment *f =
            lance_fragment_msg_new(id + i, &a->files[i], a->fields, a->nfields);
        if (!f || lance_manifest_push_fragment(m, f))
            rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", dir);
    }
    if (!rc && lance_table_apply_metadata(a->table, m))
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", dir);
    char uuid[37];
    Lance__Table__Transaction txn = LANCE__TABLE__TRANSACTION__INIT;
    Lance__Table__Transaction__Append app = LANCE__TABLE__TRANSACTION__APPEND__INIT;
    Lance__Table__Transaction__Update upd = LANCE__TABLE__TRANSACTION__UPDATE__INIT;
    lance_txn_begin(&txn, head->version, uuid);
    Lance__Table__Transaction__Delete del = LANCE__TABLE__TRANSACTION__DELETE__INIT;
    if (rs && plan.deleted && !a->nfiles) { /* nothing added: a plain Delete, as Lance records */
        lance_txn_set_delete(&txn, &del, &plan, rs->predicate);
    } else if (rs && plan.deleted) {
        txn.operation_case = LANCE__TABLE__TRANSACTION__OPERATION_UPDATE;
        txn.update = &upd;
        upd.removed_fragment_ids = plan.removed;
        upd.n_removed_fragment_ids = plan.n_removed;
        upd.updated_fragments = plan.updated;
        upd.n_updated_fragments = plan.n_updated;
        upd.new_fragments = m->fragments + first;
        upd.n_new_fragments = a->nfiles;
    } else {
        txn.operation_case = LANCE__TABLE__TRANSACTION__OPERATION_APPEND;
        txn.append = &app;
        app.fragments = m->fragments + first;
        app.n_fragments = a->nfiles;
    }
    if (!rc) rc = lance_commit_version(dir, head, m, &txn, &a->sync, err);
    if (rs && !rc) rs->deleted = plan.deleted;
    for (size_t i = nsync; i < a->sync.nfiles; i++) free(a->sync.files[i]);
    if (a->sync.nfiles > nsync) a->sync.nfiles = nsync; /* this attempt's deletion files */
    lance_delete_plan_free(&plan, rc != 0);
    return rc;
}

static void appender_free(cdx_appender *a, int remove_files)
{
    if (a->w) lance_writer_abort(a->w);
    free(a->w_name);
    for (size_t i = 0; i < a->nfiles; i++) {
        if (remove_files) {
            char path[4400];
            snprintf(path, sizeof path, "%s/data/%s", a->table->dir, a->files[i].name);
            unlink(path);
        }
        free(a->files[i].name);
    }
    free(a->files);
    free(a->fields);
    lance_sync_set_free(&a->sync);
    free(a);
}

static int appender_commit(cdx_appender *a, replace_spec *rs, cdx_error *err)
{
    int rc = a->w ? appender_finish_file(a, err) : 0;
    uint64_t version = 0;
    for (int attempt = 0; !rc && !version && (a->nfiles || rs); attempt++) {
        lance_head head;
        int fatal = 1;
        rc = lance_head_load(a->table->dir, a->table->latest, &head, err);
        if (!rc) rc = appender_commit_once(a, &head, rs, &fatal, err);
        if (!rc) version = head.version + 1;
        lance_head_free(&head);
        if (rc == CDX_ECONFLICT && !fatal && attempt < LANCE_COMMIT_RETRIES) {
            lance_commit_backoff(attempt);
            rc = 0;
        }
    }
    cdx_table *t = a->table;
    appender_free(a, rc != 0);
    if (!rc && version) rc = lance_table_reload(t, version, err);
    return rc;
}

int cdx_appender_commit(cdx_appender *a, cdx_error *err)
{
    return appender_commit(a, NULL, err);
}

static int cmp_cstr_ptr(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int cdx_appender_commit_replace(cdx_appender *a, const char *col, const char *const *values,
                                size_t n, uint64_t *deleted, cdx_error *err)
{
    if (deleted) *deleted = 0;
    cdx_table *t = a->table;
    long ci = cdx_table_column_index(t, col ? col : "");
    int rc = 0;
    if (ci < 0) rc = cdx_fail(err, CDX_ENOTFOUND, "%s: no column '%s'", t->dir, col ? col : "");
    else if (t->cols[ci].type != LANCE_TYPE_UTF8)
        rc = cdx_fail(err, CDX_EINVAL, "%s: column '%s' is not utf8", t->dir, col);
    for (size_t i = 0; !rc && i < n; i++)
        if (!values[i]) rc = cdx_fail(err, CDX_EINVAL, "%s: NULL value to replace", t->dir);
    const char **sorted = rc ? NULL : malloc((n + 1) * sizeof *sorted);
    char *cname = rc ? NULL : strdup(t->cols[ci].name); /* t's manifest goes away on reload */
    if (!rc && (!sorted || !cname)) rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    if (rc) {
        free(sorted);
        free(cname);
        cdx_appender_abort(a);
        return rc;
    }
    lance_table_column c = t->cols[ci];
    c.name = cname;
    if (n) memcpy(sorted, values, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_cstr_ptr);
    delete_pred p = {.type = LANCE_TYPE_UTF8, .values = sorted, .n_values = n};
    char predicate[96];
    snprintf(predicate, sizeof predicate, "%.40s IN (%zu values)", cname, n);
    replace_spec rs = {&c, &p, predicate, 0};
    rc = appender_commit(a, n ? &rs : NULL, err);
    if (!rc && deleted) *deleted = rs.deleted;
    free(sorted);
    free(cname);
    return rc;
}

void cdx_appender_abort(cdx_appender *a)
{
    if (a) appender_free(a, 1);
}

int cdx_table_add(cdx_table *t, const cdx_rows *rows, cdx_error *err)
{
    cdx_appender *a;
    int rc = cdx_appender_open(t, &a, err);
    if (rc) return rc;
    a->direct = 1; /* the only batch of this append: no need to stage it */
    rc = cdx_appender_add(a, rows, err);
    if (rc) {
        cdx_appender_abort(a);
        return rc;
    }
    return cdx_appender_commit(a, err);
}
