/*
 * deletion.h — Lance deletion files: `_deletions/{fragment}-{read_version}-{id}.arrow` (Arrow
 * IPC file, one UInt32 column of deleted row offsets, buffers optionally zstd-compressed) and
 * `.bin` (portable Roaring bitmap). Both become a "keep" bitmap over the fragment's rows.
 */
#ifndef CDX_LANCE_DELETION_H
#define CDX_LANCE_DELETION_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

/* Clears, in `keep` (LSB-first, `rows` bits, set = row live), the bit of every row offset listed
 * in the Arrow IPC deletion file bytes. Offsets >= rows are corrupt. */
int lance_deletion_apply_arrow(const char *name, const uint8_t *data, size_t len, uint8_t *keep,
                               uint64_t rows, cdx_error *err);

/* Same for a portable-serialized Roaring bitmap (`.bin`). */
int lance_deletion_apply_roaring(const char *name, const uint8_t *data, size_t len,
                                 uint8_t *keep, uint64_t rows, cdx_error *err);

#endif
