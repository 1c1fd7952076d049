/*
 * cmd_import.c — `clipdex import --db DIR --table NAME [--mode create|append|overwrite]
 * [--dim N] [--batch-rows N] < rows.jsonl`: bring your own vectors. JSON Lines rows from stdin
 * become a new table or are appended to one; a bad line fails the whole import (nothing
 * committed) with an error naming its line number and column.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clipdex.h"
#include "table_out.h"

static void import_usage(FILE *out)
{
    fputs("usage: clipdex import --db DIR --table NAME [--mode create|append|overwrite]\n"
          "                      [--dim N] [--batch-rows N] < rows.jsonl\n\n"
          "Reads JSON Lines from stdin, one object per row keyed by column name, into table\n"
          "NAME. Integer literals become int64 (exact), other numbers float64, strings utf8,\n"
          "arrays of numbers float32 vectors; null or a missing key is a null. --mode create\n"
          "(default) fails if the table exists; append adds to an existing table whose columns\n"
          "the rows must match; overwrite replaces the table's rows and schema in a new\n"
          "version. A new table's columns come from the first batch of rows (--batch-rows,\n"
          "default 8192); a column null throughout it is an error. --dim N (create/overwrite\n"
          "only) fixes every vector's length; otherwise the first array sets it. Blank lines\n"
          "are skipped. Any bad line fails the import and nothing is committed.\n"
          "Exit status: 0 ok, 1 the import failed, 2 usage error.\n",
          out);
}

typedef struct import_cli_opts {
    cli_table_args args;
    cdx_import_opts opts;
    int has_dim;
} import_cli_opts;

static int import_parse_mode(const char *v, cdx_import_mode *mode)
{
    if (!v) cli_errorf("--mode needs a value");
    else if (!strcmp(v, "create")) *mode = CDX_IMPORT_CREATE;
    else if (!strcmp(v, "append")) *mode = CDX_IMPORT_APPEND;
    else if (!strcmp(v, "overwrite")) *mode = CDX_IMPORT_OVERWRITE;
    else cli_errorf("--mode: '%s' is not create, append or overwrite", v);
    return !v || (strcmp(v, "create") != 0 && strcmp(v, "append") != 0 && strcmp(v, "overwrite") != 0) ? -1 : 0;
}

/* 0 parsed, 1 --help printed, -1 usage error (printed). */
static int import_parse(int argc, char **argv, import_cli_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            import_usage(stdout);
            return 1;
        } else if (cli_table_arg(argc, argv, &i, 0, &o->args)) {
            /* --db, --table: stored */
        } else if (!strcmp(a, "--mode")) {
            if (import_parse_mode(v, &o->opts.mode)) return -1;
            i++;
        } else if (!strcmp(a, "--dim") || !strcmp(a, "--batch-rows")) {
            if (cli_parse_u64(a, v, 0, &n)) return -1;
            if (n == 0 || n > (a[2] == 'd' ? UINT32_MAX : 1u << 24)) {
                cli_errorf("%s: '%s' is out of range", a, v);
                return -1;
            }
            if (a[2] == 'd') o->opts.dim = (uint32_t)n, o->has_dim = 1;
            else o->opts.batch_rows = (size_t)n;
            i++;
        } else {
            cli_errorf("import: unexpected argument '%s' (see 'clipdex import --help')", a);
            return -1;
        }
    }
    if (!o->args.db || !o->args.table) {
        cli_errorf("import: --db DIR and --table NAME are required");
        return -1;
    }
    if (o->has_dim && o->opts.mode == CDX_IMPORT_APPEND) {
        cli_errorf("import: --dim is only for creating a table (the table fixes it on append)");
        return -1;
    }
    return 0;
}

int cmd_import(int argc, char **argv)
{
    import_cli_opts o = {0};
    int p = import_parse(argc, argv, &o);
    if (p) return p > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    cdx_error err = {0};
    uint64_t rows = 0, version = 0;
    const char *table = o.args.table;
    if (cdx_table_import_jsonl(o.args.db, table, 0, "stdin", &o.opts, &rows, &version, &err)) {
        cli_errorf("import into table '%s' failed, nothing committed: %s", table, err.message);
        return CLI_EXIT_PARTIAL;
    }
    fprintf(stderr, "clipdex: imported %llu rows into table '%s' (version %llu)\n",
            (unsigned long long)rows, table, (unsigned long long)version);
    return CLI_EXIT_OK;
}
