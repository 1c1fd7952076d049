/*
 * table_out.h — printing table rows for the `show` and `search` subcommands, as JSON Lines or in
 * a tab-separated human form (table_out.c), plus the option parsing and table opening that
 * `tables`, `show`, `search` and `import` share.
 */
#ifndef CDX_CLI_TABLE_OUT_H
#define CDX_CLI_TABLE_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clipdex.h"
#include "json_lines.h"

/* Prints the column names, tab-separated (no newline); vectors left out with skip_vectors. */
void cli_text_header(FILE *out, const cdx_table *t, int skip_vectors);
/* Prints row `row` of batch `b` (no newline): with json, one JSON object keyed by column name,
 * vectors in full; otherwise the values tab-separated, vectors abbreviated to their first values
 * and their dimension. Vector columns are left out with skip_vectors. */
void cli_print_row(FILE *out, const cdx_table *t, const cdx_batch *b, uint64_t row,
                   int skip_vectors, int json);

/* The arguments `show`, `search` and `import` share. */
typedef struct cli_table_args {
    const char *db, *table;
    int json;
} cli_table_args;

/* Takes argv[*i] if it is --db DIR, --table NAME or (when json_ok) --json: stores it, steps *i
 * past its value and returns 1. Returns 0 for anything else, --db/--table without a value too. */
int cli_table_arg(int argc, char **argv, int *i, int json_ok, cli_table_args *out);

/* Opens table `name` of `db` at `version` (0 = latest); prints the error on failure. */
int cli_open_table(const char *db, const char *name, uint64_t version, cdx_table **out);

#endif
