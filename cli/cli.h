/*
 * cli.h — the clipdex command-line tool: one function per subcommand, each a thin layer over
 * the public API in clipdex.h. Exit statuses: 0 success, 1 some inputs failed, 2 usage error.
 */
#ifndef CDX_CLI_H
#define CDX_CLI_H

#include <stdint.h>

#define CLI_EXIT_OK 0
#define CLI_EXIT_PARTIAL 1
#define CLI_EXIT_USAGE 2

int cmd_thumb(int argc, char **argv);
int cmd_cost(int argc, char **argv);
int cmd_tables(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_embed(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_model(int argc, char **argv);

/* Prints "clipdex: <msg>\n" to stderr. */
void cli_errorf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Parses a positive int option value; on failure prints an error naming the option. */
int cli_parse_int(const char *opt, const char *value, int min, int max, int *out);
/* Parses a non-negative (with `positive`, a positive) integer option value; on failure prints
 * an error naming the option. Defined in table_out.c. */
int cli_parse_u64(const char *opt, const char *value, int positive, uint64_t *out);

#endif
