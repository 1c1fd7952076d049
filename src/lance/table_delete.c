/*
 * table_delete.c — deleting rows by a simple predicate (ids in a list, string equality). For
 * every fragment with matching live rows a new `.bin` deletion file lists all its deleted rows
 * (old and new); the next version points the fragments at them (a fully deleted fragment is
 * dropped) and records a Delete transaction, as LanceDB does. Conflicts re-run the delete.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "lance/deletion_write.h"
#include "lance/manifest_write.h"
#include "lance/table.h"
#include "lance/table_delete.h"
#include "lance/table_write.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* strcmp order of (s, len) against NUL-terminated v, as bytes. */
static int cmp_bytes_cstr(const uint8_t *s, size_t len, const char *v)
{
    size_t vl = strlen(v), n = len < vl ? len : vl;
    int c = memcmp(s, v, n);
    return c ? c : (len > vl) - (len < vl);
}

static int pred_match(const delete_pred *p, const lance_column *c, uint64_t row)
{
    if (!lance_column_is_valid(c, row)) return 0;
    if (p->type == LANCE_TYPE_INT64)
        return bsearch(&((const int64_t *)c->values)[row], p->ids, p->n_ids, sizeof *p->ids,
                       cmp_i64) != NULL;
    uint64_t len = c->offsets[row + 1] - c->offsets[row];
    const uint8_t *s = (const uint8_t *)c->data + c->offsets[row];
    if (!p->values)
        return len == p->value_len && !memcmp(s, p->value, (size_t)len);
    size_t lo = 0, hi = p->n_values; /* p->values sorted by strcmp */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = cmp_bytes_cstr(s, (size_t)len, p->values[mid]);
        if (!r) return 1;
        if (r < 0) hi = mid;
        else lo = mid + 1;
    }
    return 0;
}

/* Deleted row offsets of fragment `frag` after this delete (sorted): rows not live before plus
 * live rows that match. *n_new counts the latter. */
static int fragment_deleted(const cdx_table *view, size_t frag, const delete_pred *p,
                            uint32_t **out, size_t *n_out, uint64_t *n_new, cdx_error *err)
{
    lance_column col = {0};
    uint32_t *live = NULL;
    uint64_t nlive = 0, phys = view->manifest->fragments[frag]->physical_rows;
    *out = NULL;
    *n_out = 0;
    *n_new = 0;
    int rc = lance_table_read_fragment(view, frag, &col, &live, &nlive, err);
    if (rc) return rc;
    uint8_t *del = calloc((size_t)(phys / 8 + 1), 1);
    if (!del) rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", view->dir);
    for (uint64_t r = 0; del && r < phys; r++) del[r / 8] |= (uint8_t)(1u << (r % 8));
    for (uint64_t k = 0; del && k < nlive; k++) {
        int hit = pred_match(p, &col, k);
        if (!hit) del[live[k] / 8] &= (uint8_t)~(1u << (live[k] % 8));
        *n_new += (uint64_t)hit;
    }
    size_t count = 0;
    for (uint64_t r = 0; del && *n_new && r < phys; r++) count += del[r / 8] >> (r % 8) & 1;
    if (del && *n_new && !(*out = malloc((count + 1) * sizeof **out)))
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", view->dir);
    for (uint64_t r = 0; *out && r < phys; r++)
        if (del[r / 8] >> (r % 8) & 1) (*out)[(*n_out)++] = (uint32_t)r;
    free(del);
    free(live);
    lance_column_free(&col);
    return rc;
}

static Lance__Table__DeletionFile *deletion_msg(uint64_t read_version, uint64_t id, size_t n)
{
    Lance__Table__DeletionFile *d = malloc(sizeof *d);
    if (!d) return NULL;
    lance__table__deletion_file__init(d);
    d->file_type = LANCE__TABLE__DELETION_FILE__DELETION_FILE_TYPE__BITMAP;
    d->read_version = read_version;
    d->id = id;
    d->num_deleted_rows = n;
    return d;
}

void lance_txn_set_delete(Lance__Table__Transaction *txn, Lance__Table__Transaction__Delete *del,
                          const delete_plan *plan, const char *predicate) {
    txn->operation_case = LANCE__TABLE__TRANSACTION__OPERATION_DELETE;
    txn->delete_ = del;
    del->updated_fragments = plan->updated;
    del->n_updated_fragments = plan->n_updated;
    del->deleted_fragment_ids = plan->removed;
    del->n_deleted_fragment_ids = plan->n_removed;
    del->predicate = (char *)predicate;
}

void lance_delete_plan_free(delete_plan *p, int remove_files)
{
    for (size_t i = 0; i < p->n_files; i++) {
        if (remove_files) unlink(p->files[i]);
        free(p->files[i]);
    }
    free(p->files);
    free(p->updated);
    free(p->removed);
    memset(p, 0, sizeof *p);
}

int lance_delete_plan_build(const cdx_table *t, const lance_table_column *c, lance_head *head,
                       const delete_pred *p, delete_plan *plan, cdx_error *err)
{
    Lance__Table__Manifest *m = head->manifest;
    cdx_table view = {.dir = t->dir,
                      .manifest = m,
                      .latest = head->version,
                      .cols = (lance_table_column *)c,
                      .ncols = 1,
                      .durability = t->durability};
    size_t nf = m->n_fragments;
    plan->updated = calloc(nf + 1, sizeof *plan->updated);
    plan->removed = calloc(nf + 1, sizeof *plan->removed);
    plan->files = calloc(nf + 1, sizeof *plan->files);
    if (!plan->updated || !plan->removed || !plan->files)
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    int rc = 0;
    size_t keep = 0;
    for (size_t i = 0; !rc && i < nf; i++) {
        Lance__Table__DataFragment *f = m->fragments[i];
        uint32_t *dels = NULL;
        size_t nd = 0;
        uint64_t nnew = 0;
        rc = fragment_deleted(&view, i, p, &dels, &nd, &nnew, err);
        if (!rc && nnew && nd == f->physical_rows) { /* nothing left: drop the fragment */
            plan->removed[plan->n_removed++] = f->id;
            plan->deleted += nnew;
            lance__table__data_fragment__free_unpacked(f, NULL);
            m->fragments[i] = NULL;
            free(dels);
            continue;
        }
        if (!rc && nnew) {
            uint64_t id;
            lance_random_fill(&id, sizeof id);
            id >>= 1;
            char path[4400];
            snprintf(path, sizeof path, "%s/_deletions/%llu-%llu-%llu.bin", t->dir,
                     (unsigned long long)f->id, (unsigned long long)head->version,
                     (unsigned long long)id);
            rc = lance_deletion_write(t->dir, f->id, head->version, id, dels, nd, err);
            if (!rc && !(plan->files[plan->n_files] = strdup(path)))
                rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
            if (!rc) plan->n_files++;
            Lance__Table__DeletionFile *d = rc ? NULL : deletion_msg(head->version, id, nd);
            if (!rc && !d) rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
            if (!rc) {
                if (f->deletion_file) lance__table__deletion_file__free_unpacked(f->deletion_file, NULL);
                f->deletion_file = d;
                plan->updated[plan->n_updated++] = f;
                plan->deleted += nnew;
            }
        }
        free(dels);
    }
    for (size_t i = 0; i < nf; i++) /* close the gaps of dropped fragments */
        if (m->fragments[i]) m->fragments[keep++] = m->fragments[i];
    m->n_fragments = keep;
    return rc;
}

static int delete_where(cdx_table *t, const char *col, const delete_pred *p0, const char *predicate,
                        uint64_t *deleted, cdx_error *err)
{
    if (deleted) *deleted = 0;
    long ci = cdx_table_column_index(t, col ? col : "");
    if (ci < 0) return cdx_fail(err, CDX_ENOTFOUND, "%s: no column '%s'", t->dir, col);
    if (t->cols[ci].type != p0->type)
        return cdx_fail(err, CDX_EINVAL, "%s: column '%s' has another type", t->dir, col);
    lance_table_column c = t->cols[ci];
    char *cname = strdup(c.name);
    if (!cname) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    c.name = cname;
    int rc = 0;
    uint64_t version = 0, n = 0;
    for (int attempt = 0; !rc && !version; attempt++) {
        lance_head head;
        delete_plan plan = {0};
        rc = lance_head_load(t->dir, t->latest, &head, err);
        if (!rc && !head.version) rc = cdx_fail(err, CDX_ENOTFOUND, "%s: no table", t->dir);
        if (!rc) rc = lance_delete_plan_build(t, &c, &head, p0, &plan, err);
        if (!rc && plan.deleted == 0) { /* nothing matches: no new version */
            lance_head_free(&head);
            lance_delete_plan_free(&plan, 0);
            break;
        }
        if (!rc) {
            char uuid[37];
            Lance__Table__Transaction txn = LANCE__TABLE__TRANSACTION__INIT;
            Lance__Table__Transaction__Delete del = LANCE__TABLE__TRANSACTION__DELETE__INIT;
            lance_txn_begin(&txn, head.version, uuid);
            lance_txn_set_delete(&txn, &del, &plan, predicate);
            head.manifest->reader_feature_flags |= 1; /* deletion files */
            head.manifest->writer_feature_flags |= 1;
            if (lance_table_apply_metadata(t, head.manifest))
                rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
            lance_sync_set sync = {0}; /* the deletion files, synced with the commit's others */
            sync.off = t->durability == CDX_NO_SYNC;
            for (size_t k = 0; !rc && k < plan.n_files; k++)
                rc = lance_sync_set_add(&sync, plan.files[k], err);
            if (!rc) rc = lance_commit_version(t->dir, &head, head.manifest, &txn, &sync, err);
            lance_sync_set_free(&sync);
        }
        if (!rc) {
            version = head.version + 1;
            n = plan.deleted;
        }
        lance_delete_plan_free(&plan, rc != 0);
        lance_head_free(&head);
        if (rc == CDX_ECONFLICT && attempt < LANCE_COMMIT_RETRIES) {
            lance_commit_backoff(attempt);
            rc = 0;
        }
    }
    free(cname);
    if (!rc) rc = lance_table_reload(t, version, err);
    if (!rc && deleted) *deleted = n;
    return rc;
}

int cdx_table_delete_ids(cdx_table *t, const char *col, const int64_t *ids, size_t n,
                         uint64_t *deleted, cdx_error *err)
{
    if (n && !ids) return cdx_fail(err, CDX_EINVAL, "%s: NULL ids", t->dir);
    int64_t *sorted = malloc((n + 1) * sizeof *sorted);
    if (!sorted) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    if (n) memcpy(sorted, ids, n * sizeof *ids);
    qsort(sorted, n, sizeof *sorted, cmp_i64);
    delete_pred p = {.type = LANCE_TYPE_INT64, .ids = sorted, .n_ids = n};
    char predicate[96];
    snprintf(predicate, sizeof predicate, "%.40s IN (%zu ids)", col ? col : "", n);
    int rc = delete_where(t, col, &p, predicate, deleted, err);
    free(sorted);
    return rc;
}

int cdx_table_delete_eq_utf8(cdx_table *t, const char *col, const char *value,
                             uint64_t *deleted, cdx_error *err)
{
    if (!value) return cdx_fail(err, CDX_EINVAL, "%s: NULL value", t->dir);
    delete_pred p = {.type = LANCE_TYPE_UTF8, .value = value, .value_len = strlen(value)};
    size_t need = strlen(col ? col : "") + 2 * strlen(value) + 8;
    char *predicate = malloc(need);
    if (!predicate) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", t->dir);
    size_t o = (size_t)snprintf(predicate, need, "%s = '", col ? col : "");
    for (const char *s = value; *s; s++) { /* SQL quoting: ' becomes '' */
        if (*s == '\'') predicate[o++] = '\'';
        predicate[o++] = *s;
    }
    predicate[o++] = '\'';
    predicate[o] = 0;
    int rc = delete_where(t, col, &p, predicate, deleted, err);
    free(predicate);
    return rc;
}
