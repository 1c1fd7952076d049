/*
 * table_write.h — shared pieces of the table write layer (table_write.c, table_delete.c):
 * moving a cdx_table handle to a newly committed version, and retry back-off for commits.
 */
#ifndef CDX_LANCE_TABLE_WRITE_H
#define CDX_LANCE_TABLE_WRITE_H

#include "clipdex.h"
#include "lance/commit.h"

/* How often a commit that lost a race is rebuilt on the new latest version and retried. */
#define LANCE_COMMIT_RETRIES 200

/* Reopens `t` at `version` of its table (0 = latest), in place. */
int lance_table_reload(cdx_table *t, uint64_t version, cdx_error *err);

/* Sleeps a short randomised time that grows with `attempt`. */
void lance_commit_backoff(int attempt);

/* Writes the transaction file, stamps m as version head->version + 1 and commits it with the
 * head's index section and the inline transaction; `pending` (may be NULL) lists the unsynced
 * files the version references, synced with the transaction file before the manifest link.
 * CDX_ECONFLICT: another writer won. */
int lance_commit_version(const char *table_dir, const lance_head *head, Lance__Table__Manifest *m,
                         Lance__Table__Transaction *txn, const lance_sync_set *pending,
                         cdx_error *err);

#endif
