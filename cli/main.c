/*
 * main.c — `clipdex` entry point: dispatches to the subcommands and prints the overview help.
 */
#include "cli.h"
#include "clipdex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"thumb", cmd_thumb, "write the 224px PNG thumbnail the Jina API path sends"},
    {"cost", cmd_cost, "report Jina token cost of images as-is and after shrinking"},
    {"tables", cmd_tables, "list the tables of a database directory"},
    {"show", cmd_show, "print the rows of a table (any version), as text or JSON Lines"},
    {"import", cmd_import, "import JSON Lines rows (your own vectors) into a table"},
    {"embed", cmd_embed, "print the jina-clip-v1 embeddings of texts and images"},
    {"index", cmd_index, "embed folders of images into a table, incrementally"},
    {"search", cmd_search, "top-k search of a table by text, image or raw float32 vector"},
    {"tokenize", cmd_tokenize, "print jina-clip-v1's token ids of texts (JSON Lines)"},
    {"model", cmd_model, "download the jina-clip-v1 model from Hugging Face ('model fetch')"},
};

static void print_usage(FILE *out) {
    fprintf(out, "clipdex %s — folders of images to LanceDB tables of jina-clip-v1 embeddings\n\n"
                 "usage: clipdex <command> [options]\n\ncommands:\n",
            CDX_VERSION_STRING);
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\nRun 'clipdex <command> --help' for the options of a command.\n");
}

void cli_errorf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("clipdex: ", stderr);
    /* clang-tidy 14 misses va_start when it checks several files in one run (lint.sh does). */
    vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start above
    fputc('\n', stderr);
    va_end(ap);
}

int cli_parse_int(const char *opt, const char *value, int min, int max, int *out) {
    if (!value) {
        cli_errorf("%s needs a value", opt);
        return -1;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < min || v > max) {
        cli_errorf("%s: '%s' is not an integer in %d..%d", opt, value, min, max);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        print_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        print_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(name, "--version")) {
        printf("clipdex %s\n", CDX_VERSION_STRING);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (!strcmp(name, subcommands[i].name)) return subcommands[i].run(argc - 1, argv + 1);
    cli_errorf("unknown command '%s' (see 'clipdex --help')", name);
    return CLI_EXIT_USAGE;
}
