/*
 * deletion_write.h — writing Lance deletion files. clipdex writes the `.bin` kind (a portable
 * Roaring bitmap of deleted row offsets, DeletionFile type BITMAP), which LanceDB reads for any
 * number of deleted rows (it writes it itself above 5,000).
 */
#ifndef CDX_LANCE_DELETION_WRITE_H
#define CDX_LANCE_DELETION_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

/* Serializes the sorted, distinct offsets[0..n) as a portable Roaring bitmap (cookie 12346, no
 * run containers). *out is malloc'd (caller frees). */
int lance_roaring_serialize(const uint32_t *offsets, size_t n, uint8_t **out, size_t *len,
                            cdx_error *err);

/* Writes `_deletions/<fragment>-<read_version>-<id>.bin` under table_dir, NOT synced: the
 * caller adds it to the commit's lance_sync_set. */
int lance_deletion_write(const char *table_dir, uint64_t fragment, uint64_t read_version,
                         uint64_t id, const uint32_t *offsets, size_t n, cdx_error *err);

#endif
