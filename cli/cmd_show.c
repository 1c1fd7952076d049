/*
 * cmd_show.c — `clipdex show --db DIR --table NAME [--version N] [--limit N] [--json]`: the
 * live rows of a table (at any version), tab-separated or as JSON Lines whose numbers read back
 * exactly (int64 in full, float32 vectors bit-exact, nulls as null).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clipdex.h"
#include "table_out.h"

static void show_usage(FILE *out)
{
    fputs("usage: clipdex show --db DIR --table NAME [--version N] [--limit N] [--json]\n\n"
          "Prints the rows of table NAME (all of them unless --limit), at its latest version or\n"
          "at version N. --json prints JSON Lines keyed by column name; vectors in full with\n"
          "digits enough to read back the same float32, nulls as null.\n"
          "Exit status: 0 ok, 1 the table could not be read, 2 usage error.\n",
          out);
}

typedef struct show_opts {
    cli_table_args args;
    uint64_t version, limit;
    int has_limit;
} show_opts;

/* 0 parsed, 1 --help printed, -1 usage error (printed). */
static int show_parse(int argc, char **argv, show_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            show_usage(stdout);
            return 1;
        } else if (cli_table_arg(argc, argv, &i, 1, &o->args)) {
            /* --db, --table, --json: stored */
        } else if (!strcmp(a, "--version")) {
            if (cli_parse_u64(a, v, 0, &o->version)) return -1;
            if (o->version == 0) {
                cli_errorf("--version: versions start at 1");
                return -1;
            }
            i++;
        } else if (!strcmp(a, "--limit")) {
            if (cli_parse_u64(a, v, 0, &o->limit)) return -1;
            o->has_limit = 1;
            i++;
        } else {
            cli_errorf("show: unexpected argument '%s' (see 'clipdex show --help')", a);
            return -1;
        }
    }
    if (!o->args.db || !o->args.table) {
        cli_errorf("show: --db DIR and --table NAME are required");
        return -1;
    }
    return 0;
}

int cmd_show(int argc, char **argv)
{
    show_opts o = {0};
    int rc = show_parse(argc, argv, &o);
    if (rc) return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    cdx_table *t = NULL;
    if (cli_open_table(o.args.db, o.args.table, o.version, &t)) return CLI_EXIT_PARTIAL;
    cdx_scan *s = NULL;
    cdx_error err = {0};
    int status = CLI_EXIT_OK;
    if (cdx_scan_open(t, &s, &err) != CDX_OK) {
        cli_errorf("%s", err.message);
        cdx_table_close(t);
        return CLI_EXIT_PARTIAL;
    }
    if (!o.args.json) {
        cli_text_header(stdout, t, 0);
        putchar('\n');
    }
    uint64_t printed = 0;
    const cdx_batch *b = NULL;
    while (!(o.has_limit && printed >= o.limit)) {
        if (cdx_scan_next(s, &b, &err) != CDX_OK) {
            cli_errorf("%s", err.message);
            status = CLI_EXIT_PARTIAL;
            break;
        }
        if (!b) break;
        for (uint64_t r = 0; r < cdx_batch_num_rows(b) && !(o.has_limit && printed >= o.limit);
             r++, printed++) {
            cli_print_row(stdout, t, b, r, 0, o.args.json);
            putchar('\n');
        }
    }
    cdx_scan_close(s);
    cdx_table_close(t);
    if (fflush(stdout)) status = CLI_EXIT_PARTIAL;
    return status;
}
