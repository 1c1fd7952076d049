/*
 * cmd_tables.c — `clipdex tables --db DIR [--json]`: one line per table of a database
 * directory with its live row count and latest version (JSON Lines with --json).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clipdex.h"
#include "table_out.h"

static void tables_usage(FILE *out)
{
    fputs("usage: clipdex tables --db DIR [--json]\n\n"
          "Lists the LanceDB tables in DIR (entries <name>.lance/): name, live rows, latest\n"
          "version. --json prints JSON Lines {\"name\":…,\"rows\":…,\"version\":…}.\n"
          "Exit status: 0 ok, 1 the directory or a table could not be read, 2 usage error.\n",
          out);
}

int cmd_tables(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            tables_usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else {
            cli_errorf("tables: unexpected argument '%s' (see 'clipdex tables --help')", argv[i]);
            return CLI_EXIT_USAGE;
        }
    }
    if (!db) {
        cli_errorf("tables: --db DIR is required");
        return CLI_EXIT_USAGE;
    }
    char **names = NULL;
    size_t count = 0;
    cdx_error err = {0};
    if (cdx_db_list_tables(db, &names, &count, &err) != CDX_OK) {
        cli_errorf("%s", err.message);
        return CLI_EXIT_PARTIAL;
    }
    int status = CLI_EXIT_OK;
    if (!json && count) printf("%-32s %12s %8s\n", "name", "rows", "version");
    for (size_t i = 0; i < count; i++) {
        cdx_table *t = NULL;
        if (cli_open_table(db, names[i], 0, &t)) {
            status = CLI_EXIT_PARTIAL;
            continue;
        }
        unsigned long long rows = (unsigned long long)cdx_table_num_rows(t);
        unsigned long long version = (unsigned long long)cdx_table_version(t);
        if (json) {
            fputs("{\"name\":", stdout);
            cli_json_string(stdout, names[i], strlen(names[i]));
            printf(",\"rows\":%llu,\"version\":%llu}\n", rows, version);
        } else {
            printf("%-32s %12llu %8llu\n", names[i], rows, version);
        }
        cdx_table_close(t);
    }
    cdx_db_free_names(names, count);
    return status;
}
