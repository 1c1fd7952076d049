/*
 * manifest_write.h — building the protobuf messages of a new table version: schema fields, data
 * fragments, the version stamp (timestamp, writer version, transaction file) and transactions.
 * Every message and string is malloc'd separately, so a manifest mixing unpacked and built parts
 * is released by lance__table__manifest__free_unpacked(m, NULL).
 */
#ifndef CDX_LANCE_MANIFEST_WRITE_H
#define CDX_LANCE_MANIFEST_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"
#include "lance/writer.h"
#include "table.pb-c.h"
#include "transaction.pb-c.h"

/* One committed-to-be data file of a fragment. */
typedef struct lance_new_file {
    char *name; /* under data/ */
    uint64_t rows, size;
    uint32_t major, minor;
} lance_new_file;

/* A top-level schema field message for `f` (NULL when out of memory). */
Lance__File__Field *lance_field_msg_new(const lance_field_desc *f);

/* A fragment `id` holding one data file with the given fields (NULL when out of memory). */
Lance__Table__DataFragment *lance_fragment_msg_new(uint64_t id, const lance_new_file *file,
                                                   const lance_field_desc *fields, size_t n);

/* A fresh manifest with `n` fields and data format 2.`minor` (NULL when out of memory). */
Lance__Table__Manifest *lance_manifest_new(const lance_field_desc *fields, size_t n, int minor);

/* Appends `frag` (ownership moves to m, also on failure when it is freed). */
int lance_manifest_push_fragment(Lance__Table__Manifest *m, Lance__Table__DataFragment *frag);

/* Sets version, timestamp (now), writer_version (clipdex) and transaction_file of m. */
int lance_manifest_stamp(Lance__Table__Manifest *m, uint64_t version, const char *txn_file);

/* The first unused fragment id of m (max_fragment_id + 1, or above every fragment id). */
uint64_t lance_manifest_next_fragment_id(const Lance__Table__Manifest *m);

/* Frees a transaction built by the writer: its operation struct and arrays, not the fragments
 * and fields it borrows from a manifest. */
void lance_txn_free_shallow(Lance__Table__Transaction *t);

#endif
