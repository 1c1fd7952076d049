/*
 * table_delete.h — planning a delete on one head manifest (table_delete.c): which live rows
 * match a predicate, the deletion files that record them, and the fragments to update or drop.
 * Shared by plain deletes and by the appender's replace commit (delete + append in one version).
 */
#ifndef CDX_LANCE_TABLE_DELETE_H
#define CDX_LANCE_TABLE_DELETE_H

#include "lance/commit.h"
#include "lance/table.h"

/* What a delete matches in one column: int64 ids (sorted), one utf8 value, or a set of utf8
 * values (sorted by strcmp). */
typedef struct delete_pred {
    lance_type type;
    const int64_t *ids;
    size_t n_ids;
    const char *value;
    size_t value_len;
    const char *const *values;
    size_t n_values;
} delete_pred;

typedef struct delete_plan {
    Lance__Table__DataFragment **updated;
    size_t n_updated;
    uint64_t *removed;
    size_t n_removed;
    char **files; /* deletion files written, removed again if the commit fails */
    size_t n_files;
    uint64_t deleted;
} delete_plan;

/* Applies predicate p on column c (of table t) to every fragment of head's manifest, writing
 * deletion files and updating the manifest in place (fully deleted fragments are dropped). */
int lance_delete_plan_build(const cdx_table *t, const lance_table_column *c, lance_head *head,
                            const delete_pred *p, delete_plan *plan, cdx_error *err);
/* Makes txn a Delete of the plan's fragments (del is caller storage that txn points to). */
void lance_txn_set_delete(Lance__Table__Transaction *txn, Lance__Table__Transaction__Delete *del,
                          const delete_plan *plan, const char *predicate);
/* Frees the plan; remove_files also unlinks the deletion files it wrote. */
void lance_delete_plan_free(delete_plan *p, int remove_files);

#endif
