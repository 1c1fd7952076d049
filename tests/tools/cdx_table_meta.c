/*
 * cdx_table_meta.c — test tool: prints the value of table metadata KEY of DB/TABLE (latest
 * version), or "(absent)", so script tests see what clipdex recorded after LanceDB's commits.
 * Usage: cdx_table_meta DB TABLE KEY
 */
#include <stdio.h>

#include "clipdex.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: cdx_table_meta DB TABLE KEY\n");
        return 2;
    }
    cdx_table *t;
    cdx_error err = {0};
    if (cdx_table_open(argv[1], argv[2], 0, &t, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    const char *v = cdx_table_metadata(t, argv[3]);
    printf("%s\n", v ? v : "(absent)");
    cdx_table_close(t);
    return 0;
}
