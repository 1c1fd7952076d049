/*
 * table_adopt.h — committing the rows of a private staging table as ONE version of another
 * table of the same database: its creation, or an overwrite. Lets a long import stream rows to
 * disk with bounded memory and still make them visible atomically (or not at all).
 */
#ifndef CDX_LANCE_TABLE_ADOPT_H
#define CDX_LANCE_TABLE_ADOPT_H

#include <stdint.h>

#include "clipdex.h"

/* Hard-links the data files of the latest version of `stage_dir` into `table_dir`/data and
 * commits its schema and fragments as the next version of `table_dir`: version 1 when
 * `overwrite` is 0 (CDX_EEXIST if the table has a version), else an Overwrite of the latest
 * version (retried when a concurrent writer wins). Both directories must be on one file system.
 * On failure nothing is committed and the links (and directories made) are removed.
 * *version gets the committed version. */
int lance_table_adopt(const char *table_dir, const char *stage_dir, int overwrite,
                      uint64_t *version, cdx_error *err);

/* Removes a staging table directory and everything under it (two levels: the table's
 * subdirectories and their files). Best effort. */
void lance_table_remove_dir(const char *dir);

#endif
