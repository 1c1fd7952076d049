/*
 * index.h — the pieces of the index job (cdx_index_run, index_job.c): what the table already
 * holds (index_state.c: one entry per row, looked up by file name and by content hash), reading
 * and hashing a file (index_file.c), writing a batch of rows (index_commit.c) and the lock that
 * keeps concurrent runs on one table apart (index_lock.c).
 */
#ifndef CDX_INDEXER_INDEX_H
#define CDX_INDEXER_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

/* One stored row, as the incremental check needs it (no vector). */
typedef struct index_row {
    char *name;
    int64_t file_id;
    int64_t size, mtime_ns; /* -1 when the table has no such column */
    char hash[65];          /* "" when unknown */
    uint64_t row_id;        /* LanceDB _rowid in the state's version */
} index_row;

/* The rows of the table at the version the run started from. */
typedef struct index_state {
    index_row *rows;
    size_t n;
    const index_row **by_hash; /* rows with a hash, sorted by hash */
    size_t n_by_hash;
    int64_t next_id;  /* first unused file_id (max + 1, or the recorded next id) */
    int full;         /* the table has clipdex's columns (size, mtime_ns, content_hash, ...) */
} index_state;

/* The column layout clipdex creates (the recipe's three columns first). */
extern const cdx_field index_fields[8];
#define INDEX_NFIELDS 8

/* Loads the state of table t (NULL: empty state). */
int index_state_load(const cdx_table *t, index_state *s, cdx_error *err);
void index_state_free(index_state *s);
/* The first row named `name`, or NULL. */
const index_row *index_state_find(const index_state *s, const char *name);
/* A row with content hash `hash`, or NULL. */
const index_row *index_state_find_hash(const index_state *s, const char *hash);

/* Reads all of `path` into *data (malloc'd) and its SHA-256 as 64 hex digits into hex. */
int index_file_read(const char *path, uint8_t **data, size_t *len, char hex[65], cdx_error *err);

/* A row to write: one image. */
typedef struct index_item {
    char *path;
    int64_t file_id, size, mtime_ns;
    int32_t width, height;
    char hash[65];
    int replaces;       /* a row of this name exists: the commit replaces it */
    uint64_t reuse_row; /* reuse: the _rowid whose vector to copy */
    int reuse;
    uint8_t *data;      /* bytes to embed (not reuse) */
    size_t len;
} index_item;

/* Copies the vectors of the items' reuse_row from table `from` into vecs (dim floats each,
 * row i for items[i]; only reuse items are touched). Fails when a row is missing. */
int index_fetch_vectors(const cdx_table *from, const index_item *items, size_t n, float *vecs,
                        size_t dim, cdx_error *err);

/* Appends items (those with ok[i]) with their vectors to t as one version, replacing the rows
 * of the same names. */
int index_commit(cdx_table *t, int full, const index_item *items, const uint8_t *ok, size_t n,
                 const float *vecs, size_t dim, cdx_error *err);

/* Called once when the lock is held by another run, with "waiting for another ... (pid N)". */
typedef void (*index_lock_wait_fn)(const char *message, void *user);

/* Takes the exclusive index lock of table `table` in database directory db (created when
 * missing), waiting for a holder unless no_wait (then CDX_ECONFLICT and *busy = 1). The lock is
 * held while *fd_out is open: release it with index_lock_release. */
int index_lock_acquire(const char *db, const char *table, int no_wait, index_lock_wait_fn fn,
                       void *user, int *fd_out, int *busy, cdx_error *err);
void index_lock_release(int fd);

#endif
