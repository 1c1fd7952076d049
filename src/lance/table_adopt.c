/*
 * table_adopt.c — moving a staged table's fragments into another table in one commit. The data
 * files are hard-linked (never copied) into the target's data/ directory first, then a manifest
 * with the staged schema and renumbered fragments is committed with an Overwrite transaction,
 * as LanceDB commits create_table(data) and mode="overwrite".
 */
#include "lance/table_adopt.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "lance/commit.h"
#include "lance/manifest_write.h"
#include "lance/table_write.h"

void lance_table_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char path[4400];
            if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path)
                continue;
            if (unlink(path) && (errno == EISDIR || errno == EPERM)) {
                DIR *sub = opendir(path);
                struct dirent *f;
                while (sub && (f = readdir(sub))) {
                    char file[4700];
                    if ((size_t)snprintf(file, sizeof file, "%s/%s", path, f->d_name) < sizeof file)
                        unlink(file);
                }
                if (sub) closedir(sub);
                rmdir(path);
            }
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Links (or, undo != 0, unlinks) the data files of m from stage/data to table/data. */
static int adopt_link_files(const char *table_dir, const char *stage_dir,
                            const Lance__Table__Manifest *m, int undo, cdx_error *err)
{
    for (size_t i = 0; i < m->n_fragments; i++) {
        const Lance__Table__DataFragment *f = m->fragments[i];
        for (size_t j = 0; j < f->n_files; j++) {
            const char *name = f->files[j]->path;
            char from[4400], to[4400];
            if (!name || strchr(name, '/') ||
                (size_t)snprintf(from, sizeof from, "%s/data/%s", stage_dir, name) >= sizeof from ||
                (size_t)snprintf(to, sizeof to, "%s/data/%s", table_dir, name) >= sizeof to) {
                if (!undo) return cdx_fail(err, CDX_EINVAL, "%s: bad staged data file", stage_dir);
                continue;
            }
            if (undo) unlink(to);
            else if (link(from, to))
                return cdx_fail(err, CDX_EIO, "%s: cannot link staged data file: %s", to,
                                strerror(errno));
        }
    }
    return 0;
}

/* One commit attempt on the target's current head with a fresh copy of the staged manifest. */
static int adopt_commit_once(const char *table_dir, const char *stage_dir, int overwrite,
                             uint64_t *version, cdx_error *err)
{
    lance_head head, stage;
    int rc = lance_head_load(table_dir, 0, &head, err);
    if (rc) return rc;
    if (head.version && !overwrite) {
        lance_head_free(&head);
        return cdx_fail(err, CDX_EEXIST, "%s: table exists", table_dir);
    }
    if ((rc = lance_head_load(stage_dir, 0, &stage, err))) {
        lance_head_free(&head);
        return rc;
    }
    Lance__Table__Manifest *m = stage.manifest;
    uint64_t next = head.manifest ? lance_manifest_next_fragment_id(head.manifest) : 0;
    if (next + m->n_fragments > UINT32_MAX) rc = cdx_fail(err, CDX_ETOOLARGE,
                                                          "%s: fragment ids exhausted", table_dir);
    for (size_t i = 0; !rc && i < m->n_fragments; i++) m->fragments[i]->id = next + i;
    m->_max_fragment_id_case = LANCE__TABLE__MANIFEST___MAX_FRAGMENT_ID__NOT_SET;
    if (next + m->n_fragments > 0) { /* fragment ids stay unique over the table's history */
        m->_max_fragment_id_case = LANCE__TABLE__MANIFEST___MAX_FRAGMENT_ID_MAX_FRAGMENT_ID;
        m->max_fragment_id = (uint32_t)(next + m->n_fragments - 1);
    }
    char uuid[37];
    Lance__Table__Transaction txn = LANCE__TABLE__TRANSACTION__INIT;
    Lance__Table__Transaction__Overwrite ow = LANCE__TABLE__TRANSACTION__OVERWRITE__INIT;
    lance_txn_begin(&txn, head.version, uuid);
    lance_txn_set_overwrite(&txn, &ow, m);
    lance_head empty = {head.version, NULL, NULL, 0}; /* an overwrite drops the indices */
    /* The staged files were synced by the staging commit; their new links in data/ must be
     * durable before the manifest that names them. */
    lance_sync_set sync = {0};
    char data_dir[4400];
    snprintf(data_dir, sizeof data_dir, "%s/data", table_dir);
    if (!rc) rc = lance_sync_set_add_dir(&sync, data_dir, err);
    if (!rc) rc = lance_commit_version(table_dir, &empty, m, &txn, &sync, err);
    lance_sync_set_free(&sync);
    if (!rc) *version = head.version + 1;
    lance_head_free(&stage);
    lance_head_free(&head);
    return rc;
}

int lance_table_adopt(const char *table_dir, const char *stage_dir, int overwrite,
                      uint64_t *version, cdx_error *err)
{
    lance_head stage;
    int rc = lance_head_load(stage_dir, 0, &stage, err);
    if (rc) return rc;
    if (!stage.version) {
        lance_head_free(&stage);
        return cdx_fail(err, CDX_ENOTFOUND, "%s: nothing staged", stage_dir);
    }
    char data[4400];
    snprintf(data, sizeof data, "%s/data", table_dir);
    int made_table = access(table_dir, F_OK) != 0, made_data = access(data, F_OK) != 0;
    rc = lance_mkdir(table_dir, err);
    if (!rc) rc = lance_mkdir(data, err);
    if (!rc) rc = adopt_link_files(table_dir, stage_dir, stage.manifest, 0, err);
    for (int attempt = 0; !rc; attempt++) {
        rc = adopt_commit_once(table_dir, stage_dir, overwrite, version, err);
        if (!rc) break;
        if (rc == CDX_ECONFLICT && !overwrite)
            rc = cdx_fail(err, CDX_EEXIST, "%s: table exists", table_dir);
        if (rc != CDX_ECONFLICT || attempt >= LANCE_COMMIT_RETRIES) break;
        lance_commit_backoff(attempt);
        rc = 0;
    }
    if (rc) {
        adopt_link_files(table_dir, stage_dir, stage.manifest, 1, NULL);
        if (made_data) rmdir(data);
        if (made_table) { /* rmdir only removes what is still empty */
            char sub[4400];
            snprintf(sub, sizeof sub, "%s/_transactions", table_dir);
            rmdir(sub);
            snprintf(sub, sizeof sub, "%s/_versions", table_dir);
            rmdir(sub);
            rmdir(table_dir);
        }
    }
    lance_head_free(&stage);
    return rc;
}
