/*
 * embedder_opts.h — the embedder options every command that embeds shares (embed, index, search):
 * parsing --backend/--jina-url/--api-key-file/--batch/--timeout/--model, their help lines, and
 * opening the chosen backend. Adding a backend is one open function in embedder_opts.c.
 */
#ifndef CDX_CLI_EMBEDDER_OPTS_H
#define CDX_CLI_EMBEDDER_OPTS_H

#include "clipdex.h"

#include <stdio.h>

/* Exit status of a run the embedding service stopped (bad key, no credit, rejected request,
 * retries exhausted); 0, 1 (partial) and 2 (usage) are in cli.h. */
#define CLI_EXIT_STOPPED 3

typedef struct cli_embedder_opts {
    const char *backend;      /* "jina" or "local"; NULL: cli_default_backend */
    const char *jina_url;     /* NULL: $CLIPDEX_JINA_URL, else https://api.jina.ai */
    const char *api_key_file; /* NULL: $JINA_API_KEY */
    int batch;                /* inputs per request; 0: the backend's default */
    double timeout_s;         /* per-request timeout; 0: the backend's default */
    const char *model_dir;    /* the local model directory; NULL: cli_model_dir's default */
    int threads;              /* local backend threads; 0: one per CPU */
    const char *precision;    /* local backend: fp32, int10, int8; NULL: $CLIPDEX_PRECISION */
} cli_embedder_opts;

/* If argv[*i] is an embedder option, consumes it and its value (advancing *i) and returns 1;
 * returns 0 when it is not one, -1 when its value is missing or bad (an error is printed). */
int cli_embedder_opt(cli_embedder_opts *o, int argc, char **argv, int *i);

/* Prints the help lines of the embedder options (two-space indent, as the commands' help). */
void cli_embedder_opts_help(FILE *out);

/* Whether backend `name` can start: "jina" with an API key (environment or key file), "local"
 * with config.json and model.safetensors in the model directory. */
int cli_backend_usable(const cli_embedder_opts *o, const char *name);

/* The backend to use: --backend when given; else local when --model or $CLIPDEX_MODEL names a
 * model directory, or when no API key is set and the default directory holds a model; else jina
 * (whose error then says what is missing). */
const char *cli_default_backend(const cli_embedder_opts *o);

/* Opens the backend the options name. On failure prints "clipdex: <reason>" and returns the exit
 * status to use (CLI_EXIT_USAGE for an unknown or unbuilt backend or unreadable key file,
 * CLI_EXIT_STOPPED when the backend refuses, e.g. no API key); 0 on success. */
int cli_open_embedder(const cli_embedder_opts *o, cdx_embedder **out);

/* The exit status for a failed embedding call's status code: CLI_EXIT_STOPPED for service stops
 * (auth, credit, rejected, network), CLI_EXIT_PARTIAL otherwise. */
int cli_embed_exit_status(int code);

#endif
