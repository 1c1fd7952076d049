/*
 * cmd_index.c — `clipdex index PATH... --db DIR`: indexes images into a table with
 * cdx_index_run, showing progress on stderr (a live line on a terminal, a plain line every few
 * seconds otherwise) and a summary at the end: indexed, unchanged, reused, pruned, failed (each
 * failed file with its reason) and the tokens billed.
 */
#include "cli.h"
#include "clipdex.h"
#include "embedder_opts.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Exit status when --no-wait finds another index run on the table. */
#define INDEX_EXIT_BUSY 4

typedef struct index_cli {
    cli_embedder_opts eopts;
    cdx_index_opts opts;
    const char *db;
    const char **paths;
    size_t npaths;
    int tty, live_line;
    double start, last_print;
    char **failures; /* "<path>: <reason>", listed in the summary */
    size_t nfail, capfail;
} index_cli;

static void index_usage(FILE *out)
{
    fputs("usage: clipdex index PATH... --db DIR [--table NAME] [--backend jina|local]\n"
          "                     [--batch N] [--dry-run] [--prune] [--no-exif] [--no-wait]\n"
          "                     [--reembed] [options]\n\n"
          "Embeds the images under each PATH (files, or folders walked like `clipdex cost`)\n"
          "into table NAME (default images) of database directory DIR, one row per image:\n"
          "file_id, file_name, vector, size, mtime_ns, content_hash, width, height. Reruns are\n"
          "incremental: unchanged files (same path, size, mtime) are skipped without any API\n"
          "call, changed files re-embedded and their rows replaced, moved or copied files reuse\n"
          "their stored vector. Rows are committed every --commit-every images, so an\n"
          "interrupted run loses at most one batch and the next run continues. One run at a\n"
          "time indexes a table: a second run on the same table waits for the first (saying\n"
          "so), then skips what the first indexed.\n\n"
          "options:\n"
          "  --db DIR             database directory (created if missing)\n"
          "  --table NAME         table name (default images)\n"
          "  --dry-run            embed nothing: list what would be embedded and its token cost,\n"
          "                       and which files would reuse a stored vector (moved, copied)\n"
          "  --prune              delete rows whose files no longer exist (never all the rows\n"
          "                       under a PATH where no file was found: unmounted?)\n"
          "  --no-exif            ignore EXIF orientation\n"
          "  --commit-every N     images embedded and committed together, 1..65536 (default\n"
          "                       256; a commit also happens every 30 s)\n"
          "  --all                also index hidden files and folders\n"
          "  --no-wait            if another clipdex index is running on the table, exit 4 at\n"
          "                       once instead of waiting for it\n"
          "  --reembed            re-embed every file found under PATH, even those that look\n"
          "                       unchanged (tokens!): for tables made by the recipe or LanceDB,\n"
          "                       which have no size/mtime columns to see a change by\n",
          out);
    cli_embedder_opts_help(out);
    fputs("  -h, --help           show this help\n\n"
          "exit status: 0 every image indexed, 1 some files failed (listed with their reason),\n"
          "2 usage error, 3 the embedding service stopped the run (bad key, no credit, rejected\n"
          "request, retries exhausted): the rows embedded before the stop are committed and a\n"
          "rerun continues. Errors opening or writing the table also exit 1. 4 --no-wait and\n"
          "another clipdex index is running on the table.\n",
          out);
}

static double index_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int index_parse(int argc, char **argv, index_cli *c)
{
    if (!(c->paths = calloc((size_t)argc, sizeof *c->paths))) return CLI_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int e = cli_embedder_opt(&c->eopts, argc, argv, &i);
        if (e < 0) return CLI_EXIT_USAGE;
        if (e > 0) continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            index_usage(stdout);
            return -1;
        } else if (!strcmp(a, "--db") && v) {
            c->db = argv[++i];
        } else if (!strcmp(a, "--table") && v) {
            c->opts.table = argv[++i];
        } else if (!strcmp(a, "--dry-run")) {
            c->opts.dry_run = 1;
        } else if (!strcmp(a, "--prune")) {
            c->opts.prune = 1;
        } else if (!strcmp(a, "--no-exif")) {
            c->opts.image.no_exif = 1;
        } else if (!strcmp(a, "--no-wait")) {
            c->opts.no_wait = 1;
        } else if (!strcmp(a, "--reembed")) {
            c->opts.reembed = 1;
        } else if (!strcmp(a, "--all")) {
            c->opts.walk.include_hidden = 1;
        } else if (!strcmp(a, "--commit-every")) {
            int n;
            if (cli_parse_int(a, v, 1, 65536, &n)) return CLI_EXIT_USAGE;
            c->opts.batch = (size_t)n;
            i++;
        } else if (a[0] == '-' && a[1]) {
            cli_errorf("index: unexpected argument '%s' (see 'clipdex index --help')", a);
            return CLI_EXIT_USAGE;
        } else {
            c->paths[c->npaths++] = a;
        }
    }
    if (!c->db || !c->npaths) {
        cli_errorf("index: PATH... and --db DIR are required (see 'clipdex index --help')");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

static void index_clear_live(index_cli *c)
{
    if (c->live_line) fputs("\r\033[K", stderr);
    c->live_line = 0;
}

static void index_progress(index_cli *c, const cdx_index_summary *s, int force)
{
    double now = index_now();
    if (!force && now - c->last_print < (c->tty ? 0.2 : 5.0)) return;
    c->last_print = now;
    double el = now - c->start;
    uint64_t done = s->indexed + s->reused + s->unchanged + s->failed;
    double rate = el > 0 ? (double)(s->indexed + s->reused) / el : 0;
    uint64_t left = s->files > done ? s->files - done : 0;
    if (c->tty) {
        fprintf(stderr, "\r\033[K%" PRIu64 "/%" PRIu64 " files  %.1f files/s  ETA %.0fs  tokens %"
                PRIu64, done, s->files, rate, rate > 0 ? (double)left / rate : 0.0, s->tokens);
        c->live_line = 1;
    } else {
        fprintf(stderr, "progress: %" PRIu64 "/%" PRIu64 " files, %.1f files/s, tokens %" PRIu64
                "\n", done, s->files, rate, s->tokens);
    }
}

static void index_event(const cdx_index_event *ev, void *user)
{
    index_cli *c = user;
    switch (ev->kind) {
    case CDX_INDEX_FAILED:
        if (c->nfail == c->capfail) {
            size_t nc = c->capfail ? c->capfail * 2 : 16;
            char **nf = realloc(c->failures, nc * sizeof *nf);
            if (!nf) break; /* counted in the summary all the same */
            c->failures = nf;
            c->capfail = nc;
        }
        if ((c->failures[c->nfail] = strdup(ev->message))) c->nfail++;
        break;
    case CDX_INDEX_WOULD_EMBED:
        printf("would embed\t%s\t%" PRId64 " tokens\n", ev->path, ev->tokens);
        break;
    case CDX_INDEX_WOULD_REUSE:
        printf("would reuse\t%s\t0 tokens\tsame content as %s\n", ev->path, ev->message);
        break;
    case CDX_INDEX_WAITING:
        index_clear_live(c);
        fprintf(stderr, "clipdex: %s to finish...\n", ev->message);
        break;
    case CDX_INDEX_COMMITTED:
    case CDX_INDEX_PROGRESS:
        if (!c->opts.dry_run) index_progress(c, ev->summary, ev->kind == CDX_INDEX_COMMITTED);
        break;
    }
}

static void index_summary(index_cli *c, const cdx_index_summary *s)
{
    index_clear_live(c);
    for (size_t i = 0; i < c->nfail; i++) {
        fprintf(stderr, "failed: %s\n", c->failures[i]);
        free(c->failures[i]);
    }
    free(c->failures);
    if (s->busy) return; /* nothing was done: the error says why */
    if (c->opts.dry_run) {
        printf("dry run: %" PRIu64 " files, %" PRIu64 " unchanged, %" PRIu64 " would be embedded "
               "(%" PRId64 " tokens), %" PRIu64 " would reuse a stored vector (moved or copied, "
               "0 tokens), %" PRIu64 " would be pruned, %" PRIu64 " failed\n", s->files,
               s->unchanged, s->todo - s->reused, s->dry_run_tokens, s->reused, s->pruned,
               s->failed);
    } else {
        fprintf(stderr, "indexed: %" PRIu64 ", unchanged: %" PRIu64 ", reused: %" PRIu64
                ", pruned: %" PRIu64 ", failed: %" PRIu64 ", tokens: %" PRIu64 " (%.1f s)\n",
                s->indexed, s->unchanged, s->reused, s->pruned, s->failed, s->tokens,
                index_now() - c->start);
    }
    if (s->unverified)
        fprintf(stderr, "note: table '%s' has no size/mtime columns (made by the recipe or "
                "LanceDB), so changed files cannot be detected: %" PRIu64 " files with a row "
                "were taken as unchanged. To re-embed files you changed, run again on them "
                "with --reembed (--dry-run shows the cost).\n",
                c->opts.table ? c->opts.table : "images", s->unverified);
}

int cmd_index(int argc, char **argv)
{
    index_cli c = {0};
    int rc = index_parse(argc, argv, &c);
    if (rc) {
        free(c.paths);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    cdx_embedder *e = NULL;
    if (!c.opts.dry_run && (rc = cli_open_embedder(&c.eopts, &e))) {
        free(c.paths);
        return rc;
    }
    c.tty = isatty(STDERR_FILENO);
    c.start = c.last_print = index_now();
    cdx_index_summary s;
    cdx_error err = {0};
    int st = cdx_index_run(c.db, c.paths, c.npaths, e, &c.opts, index_event, &c, &s, &err);
    index_summary(&c, &s);
    if (st) cli_errorf("%s", err.message);
    int status = st ? (s.api_stopped ? CLI_EXIT_STOPPED : s.busy ? INDEX_EXIT_BUSY
                                                                 : CLI_EXIT_PARTIAL)
                    : s.failed ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
    cdx_embedder_free(e);
    free(c.paths);
    if (fflush(stdout)) status = CLI_EXIT_PARTIAL;
    return status;
}
