/*
 * cmd_model.c — `clipdex model fetch`: downloads jina-clip-v1 from Hugging Face into the model
 * directory the other commands use, with a progress bar on a terminal and one line per file
 * otherwise. Interrupted downloads resume on the next run; verified files are never refetched.
 */
#include "cli.h"
#include "clipdex.h"
#include "model_dir.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void model_usage(FILE *out) {
    fprintf(out,
            "usage: clipdex model fetch [--dir DIR] [--revision REV] [--repo ORG/NAME]\n"
            "                           [--endpoint URL] [--retries N] [--quiet]\n\n"
            "Downloads the jina-clip-v1 files the local model needs (config.json,\n"
            "model.safetensors, tokenizer.json, vocab.txt, ...) from Hugging Face into DIR.\n"
            "Each file is checked against the repository's size and sha256 (git blob id for\n"
            "small files); an interrupted download resumes where it stopped on the next run\n"
            "(HTTP Range), and files already present and verified are not downloaded again.\n\n"
            "options:\n"
            "  --dir DIR        model directory (default: $CLIPDEX_MODEL, else\n"
            "                   $XDG_CACHE_HOME/clipdex/jina-clip-v1, ~/.cache/... without it)\n"
            "  --revision REV   branch, tag or commit to fetch (default main)\n"
            "  --repo ORG/NAME  repository (default jinaai/jina-clip-v1)\n"
            "  --endpoint URL   Hugging Face endpoint (default $HF_ENDPOINT, else\n"
            "                   https://huggingface.co)\n"
            "  --retries N      resumed retries of an interrupted transfer (default 3)\n"
            "  --quiet          print nothing but errors\n"
            "  -h, --help       show this help\n\n"
            "exit status: 0 the model is complete, 1 a download failed, 2 usage error\n");
}

typedef struct model_progress {
    int tty, quiet;
    double last_draw;
    uint64_t started_at; /* bytes on disk when the download (re)started */
    double t0;
} model_progress;

static double model_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void model_draw_bar(model_progress *p, const char *file, uint64_t done, uint64_t total) {
    double frac = total ? (double)done / (double)total : 1.0;
    int width = 30, fill = (int)(frac * width);
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double dt = model_now() - p->t0;
    double rate = dt > 0 ? (double)(done - p->started_at) / dt / 1e6 : 0;
    fprintf(stderr, "\r%-24.24s [%s] %5.1f%% %8.1f/%.1f MB %6.1f MB/s", file, bar, frac * 100,
            (double)done / 1e6, (double)total / 1e6, rate);
    fflush(stderr);
}

static int model_on_progress(cdx_fetch_event ev, const char *file, uint64_t done, uint64_t total,
                             void *user) {
    model_progress *p = user;
    if (p->quiet) return 0;
    switch (ev) {
    case CDX_FETCH_PRESENT:
        fprintf(stderr, "%s: already present, verified (%" PRIu64 " bytes)\n", file, total);
        break;
    case CDX_FETCH_START:
        p->started_at = done;
        p->t0 = p->last_draw = model_now();
        if (!p->tty && done)
            fprintf(stderr, "%s: resuming at byte %" PRIu64 " of %" PRIu64 "\n", file, done, total);
        else if (p->tty)
            model_draw_bar(p, file, done, total);
        break;
    case CDX_FETCH_PROGRESS:
        if (p->tty && model_now() - p->last_draw >= 0.1) {
            p->last_draw = model_now();
            model_draw_bar(p, file, done, total);
        }
        break;
    case CDX_FETCH_DONE:
        if (p->tty) {
            model_draw_bar(p, file, done, total);
            fputc('\n', stderr);
        }
        fprintf(stderr, "%s: downloaded and verified (%" PRIu64 " bytes)\n", file, total);
        break;
    }
    return 0;
}

static int model_fetch(int argc, char **argv) {
    const char *dir_opt = NULL;
    cdx_fetch_opts opts = {0};
    model_progress prog = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            model_usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--dir") && has_value) {
            dir_opt = argv[++i];
        } else if (!strcmp(a, "--revision") && has_value) {
            opts.revision = argv[++i];
        } else if (!strcmp(a, "--repo") && has_value) {
            opts.repo = argv[++i];
        } else if (!strcmp(a, "--endpoint") && has_value) {
            opts.endpoint = argv[++i];
        } else if (!strcmp(a, "--retries")) {
            int n = 0;
            if (cli_parse_int(a, has_value ? argv[i + 1] : NULL, 0, 100, &n)) return CLI_EXIT_USAGE;
            opts.max_retries = n == 0 ? -1 : n;
            i++;
        } else if (!strcmp(a, "--quiet")) {
            prog.quiet = 1;
        } else {
            cli_errorf("model fetch: unexpected argument '%s' (see 'clipdex model --help')", a);
            return CLI_EXIT_USAGE;
        }
    }
    char *dir = cli_model_dir(dir_opt);
    if (!dir) return CLI_EXIT_USAGE;
    prog.tty = isatty(STDERR_FILENO);
    if (!prog.quiet)
        fprintf(stderr, "fetching %s into %s\n", opts.repo ? opts.repo : "jinaai/jina-clip-v1",
                dir);
    cdx_error err = {0};
    int rc = cdx_model_fetch(dir, &opts, model_on_progress, &prog, &err);
    if (rc) {
        if (prog.tty && !prog.quiet) fputc('\n', stderr);
        cli_errorf("model fetch: %s", err.message);
    } else if (!prog.quiet) {
        fprintf(stderr, "model ready in %s\n", dir);
    }
    free(dir);
    return rc ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}

int cmd_model(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "fetch")) return model_fetch(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        model_usage(stdout);
        return CLI_EXIT_OK;
    }
    cli_errorf("model: expected 'fetch' (see 'clipdex model --help')");
    return CLI_EXIT_USAGE;
}
