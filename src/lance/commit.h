/*
 * commit.h — committing a new table version the way Lance does on a local file system: data and
 * deletion files first, then the transaction file, then the manifest of version N+1 created only
 * if absent (written to a temporary name, link()ed to its final name), then the hint. Syncs are
 * batched: everything a commit references is made durable in one pass just before the link.
 */
#ifndef CDX_LANCE_COMMIT_H
#define CDX_LANCE_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"
#include "table.pb-c.h"
#include "transaction.pb-c.h"

/* The latest committed version of a table as a writer needs it: the parsed manifest (NULL and
 * version 0 when the table has no version yet) and the raw bytes of its index section
 * (u32 length + IndexSection protobuf), which are copied verbatim into the next manifest. */
typedef struct lance_head {
    uint64_t version;
    Lance__Table__Manifest *manifest;
    uint8_t *index_section;
    size_t index_section_len;
} lance_head;

/* Loads the latest version of `table_dir`; a missing or empty `_versions/` gives version 0.
 * `known` (0 = none) is a version the caller knows was committed: the head is then found by
 * probing the names of known+1, known+2, … (O(1) per commit, like lance's hint) instead of
 * listing `_versions/`; a table whose `known` manifest is gone falls back to the listing. */
int lance_head_load(const char *table_dir, uint64_t known, lance_head *h, cdx_error *err);
void lance_head_free(lance_head *h);

/* Serializes a manifest file: [index section][u32 len | txn][u32 len | manifest][footer]. Sets
 * m's index_section / transaction_section offsets. *out is malloc'd (caller frees). */
int lance_manifest_encode(Lance__Table__Manifest *m, const uint8_t *index_section,
                          size_t index_len, const Lance__Table__Transaction *txn, uint8_t **out,
                          size_t *len, cdx_error *err);

/* Files written for a commit but not synced yet, and the directories holding them. */
/* `off` (CDX_NO_SYNC) keeps the list but syncs nothing: the commit then issues no fsync or
 * fdatasync at all, and only the order of writes, closes and the link protects it. */
typedef struct lance_sync_set {
    char **files, **dirs;
    size_t nfiles, ndirs, cap_files, cap_dirs;
    int off;
} lance_sync_set;

/* Adds `file` (and its directory, once) to the set. */
int lance_sync_set_add(lance_sync_set *s, const char *file, cdx_error *err);
/* Adds a directory whose new entries must become durable. */
int lance_sync_set_add_dir(lance_sync_set *s, const char *dir, cdx_error *err);
void lance_sync_set_free(lance_sync_set *s);

/* Creates `_versions/<V2 name of version>` with `data` if it does not exist yet: CDX_ECONFLICT
 * when another writer committed that version first. Never leaves a partial manifest. Before the
 * link makes the version visible, the files of `pending` (may be NULL), the manifest's temporary
 * file and `pending`'s directories are synced; after it, `_versions/`. Nothing is synced when
 * `pending->off`. */
int lance_commit_manifest(const char *table_dir, uint64_t version, const uint8_t *data,
                          size_t len, const lance_sync_set *pending, cdx_error *err);

/* Writes `_transactions/<read_version>-<uuid>.txn` (raw Transaction protobuf, NOT synced: it
 * is added to `pending`, which lance_commit_manifest syncs) and returns its name (malloc'd). */
int lance_txn_write(const char *table_dir, const Lance__Table__Transaction *txn, char **name,
                    lance_sync_set *pending, cdx_error *err);

/* Starts `txn` (zero-initialised by the caller) as a transaction read at `read_version` with a
 * fresh UUID written to `uuid`, which must outlive txn. */
void lance_txn_begin(Lance__Table__Transaction *txn, uint64_t read_version, char uuid[37]);

/* Makes txn an Overwrite whose new schema and fragments are m's (ow must outlive txn). */
void lance_txn_set_overwrite(Lance__Table__Transaction *txn,
                             Lance__Table__Transaction__Overwrite *ow,
                             const Lance__Table__Manifest *m);

/* Best effort: `_versions/latest_version_hint.json` = {"version":N}, replaced atomically. */
void lance_hint_write(const char *table_dir, uint64_t version);

/* Creates `path` (must not exist) with `data`, fdatasync'd when `sync`. */
int lance_write_file(const char *path, const void *data, size_t len, int sync, cdx_error *err);

/* Fills buf with random bytes (getrandom, falling back to time and pid mixing). */
void lance_random_fill(void *buf, size_t len);

/* A random RFC 4122 version-4 UUID as 36 characters plus NUL. */
void lance_uuid_string(char out[37]);

/* mkdir -p for one level: succeeds when the directory exists. */
int lance_mkdir(const char *path, cdx_error *err);

#endif
