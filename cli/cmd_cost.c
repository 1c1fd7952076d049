/*
 * cmd_cost.c — `clipdex cost`: what Jina would bill for a set of images sent as they are versus
 * as the thumbnails clipdex sends. Reads only headers and EXIF (cdx_image_probe_file), so it is
 * fast on any folder; prints an aligned table or, with --json, one JSON object.
 */
#include "cli.h"
#include "clipdex.h"
#include "json_lines.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cost_file {
    char *path;
    int width, height; /* after EXIF orientation unless --no-exif */
    int64_t tokens;
    int thumb_width, thumb_height;
    int64_t thumb_tokens;
} cost_file;

typedef struct cost_failure {
    char *path;
    char *reason;
} cost_failure;

typedef struct cost_run {
    cdx_image_opts image_opts;
    int size;
    cost_file *files;
    size_t file_count, file_cap;
    cost_failure *failures;
    size_t failure_count, failure_cap;
} cost_run;

static void cost_usage(FILE *out) {
    fprintf(
        out,
        "usage: clipdex cost PATH... [--json] [--no-exif] [--size N] [--max-pixels N]\n\n"
        "Reports what Jina bills for each image (ceil(w/224) x ceil(h/224) tiles of 1000\n"
        "tokens) sent as is and as the thumbnail clipdex sends, then the totals and the\n"
        "tokens saved. Directories are walked recursively (sorted; hidden files and junk\n"
        "such as .DS_Store, ._*, @eaDir, Thumbs.db skipped). Only headers and EXIF are read.\n\n"
        "options:\n"
        "  --json           print one JSON object instead of a table\n"
        "  --no-exif        ignore the EXIF orientation (sizes as stored)\n"
        "  --size N         thumbnail bounding box in pixels (default 224)\n"
        "  --max-pixels N   list images with more pixels as errors (default %" PRIu64 ")\n"
        "  -h, --help       show this help\n\n"
        "exit status: 0 every file costed, 1 some files listed under errors, 2 usage error\n",
        CDX_DEFAULT_MAX_PIXELS);
}

static char *cost_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

/* Grows an array of `elem` bytes per item so that one more fits; 0 on success. */
static int cost_grow(void **items, size_t count, size_t *cap, size_t elem) {
    if (count < *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    if (ncap > SIZE_MAX / elem) return -1;
    void *p = realloc(*items, ncap * elem);
    if (!p) return -1;
    *items = p;
    *cap = ncap;
    return 0;
}

/* Library messages read "<path>: <reason>"; the JSON has the path already, so keep the reason. */
static const char *cost_reason(const char *path, const char *message) {
    size_t n = strlen(path);
    if (!strncmp(message, path, n) && message[n] == ':' && message[n + 1] == ' ')
        return message + n + 2;
    return message;
}

static int cost_add_failure(cost_run *run, const char *path, const char *message) {
    if (cost_grow((void **)&run->failures, run->failure_count, &run->failure_cap,
                  sizeof *run->failures))
        return CDX_ENOMEM;
    cost_failure *f = &run->failures[run->failure_count];
    f->path = cost_strdup(path);
    f->reason = cost_strdup(cost_reason(path, message));
    if (!f->path || !f->reason) {
        free(f->path);
        free(f->reason);
        return CDX_ENOMEM;
    }
    run->failure_count++;
    return 0;
}

static int cost_add_file(cost_run *run, const char *path, const cdx_image_info *info) {
    if (cost_grow((void **)&run->files, run->file_count, &run->file_cap, sizeof *run->files))
        return CDX_ENOMEM;
    cost_file *f = &run->files[run->file_count];
    if (!(f->path = cost_strdup(path))) return CDX_ENOMEM;
    f->width = info->width;
    f->height = info->height;
    f->tokens = cdx_jina_image_tokens(info->width, info->height);
    cdx_thumbnail_size(info->width, info->height, run->size, &f->thumb_width, &f->thumb_height);
    f->thumb_tokens = cdx_jina_image_tokens(f->thumb_width, f->thumb_height);
    run->file_count++;
    return 0;
}

static int cost_visit(const cdx_walk_entry *entry, void *user) {
    cost_run *run = user;
    if (entry->status != CDX_OK) return cost_add_failure(run, entry->path, entry->message);
    cdx_image_info info;
    cdx_error err = {0};
    if (cdx_image_probe_file(entry->path, &run->image_opts, &info, &err) != CDX_OK)
        return cost_add_failure(run, entry->path,
                                err.message[0] ? err.message : cdx_strerror(err.code));
    return cost_add_file(run, entry->path, &info);
}

static void cost_totals(const cost_run *run, int64_t *tokens, int64_t *thumb_tokens) {
    *tokens = *thumb_tokens = 0;
    for (size_t i = 0; i < run->file_count; i++) {
        *tokens += run->files[i].tokens;
        *thumb_tokens += run->files[i].thumb_tokens;
    }
}

static void cost_print_json(const cost_run *run, FILE *out) {
    fputs("{\"files\":[", out);
    for (size_t i = 0; i < run->file_count; i++) {
        const cost_file *f = &run->files[i];
        fputs(i ? ",\n  {" : "\n  {", out);
        cli_json_key(out, "path");
        cli_json_string(out, f->path, strlen(f->path));
        fputc(',', out);
        const cli_json_int sizes[] = {
            {"width", f->width},
            {"height", f->height},
            {"tokens", f->tokens},
            {"thumb_width", f->thumb_width},
            {"thumb_height", f->thumb_height},
            {"thumb_tokens", f->thumb_tokens},
        };
        cli_json_int_members(out, sizes, sizeof sizes / sizeof sizes[0]);
        fputc('}', out);
    }
    fputs(run->file_count ? "\n],\"errors\":[" : "],\"errors\":[", out);
    for (size_t i = 0; i < run->failure_count; i++) {
        fputs(i ? ",\n  {" : "\n  {", out);
        cli_json_key(out, "path");
        cli_json_string(out, run->failures[i].path, strlen(run->failures[i].path));
        fputc(',', out);
        cli_json_key(out, "error");
        cli_json_string(out, run->failures[i].reason, strlen(run->failures[i].reason));
        fputc('}', out);
    }
    int64_t tokens, thumb_tokens;
    cost_totals(run, &tokens, &thumb_tokens);
    fputs(run->failure_count ? "\n]," : "],", out);
    const cli_json_int totals[] = {{"total_tokens", tokens}, {"total_thumb_tokens", thumb_tokens}};
    cli_json_int_members(out, totals, 2);
    fputs("}\n", out);
}

static void cost_print_table(const cost_run *run, FILE *out) {
    int path_w = 4;
    for (size_t i = 0; i < run->file_count; i++) {
        size_t n = strlen(run->files[i].path);
        if (n > (size_t)path_w) path_w = n > 200 ? 200 : (int)n;
    }
    char size[32], thumb[32];
    if (run->file_count)
        fprintf(out, "%-*s  %11s  %6s  %9s  %9s  %12s\n", path_w, "path", "size", "tiles", "tokens",
                "thumb", "thumb tokens");
    for (size_t i = 0; i < run->file_count; i++) {
        const cost_file *f = &run->files[i];
        snprintf(size, sizeof size, "%dx%d", f->width, f->height);
        snprintf(thumb, sizeof thumb, "%dx%d", f->thumb_width, f->thumb_height);
        fprintf(out, "%-*s  %11s  %6" PRId64 "  %9" PRId64 "  %9s  %12" PRId64 "\n", path_w,
                f->path, size, f->tokens / 1000, f->tokens, thumb, f->thumb_tokens);
    }
    int64_t tokens, thumb_tokens;
    cost_totals(run, &tokens, &thumb_tokens);
    fprintf(out, "total: %zu image%s, %" PRId64 " tokens as is, %" PRId64 " as thumbnails\n",
            run->file_count, run->file_count == 1 ? "" : "s", tokens, thumb_tokens);
    double pct = tokens > 0 ? 100.0 * (double)(tokens - thumb_tokens) / (double)tokens : 0.0;
    fprintf(out, "saved %" PRId64 " tokens (%.1f%%)\n", tokens - thumb_tokens, pct);
    if (run->failure_count) {
        fprintf(out, "errors (%zu):\n", run->failure_count);
        for (size_t i = 0; i < run->failure_count; i++)
            fprintf(out, "  %s: %s\n", run->failures[i].path, run->failures[i].reason);
    }
}

static void cost_free(cost_run *run) {
    for (size_t i = 0; i < run->file_count; i++)
        free(run->files[i].path);
    for (size_t i = 0; i < run->failure_count; i++) {
        free(run->failures[i].path);
        free(run->failures[i].reason);
    }
    free(run->files);
    free(run->failures);
}

int cmd_cost(int argc, char **argv) {
    cost_run run = {.size = 224};
    int json = 0, only_paths = 0;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    size_t npaths = 0;
    if (!paths) {
        cli_errorf("out of memory");
        return CLI_EXIT_PARTIAL;
    }
    int rc = CLI_EXIT_OK;
    for (int i = 1; i < argc && rc == CLI_EXIT_OK; i++) {
        const char *a = argv[i];
        if (only_paths || a[0] != '-' || !strcmp(a, "-"))
            paths[npaths++] = a;
        else if (!strcmp(a, "--"))
            only_paths = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cost_usage(stdout);
            free(paths);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--json"))
            json = 1;
        else if (!strcmp(a, "--no-exif"))
            run.image_opts.no_exif = 1;
        else if (!strcmp(a, "--size")) {
            if (cli_parse_int(a, i + 1 < argc ? argv[++i] : NULL, 1, 65535, &run.size))
                rc = CLI_EXIT_USAGE;
        } else if (!strcmp(a, "--max-pixels")) {
            if (cli_parse_u64(a, i + 1 < argc ? argv[++i] : NULL, 1, &run.image_opts.max_pixels))
                rc = CLI_EXIT_USAGE;
        } else {
            cli_errorf("cost: unknown option '%s' (see 'clipdex cost --help')", a);
            rc = CLI_EXIT_USAGE;
        }
    }
    if (rc == CLI_EXIT_OK && npaths == 0) {
        cli_errorf("cost: no PATH given");
        cost_usage(stderr);
        rc = CLI_EXIT_USAGE;
    }
    if (rc != CLI_EXIT_OK) {
        free(paths);
        return rc;
    }
    cdx_error err = {0};
    int wrc = cdx_walk(paths, npaths, NULL, cost_visit, &run, &err);
    if (wrc != CDX_OK) {
        cli_errorf("cost: %s", err.message[0] ? err.message : cdx_strerror(wrc));
        rc = CLI_EXIT_PARTIAL;
    } else {
        if (json)
            cost_print_json(&run, stdout);
        else
            cost_print_table(&run, stdout);
        rc = run.failure_count ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
    }
    if (fflush(stdout) != 0) {
        cli_errorf("cost: cannot write the report: %s", strerror(errno));
        rc = CLI_EXIT_PARTIAL;
    }
    cost_free(&run);
    free(paths);
    return rc;
}
