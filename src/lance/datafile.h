/*
 * datafile.h — reading Lance v2 data files (format 2.0 and 2.1): the 40-byte footer, the column
 * metadata and global buffer offset tables, the FileDescriptor (schema + row count) and the
 * pages of each column, which are handed to the page decoders (page21.h).
 */
#ifndef CDX_LANCE_DATAFILE_H
#define CDX_LANCE_DATAFILE_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"
#include "file.pb-c.h"
#include "lance/column.h"

typedef struct lance_datafile lance_datafile;

/* Reads and validates the data file at `path`. Close with lance_datafile_close. */
int lance_datafile_open(const char *path, lance_datafile **out, cdx_error *err);

/* Same over bytes the caller keeps alive until close; `name` is used in messages. */
int lance_datafile_open_mem(const char *name, const uint8_t *data, size_t len,
                            lance_datafile **out, cdx_error *err);

void lance_datafile_close(lance_datafile *df);

uint32_t lance_datafile_num_columns(const lance_datafile *df);
uint64_t lance_datafile_num_rows(const lance_datafile *df);
/* Minor format version: 0 for 2.0 files, 1 for 2.1. */
int lance_datafile_minor(const lance_datafile *df);
/* The file's schema (global buffer 0). */
const Lance__File__Schema *lance_datafile_schema(const lance_datafile *df);

/* Decodes every page of column `column` as `type`/`dim` and concatenates them into `out`
 * (freed with lance_column_free); `out` owns its values and outlives the file. */
int lance_datafile_read_column(const lance_datafile *df, uint32_t column, lance_type type,
                               uint32_t dim, lance_column *out, cdx_error *err);

/* Decodes each page of column `column` separately into *pages (malloc'd array of *npages;
 * release with lance_datafile_free_pages). Fixed-width pages without nulls are views into the
 * file's bytes (`borrowed`), valid until lance_datafile_close; the others own their values. The
 * pages' rows add up to the file's row count. */
int lance_datafile_read_pages(const lance_datafile *df, uint32_t column, lance_type type,
                              uint32_t dim, lance_column **pages, size_t *npages, cdx_error *err);
void lance_datafile_free_pages(lance_column *pages, size_t npages);

#endif
