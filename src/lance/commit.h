/*
 * commit.h — committing a new table version the way Lance does on a local file system: data and
 * deletion files first, then the transaction file, then the manifest of version N+1 created only
 * if absent (written to a temporary name, fsync'd, link()ed to its final name), then the hint.
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

/* Loads the latest version of `table_dir`; a missing or empty `_versions/` gives version 0. */
int lance_head_load(const char *table_dir, lance_head *h, cdx_error *err);
void lance_head_free(lance_head *h);

/* Serializes a manifest file: [index section][u32 len | txn][u32 len | manifest][footer]. Sets
 * m's index_section / transaction_section offsets. *out is malloc'd (caller frees). */
int lance_manifest_encode(Lance__Table__Manifest *m, const uint8_t *index_section,
                          size_t index_len, const Lance__Table__Transaction *txn, uint8_t **out,
                          size_t *len, cdx_error *err);

/* Creates `_versions/<V2 name of version>` with `data` if it does not exist yet: CDX_ECONFLICT
 * when another writer committed that version first. Never leaves a partial manifest. */
int lance_commit_manifest(const char *table_dir, uint64_t version, const uint8_t *data,
                          size_t len, cdx_error *err);

/* Writes `_transactions/<read_version>-<uuid>.txn` (raw Transaction protobuf, fsync'd) and
 * returns its name (malloc'd) in *name. */
int lance_txn_write(const char *table_dir, const Lance__Table__Transaction *txn, char **name,
                    cdx_error *err);

/* Best effort: `_versions/latest_version_hint.json` = {"version":N}, replaced atomically. */
void lance_hint_write(const char *table_dir, uint64_t version);

/* Creates `path` (must not exist) with `data`, fsync'd. */
int lance_write_file_durable(const char *path, const void *data, size_t len, cdx_error *err);

/* Fills buf with random bytes (getrandom, falling back to time and pid mixing). */
void lance_random_fill(void *buf, size_t len);

/* A random RFC 4122 version-4 UUID as 36 characters plus NUL. */
void lance_uuid_string(char out[37]);

/* mkdir -p for one level: succeeds when the directory exists. */
int lance_mkdir(const char *path, cdx_error *err);

#endif
