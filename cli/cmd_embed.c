/*
 * cmd_embed.c — `clipdex embed`: embeds texts and images with the chosen backend and prints the
 * vectors in the order the inputs were given, as JSON Lines {"input":…,"embedding":[…]} or a short
 * human form. Texts go in one embedding call and images in another; the rows are then
 * interleaved back into argument order.
 */
#include "cli.h"
#include "clipdex.h"
#include "embedder_opts.h"
#include "json_lines.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char embed_empty[1];

typedef struct embed_input {
    const char *arg; /* the text, or the image path as given */
    int is_image;
    size_t slot; /* row among the texts or among the images */
} embed_input;

typedef struct embed_run {
    cli_embedder_opts eopts;
    int json;
    embed_input *inputs;
    size_t n, n_texts, n_images;
    size_t dim;
    float *text_vecs, *image_vecs;
    uint8_t *text_done, *image_done;
    cdx_error *image_errs;
    cdx_blob *blobs;
} embed_run;

static void embed_usage(FILE *out) {
    fputs("usage: clipdex embed (--text TEXT | --image FILE)... [--json] [embedder options]\n\n"
          "Prints the embedding of each text and image, in the order given. With the jina\n"
          "backend, images are sent to Jina as the 224px PNG thumbnail `clipdex thumb` writes;\n"
          "the API key comes from $JINA_API_KEY or --api-key-file and is never printed. With\n"
          "the local backend, jina-clip-v1 runs in-process from --model DIR (offline, no key).\n\n"
          "options:\n"
          "  --text TEXT          a text to embed (repeatable)\n"
          "  --image FILE         an image to embed (repeatable)\n"
          "  --json               JSON Lines {\"input\":..., \"embedding\":[...]}, one per input\n",
          out);
    cli_embedder_opts_help(out);
    fputs("  -h, --help           show this help\n\n"
          "exit status: 0 every input embedded, 1 some images could not be read or decoded,\n"
          "2 usage error, 3 no embedder (no API key, no local model) or the embedding service\n"
          "stopped the run (bad key, no credit, rejected request, retries exhausted); inputs\n"
          "embedded before a stop are printed.\n",
          out);
}

static int embed_parse(int argc, char **argv, embed_run *r) {
    if (!(r->inputs = calloc((size_t)argc, sizeof *r->inputs))) return CLI_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int eo;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            embed_usage(stdout);
            return -1;
        } else if (!strcmp(a, "--json")) {
            r->json = 1;
        } else if ((!strcmp(a, "--text") || !strcmp(a, "--image")) && v) {
            embed_input *in = &r->inputs[r->n++];
            in->arg = v;
            in->is_image = a[2] == 'i';
            in->slot = in->is_image ? r->n_images++ : r->n_texts++;
            i++;
        } else if ((eo = cli_embedder_opt(&r->eopts, argc, argv, &i)) != 0) {
            if (eo < 0) return CLI_EXIT_USAGE;
        } else {
            cli_errorf(!strcmp(a, "--text") || !strcmp(a, "--image") ? "%s needs a value"
                                                                     : "unknown option '%s'",
                       a);
            return CLI_EXIT_USAGE;
        }
    }
    if (r->n == 0) {
        cli_errorf("nothing to embed: give --text TEXT or --image FILE (see --help)");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* Reads a whole file into a malloc'd buffer; NULL with errno set on failure. */
static void *embed_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *p = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
        if (!p) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
            break;
        }
        buf = p;
        cap *= 2;
    }
    int bad = buf && ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    *len = n;
    return buf;
}

static int embed_alloc(embed_run *r) {
    size_t nt = r->n_texts ? r->n_texts : 1, ni = r->n_images ? r->n_images : 1;
    r->text_vecs = calloc(nt * r->dim, sizeof(float));
    r->image_vecs = calloc(ni * r->dim, sizeof(float));
    r->text_done = calloc(nt, 1);
    r->image_done = calloc(ni, 1);
    r->image_errs = calloc(ni, sizeof *r->image_errs);
    r->blobs = calloc(ni, sizeof *r->blobs);
    return r->text_vecs && r->image_vecs && r->text_done && r->image_done && r->image_errs &&
                   r->blobs
               ? 0
               : -1;
}

/* Embeds the texts, then the images; returns the first stopping status (CDX_OK if none).
 * An unreadable image file goes into the call as zero bytes (it fails alone) and its read error
 * replaces the decoder's afterwards. */
static int embed_all(embed_run *r, cdx_embedder *e, cdx_error *err) {
    const char **texts = calloc(r->n_texts ? r->n_texts : 1, sizeof *texts);
    int *read_errno = calloc(r->n_images ? r->n_images : 1, sizeof *read_errno);
    int rc = texts && read_errno ? CDX_OK : CDX_ENOMEM;
    for (size_t i = 0; rc == CDX_OK && i < r->n; i++) {
        embed_input *in = &r->inputs[i];
        if (!in->is_image) {
            texts[in->slot] = in->arg;
            continue;
        }
        cdx_blob *b = &r->blobs[in->slot];
        b->name = in->arg;
        b->data = embed_read_file(in->arg, &b->size);
        if (!b->data) read_errno[in->slot] = errno ? errno : EIO;
        if (!b->data) b->data = embed_empty, b->size = 0;
    }
    if (rc == CDX_ENOMEM) snprintf(err->message, sizeof err->message, "out of memory");
    if (rc == CDX_OK) rc = cdx_embed_texts(e, texts, r->n_texts, r->text_vecs, r->text_done, err);
    if (rc == CDX_OK)
        rc = cdx_embed_images(e, r->blobs, r->n_images, NULL, r->image_vecs, r->image_done,
                              r->image_errs, err);
    for (size_t i = 0; read_errno && i < r->n_images; i++)
        if (read_errno[i])
            snprintf(r->image_errs[i].message, sizeof r->image_errs[i].message,
                     "%s: cannot read: %s", r->blobs[i].name, strerror(read_errno[i]));
    free(texts);
    free(read_errno);
    return rc;
}

static void embed_print_row(const embed_run *r, const embed_input *in, const float *v) {
    if (r->json) {
        fputs("{\"input\":", stdout);
        cli_json_string(stdout, in->arg, strlen(in->arg));
        fputs(",\"embedding\":[", stdout);
        /* %.9g reads back as the same float32; vectors are finite (the backends check) */
        for (size_t j = 0; j < r->dim; j++)
            printf(j ? ",%.9g" : "%.9g", (double)v[j]);
        fputs("]}\n", stdout);
        return;
    }
    double norm = 0;
    for (size_t j = 0; j < r->dim; j++)
        norm += (double)v[j] * v[j];
    printf("%s %s\n  dim %zu, norm %.6f, [", in->is_image ? "image" : "text", in->arg, r->dim,
           sqrt(norm));
    for (size_t j = 0; j < r->dim && j < 4; j++)
        printf("%s%.6f", j ? ", " : "", (double)v[j]);
    printf("%s]\n", r->dim > 4 ? ", ..." : "");
}

/* Prints every embedded row in argument order and the failed images on stderr; returns how
 * many inputs have no vector. */
static size_t embed_print(const embed_run *r) {
    size_t missing = 0;
    for (size_t i = 0; i < r->n; i++) {
        const embed_input *in = &r->inputs[i];
        const uint8_t *done = in->is_image ? r->image_done : r->text_done;
        const float *vecs = in->is_image ? r->image_vecs : r->text_vecs;
        if (done[in->slot]) {
            embed_print_row(r, in, vecs + in->slot * r->dim);
            continue;
        }
        missing++;
        if (in->is_image && r->image_errs[in->slot].message[0])
            cli_errorf("%s", r->image_errs[in->slot].message);
    }
    return missing;
}

static void embed_free(embed_run *r) {
    for (size_t i = 0; r->blobs && i < r->n_images; i++)
        if (r->blobs[i].data != embed_empty) free((void *)r->blobs[i].data);
    free(r->blobs);
    free(r->inputs);
    free(r->text_vecs);
    free(r->image_vecs);
    free(r->text_done);
    free(r->image_done);
    free(r->image_errs);
}

int cmd_embed(int argc, char **argv) {
    embed_run r = {0};
    int rc = embed_parse(argc, argv, &r);
    cdx_embedder *e = NULL;
    if (rc == 0) rc = cli_open_embedder(&r.eopts, &e);
    if (rc != 0) {
        embed_free(&r);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }
    r.dim = cdx_embedder_dim(e);
    cdx_error err = {0};
    int status = CDX_OK;
    if (embed_alloc(&r)) {
        cli_errorf("out of memory");
        status = CDX_ENOMEM;
    } else {
        status = embed_all(&r, e, &err);
    }
    size_t missing = embed_print(&r);
    fflush(stdout);
    if (cdx_embedder_tokens(e) || (!r.json && strcmp(cdx_embedder_backend(e), "local") != 0))
        fprintf(stderr, "tokens: %" PRIu64 "\n", cdx_embedder_tokens(e));
    if (status != CDX_OK) cli_errorf("%s", err.message[0] ? err.message : cdx_strerror(status));
    cdx_embedder_free(e);
    embed_free(&r);
    if (status != CDX_OK) return cli_embed_exit_status(status);
    return missing ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}
