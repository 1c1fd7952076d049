/*
 * writer.h — writing one Lance v2 data file (format 2.0 or 2.1) from batches of columns.
 * Batches stream: pages are encoded and written as columns fill (a few MiB per column), only the
 * column metadata is kept until lance_writer_finish writes the FileDescriptor, the metadata
 * tables and the footer. The file is written under a temporary name, fsync'd and renamed to its
 * final path by finish; committing it to a table (the manifest) is the caller's business.
 */
#ifndef CDX_LANCE_WRITER_H
#define CDX_LANCE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"
#include "lance/column.h"

/* One top-level field of the file's schema. `id` is the manifest field id (the table layer
 * assigns them); `dim` is used for LANCE_TYPE_FSL_F32 only. */
typedef struct lance_field_desc {
    const char *name;
    int32_t id;
    lance_type type;
    uint32_t dim;
    int nullable;
} lance_field_desc;

/* What a finished file holds, for the manifest's DataFile entry (file_major/minor_version are
 * 2/0 or 2/1; column i holds field i). */
typedef struct lance_write_info {
    uint64_t rows;
    uint64_t file_size;
    uint32_t major, minor;
} lance_write_info;

typedef struct lance_writer lance_writer;

/* Writes the Lance logical type of `f` ("int64", "string", "fixed_size_list:float:768", …)
 * into buf; returns 0, or -1 when it does not fit. */
int lance_logical_type(const lance_field_desc *f, char *buf, size_t size);

/* Starts a data file at `path` (written as `path.tmp-*` until finish) for `n_fields` fields in
 * format 2.`version_minor` (0 or 1). The fields (names included) are copied. */
int lance_writer_open(const char *path, const lance_field_desc *fields, size_t n_fields,
                      int version_minor, lance_writer **out, cdx_error *err);

/* Sets the size (bytes of values) at which a column's buffered rows are written as a page;
 * default 8 MiB. Smaller values make more, smaller pages (tests use this). */
void lance_writer_set_page_bytes(lance_writer *w, size_t bytes);

/* Whether finish makes the file durable itself (fdatasync + directory fsync; the default).
 * The table layer turns it off and syncs all of a commit's files in one pass (commit.h). */
void lance_writer_set_sync(lance_writer *w, int sync);

/* Whether each batch is written as pages straight from the caller's columns (no staging copy;
 * default off). For callers that add one batch per file: many small batches would make as many
 * small pages. */
void lance_writer_set_direct(lance_writer *w, int direct);

/* Adds one batch: cols[i] is field i, every column has the same length, type and dim as
 * declared, and a non-nullable field has no nulls. The columns are not kept. */
int lance_writer_add(lance_writer *w, const lance_column *cols, cdx_error *err);

/* Writes the rest, syncs (unless turned off), renames to the final path and frees `w` (also on failure, when the
 * temporary file is removed). `info` may be NULL. */
int lance_writer_finish(lance_writer *w, lance_write_info *info, cdx_error *err);

/* Discards the writer and its temporary file. Safe on NULL. */
void lance_writer_abort(lance_writer *w);

#endif
