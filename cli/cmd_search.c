/*
 * cmd_search.c — `clipdex search --db DIR [--table NAME] (--text T | --image F | --vector-file
 * Q.f32) [-k 10] [--metric cosine|l2|dot] [--json]`: exact top-k for a query embedded with the
 * table's model (or given raw). The hits come from cdx_table_search; a second pass over the
 * table fetches their other columns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clipdex.h"
#include "embedder_opts.h"
#include "table_out.h"

#define SEARCH_MAX_K 1000000

static void search_usage(FILE *out)
{
    fputs("usage: clipdex search --db DIR [--table NAME] (--text TEXT | --image FILE |\n"
          "                      --vector-file Q.f32) [-k 10] [--metric cosine|l2|dot]\n"
          "                      [--column NAME] [--json] [embedder options]\n\n"
          "Exact top-k search of table NAME (default images). --text and --image embed the\n"
          "query with the table's model (jina-clip-v1; the backend recorded on the table unless\n"
          "--backend says otherwise); --vector-file reads a raw query: little-endian float32,\n"
          "exactly as many as the vector column's dimension. Distances are LanceDB's _distance\n"
          "(l2 squared, cosine 1-cos, dot 1-q.v); default metric cosine, k 10. Text output of\n"
          "an embedded query also shows the cosine similarity (1 - _distance). --column picks\n"
          "the vector column when there are several. --json prints JSON Lines of the non-vector\n"
          "columns plus \"_distance\".\n\nembedder options:\n",
          out);
    cli_embedder_opts_help(out);
    fputs("\nExit status: 0 ok, 1 the table or query could not be read, 2 usage error, 3 the\n"
          "embedding service stopped (bad key, no credit, rejected request, retries exhausted).\n",
          out);
}

typedef struct search_opts {
    cli_table_args args;
    cli_embedder_opts eopts;
    const char *vector_file, *column, *text, *image;
    int k;
    cdx_metric metric;
} search_opts;

static int search_parse(int argc, char **argv, search_opts *o)
{
    o->k = 10;
    o->metric = CDX_METRIC_COSINE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        cdx_error err = {0};
        int e = cli_embedder_opt(&o->eopts, argc, argv, &i);
        if (e < 0) return -1;
        if (e > 0) continue;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            search_usage(stdout);
            return 1;
        } else if (cli_table_arg(argc, argv, &i, 1, &o->args)) {
            /* --db, --table, --json: stored */
        } else if (!strcmp(a, "--vector-file") && v) {
            o->vector_file = argv[++i];
        } else if (!strcmp(a, "--text") && v) {
            o->text = argv[++i];
        } else if (!strcmp(a, "--image") && v) {
            o->image = argv[++i];
        } else if (!strcmp(a, "--column") && v) {
            o->column = argv[++i];
        } else if (!strcmp(a, "-k") || !strcmp(a, "--k")) {
            if (cli_parse_int(a, v, 1, SEARCH_MAX_K, &o->k)) return -1;
            i++;
        } else if (!strcmp(a, "--metric") && v) {
            if (cdx_metric_parse(v, &o->metric, &err) != CDX_OK) {
                cli_errorf("--metric: %s", err.message);
                return -1;
            }
            i++;
        } else {
            cli_errorf("search: unexpected argument '%s' (see 'clipdex search --help')", a);
            return -1;
        }
    }
    if (!o->args.table) o->args.table = "images";
    if (!o->args.db || (!!o->vector_file + !!o->text + !!o->image) != 1) {
        cli_errorf("search: --db DIR and one of --text, --image or --vector-file are required");
        return -1;
    }
    return 0;
}

/* Reads the query: exactly dim little-endian float32 values. */
static float *search_read_query(const char *path, uint32_t dim)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_errorf("%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t want = (size_t)dim * 4;
    unsigned char *bytes = malloc(want + 1);
    size_t got = bytes ? fread(bytes, 1, want + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!bytes || bad || got != want) {
        if (!bytes) cli_errorf("%s: out of memory", path);
        else if (bad) cli_errorf("%s: read error", path);
        else cli_errorf("%s: query must be %zu bytes (%u little-endian float32), file has %s%zu",
                        path, want, dim, got > want ? "more than " : "", got > want ? want : got);
        free(bytes);
        return NULL;
    }
    float *q = malloc(want ? want : 1);
    for (size_t j = 0; q && j < dim; j++) {
        uint32_t u = (uint32_t)bytes[4 * j] | (uint32_t)bytes[4 * j + 1] << 8 |
                     (uint32_t)bytes[4 * j + 2] << 16 | (uint32_t)bytes[4 * j + 3] << 24;
        memcpy(&q[j], &u, 4);
    }
    free(bytes);
    return q;
}

/* The dimension of the column to search (named, or the only vector column). */
static int search_column_dim(const cdx_table *t, const search_opts *o, uint32_t *dim)
{
    long found = -1;
    for (size_t c = 0; c < cdx_table_num_columns(t); c++) {
        if (cdx_table_column_type(t, c) != CDX_COLUMN_VECTOR_F32) continue;
        if (o->column ? !strcmp(cdx_table_column_name(t, c), o->column) : found < 0) {
            found = (long)c;
            if (o->column) break;
        } else if (!o->column) {
            cli_errorf("table '%s' has several vector columns: pick one with --column",
                       o->args.table);
            return -1;
        }
    }
    if (found < 0) {
        cli_errorf("table '%s' has no vector column%s%s", o->args.table,
                   o->column ? " named " : "", o->column ? o->column : "");
        return -1;
    }
    *dim = cdx_table_column_dim(t, (size_t)found);
    return 0;
}

/* Prints the hits in rank order: one pass over the table finds each hit's row by position. */
static int search_print(const cdx_table *t, const cdx_search_hit *hits, size_t n, int json,
                        int similarity)
{
    char **lines = calloc(n + 1, sizeof *lines);
    size_t *lens = calloc(n + 1, sizeof *lens);
    cdx_scan *s = NULL;
    cdx_error err = {0};
    int rc = !lines || !lens ? -1 : cdx_scan_open(t, &s, &err) != CDX_OK ? -1 : 0;
    uint64_t base = 0;
    const cdx_batch *b = NULL;
    while (!rc && s) {
        if (cdx_scan_next(s, &b, &err) != CDX_OK) rc = -1;
        if (rc || !b) break;
        uint64_t rows = cdx_batch_num_rows(b);
        for (size_t h = 0; h < n; h++) {
            if (hits[h].position < base || hits[h].position >= base + rows) continue;
            FILE *m = open_memstream(&lines[h], &lens[h]);
            if (!m) { rc = -1; break; }
            cli_print_row(m, t, b, hits[h].position - base, 1, json);
            fclose(m);
        }
        base += rows;
    }
    cdx_scan_close(s);
    if (rc) cli_errorf("%s", err.message[0] ? err.message : "out of memory");
    if (!rc && !json) {
        printf(similarity ? "rank\tsimilarity\t_distance\t" : "rank\t_distance\t");
        cli_text_header(stdout, t, 1);
        putchar('\n');
    }
    for (size_t h = 0; !rc && h < n; h++) {
        const char *line = lines[h] ? lines[h] : json ? "{}" : "";
        if (json) {
            /* Append "_distance" inside the row object. */
            size_t len = strlen(line);
            printf("%.*s%s\"_distance\":", (int)(len - 1), line, len > 2 ? "," : "");
            cli_json_f32(stdout, hits[h].distance);
            puts("}");
        } else {
            if (similarity) printf("%zu\t%.6f\t%.9g\t%s\n", h + 1, 1.0 - hits[h].distance,
                                   (double)hits[h].distance, line);
            else printf("%zu\t%.9g\t%s\n", h + 1, (double)hits[h].distance, line);
        }
    }
    for (size_t h = 0; lines && h < n; h++) free(lines[h]);
    free(lines);
    free(lens);
    return rc;
}

/* Refuses an embedded query when the table's vectors come from another model (an untagged
 * 768-d table is taken to hold jina-clip-v1 vectors, as the recipe makes them). */
static int search_check_model(const cdx_table *t, const search_opts *o, const cdx_embedder *e,
                              uint32_t dim)
{
    const char *model = cdx_table_metadata(t, "clipdex.model");
    if (!model && dim == 768) model = "jina-clip-v1";
    if (model && !strcmp(model, cdx_embedder_model(e)) && dim == cdx_embedder_dim(e)) return 0;
    cli_errorf("table '%s' holds %u-d vectors of model %s; cannot query it with %s (%zu-d)",
               o->args.table, dim, model ? model : "(unknown)", cdx_embedder_model(e),
               cdx_embedder_dim(e));
    return -1;
}

/* Reads a whole file for --image. */
static void *search_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_errorf("%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        unsigned char *nb = cap < ((size_t)1 << 31) ? realloc(buf, cap * 2) : NULL;
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        cli_errorf("%s: %s", path, buf ? "read error" : "out of memory or too large");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Embeds --text or --image into a malloc'd query; *status gets the exit status on failure. */
static float *search_embed_query(const cdx_table *t, search_opts *o, uint32_t dim, int *status)
{
    if (!o->eopts.backend) {
        const char *b = cdx_table_metadata(t, "clipdex.backend");
        if (b && (!strcmp(b, "jina") || !strcmp(b, "local"))) o->eopts.backend = b;
    }
    cdx_embedder *e = NULL;
    int rc = cli_open_embedder(&o->eopts, &e);
    if (rc) {
        *status = rc;
        return NULL;
    }
    float *q = NULL;
    if (search_check_model(t, o, e, dim)) goto out;
    q = malloc((size_t)dim * sizeof *q);
    uint8_t done = 0;
    cdx_error err = {0}, item = {0};
    if (!q) {
        cli_errorf("out of memory");
    } else if (o->text) {
        const char *texts[] = {o->text};
        rc = cdx_embed_texts(e, texts, 1, q, &done, &err);
    } else {
        size_t len = 0;
        void *data = search_read_file(o->image, &len);
        cdx_blob blob = {o->image, data, len};
        if (data) rc = cdx_embed_images(e, &blob, 1, NULL, q, &done, &item, &err);
        free(data);
        if (data && !rc && !done) cli_errorf("%s", item.message);
    }
    if (rc) {
        cli_errorf("%s", err.message);
        *status = cli_embed_exit_status(rc);
    }
    if (!done) {
        free(q);
        q = NULL;
    }
out:
    cdx_embedder_free(e);
    return q;
}

int cmd_search(int argc, char **argv)
{
    search_opts o = {0};
    int rc = search_parse(argc, argv, &o);
    if (rc) return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    cdx_table *t = NULL;
    if (cli_open_table(o.args.db, o.args.table, 0, &t)) return CLI_EXIT_PARTIAL;
    uint32_t dim = 0;
    float *q = NULL;
    cdx_search_hit *hits = NULL;
    size_t count = 0;
    cdx_error err = {0};
    int status = CLI_EXIT_PARTIAL;
    if (!search_column_dim(t, &o, &dim)) {
        if (o.vector_file) q = search_read_query(o.vector_file, dim);
        else q = search_embed_query(t, &o, dim, &status);
    }
    if (q) {
        if (cdx_table_search(t, o.column, q, dim, o.metric, (size_t)o.k, 0, &hits, &count,
                             &err) != CDX_OK)
            cli_errorf("%s", err.message);
        else if (!search_print(t, hits, count, o.args.json,
                               !o.vector_file && o.metric == CDX_METRIC_COSINE))
            status = CLI_EXIT_OK;
    }
    cdx_search_hits_free(hits);
    free(q);
    cdx_table_close(t);
    if (fflush(stdout)) status = CLI_EXIT_PARTIAL;
    return status;
}
