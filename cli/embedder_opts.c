/*
 * embedder_opts.c — the shared embedder options (see embedder_opts.h). Each backend is one open
 * function in `backends`; the API key read from --api-key-file lives only in a stack buffer that
 * is wiped once the backend has copied it.
 */
#include "embedder_opts.h"

#include "cli.h"
#include "model_dir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EOPTS_KEY_MAX 4096

typedef struct eopts_backend {
    const char *name;
    int (*open)(const cli_embedder_opts *o, cdx_embedder **out);
} eopts_backend;

/* Reads the key file into buf (surrounding whitespace stripped). Never prints the contents. */
static int eopts_read_key(const char *path, char *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_errorf("%s: cannot open the API key file: %s", path, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, cap - 1, f);
    int bad = ferror(f) || !feof(f);
    fclose(f);
    buf[n] = '\0';
    while (n && strchr(" \t\r\n", buf[n - 1]))
        buf[--n] = '\0';
    size_t start = strspn(buf, " \t\r\n");
    memmove(buf, buf + start, n - start + 1);
    if (bad || !buf[0]) {
        cli_errorf("%s: the API key file is %s", path, bad ? "unreadable or too long" : "empty");
        return -1;
    }
    return 0;
}

static int eopts_open_jina(const cli_embedder_opts *o, cdx_embedder **out) {
    char key[EOPTS_KEY_MAX];
    cdx_jina_opts jo = {.base_url = o->jina_url, .batch_size = o->batch, .timeout_s = o->timeout_s};
    if (o->api_key_file) {
        if (eopts_read_key(o->api_key_file, key, sizeof key)) {
            explicit_bzero(key, sizeof key);
            return CLI_EXIT_USAGE;
        }
        jo.api_key = key;
    }
    cdx_error err = {0};
    int rc = cdx_embedder_open_jina(&jo, out, &err);
    explicit_bzero(key, sizeof key);
    if (rc == CDX_OK) return 0;
    cli_errorf("%s", err.message[0] ? err.message : cdx_strerror(rc));
    if (!o->backend && rc == CDX_EAUTH)
        fputs("  or embed offline with the local model: clipdex model fetch, then --backend local\n",
              stderr);
    return CLI_EXIT_STOPPED;
}

static int eopts_open_local(const cli_embedder_opts *o, cdx_embedder **out) {
    char *dir = cli_model_dir(o->model_dir);
    if (!dir) return CLI_EXIT_USAGE;
    cdx_local_opts lo = {.threads = o->threads, .text_batch = o->batch, .image_batch = o->batch,
                         .precision = o->precision};
    cdx_error err = {0};
    int rc = cdx_embedder_open_local(dir, &lo, out, &err);
    free(dir);
    if (rc == CDX_OK) return 0;
    cli_errorf("%s", err.message[0] ? err.message : cdx_strerror(rc));
    return rc == CDX_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_STOPPED;
}

static const eopts_backend backends[] = {
    {"jina", eopts_open_jina},
    {"local", eopts_open_local},
};

/* Whether the local model directory has the files the local backend needs. */
static int eopts_local_present(const cli_embedder_opts *o) {
    static const char *const need[] = {"config.json", "model.safetensors"};
    char *dir = cli_model_dir(o->model_dir);
    int ok = dir != NULL;
    for (size_t i = 0; ok && i < sizeof need / sizeof need[0]; i++) {
        size_t n = strlen(dir) + strlen(need[i]) + 2;
        char *p = malloc(n);
        struct stat st;
        if (p) snprintf(p, n, "%s/%s", dir, need[i]);
        ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
        free(p);
    }
    free(dir);
    return ok;
}

int cli_backend_usable(const cli_embedder_opts *o, const char *name) {
    if (!strcmp(name, "jina")) {
        const char *key = getenv("JINA_API_KEY");
        return o->api_key_file || (key && *key);
    }
    return !strcmp(name, "local") && eopts_local_present(o);
}

const char *cli_default_backend(const cli_embedder_opts *o) {
    const char *env = getenv("CLIPDEX_MODEL");
    if (o->backend) return o->backend;
    if (o->model_dir || (env && *env)) return "local";
    if (!cli_backend_usable(o, "jina") && cli_backend_usable(o, "local")) return "local";
    return "jina";
}

int cli_open_embedder(const cli_embedder_opts *o, cdx_embedder **out) {
    const char *name = cli_default_backend(o);
    *out = NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (!strcmp(name, backends[i].name)) return backends[i].open(o, out);
    cli_errorf("--backend: unknown backend '%s' (jina or local)", name);
    return CLI_EXIT_USAGE;
}

static int eopts_parse_seconds(const char *opt, const char *v, double *out) {
    char *end = NULL;
    errno = 0;
    double s = v ? strtod(v, &end) : 0;
    if (!v || errno || end == v || *end || !(s > 0 && s <= 86400)) {
        cli_errorf("%s: '%s' is not a number of seconds in (0, 86400]", opt, v ? v : "");
        return -1;
    }
    *out = s;
    return 0;
}

int cli_embedder_opt(cli_embedder_opts *o, int argc, char **argv, int *i) {
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    const char **str = !strcmp(a, "--backend")        ? &o->backend
                       : !strcmp(a, "--jina-url")     ? &o->jina_url
                       : !strcmp(a, "--api-key-file") ? &o->api_key_file
                       : !strcmp(a, "--model")        ? &o->model_dir
                       : !strcmp(a, "--precision")    ? &o->precision
                                                      : NULL;
    int rc = 0;
    if (str) {
        if (!v)
            cli_errorf("%s needs a value", a);
        else
            *str = v;
        rc = v ? 0 : -1;
    } else if (!strcmp(a, "--batch")) {
        rc = cli_parse_int(a, v, 1, 2048, &o->batch);
    } else if (!strcmp(a, "--threads")) {
        rc = cli_parse_int(a, v, 1, 1024, &o->threads);
    } else if (!strcmp(a, "--timeout")) {
        rc = eopts_parse_seconds(a, v, &o->timeout_s);
    } else {
        return 0;
    }
    if (rc) return -1;
    (*i)++;
    return 1;
}

void cli_embedder_opts_help(FILE *out) {
    fputs("  --backend NAME       jina (Jina's API) or local (jina-clip-v1 run in-process);\n"
          "                       default: local when --model or $CLIPDEX_MODEL is given, or\n"
          "                       when no Jina API key is set and the default model directory\n"
          "                       holds a model; jina otherwise\n"
          "  --jina-url URL       API base URL (default $CLIPDEX_JINA_URL, else "
          "https://api.jina.ai)\n"
          "  --api-key-file FILE  read the Jina API key from FILE (default: $JINA_API_KEY)\n"
          "  --batch N            inputs per API request, 1..2048 (default 32); local: inputs\n"
          "                       per forward pass, 1..256 (default 16 texts, 8 images)\n"
          "  --timeout S          seconds per API request before it is retried (default 60)\n"
          "  --model DIR          the local model directory (default $CLIPDEX_MODEL, else\n"
          "                       $XDG_CACHE_HOME/clipdex/jina-clip-v1; `clipdex model fetch`)\n"
          "  --threads N          threads of the local model (default: one per CPU)\n"
          "  --precision P        local model's linear layers: fp32 (default), int10 (~1.4x,\n"
          "                       cosine >= 0.9998 vs fp32) or int8 (fastest, ~1.7x; cosine\n"
          "                       >= 0.999) (default $CLIPDEX_PRECISION, else fp32)\n",
          out);
}

int cli_embed_exit_status(int code) {
    switch (code) {
    case CDX_EAUTH:
    case CDX_ECREDIT:
    case CDX_EREJECTED:
    case CDX_ENETWORK:
        return CLI_EXIT_STOPPED;
    default:
        return CLI_EXIT_PARTIAL;
    }
}
