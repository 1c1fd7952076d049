/*
 * fetch.c — cdx_model_fetch: downloads jina-clip-v1's files from a Hugging Face repository.
 * The repository's file list ({endpoint}/api/models/{repo}/tree/{revision}) gives each file's
 * size and checksum; each file comes from {endpoint}/{repo}/resolve/{revision}/{file} (LFS files
 * redirect to a CDN) into FILE.part, resumed with a Range request after an interruption, then
 * verified (fetch_verify.c) and renamed into place, so a model directory never holds half a file.
 */
#include "model/fetch.h"

#include "core/error.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define FETCH_DEFAULT_ENDPOINT "https://huggingface.co"
#define FETCH_DEFAULT_REPO "jinaai/jina-clip-v1"
#define FETCH_MAX_LIST (16u << 20) /* the file list of a model repository is a few kB */
#define FETCH_RETRY (-1)           /* a transient failure: resume and try again */

typedef struct fetch_ctx {
    CURL *curl;
    char *endpoint; /* without trailing '/' */
    const char *repo;
    char *revision; /* URL-escaped */
    const char *dir;
    cdx_fetch_progress progress;
    void *user;
    int retries;
    int cancelled;
    char curl_msg[CURL_ERROR_SIZE];
} fetch_ctx;

/* The files a local model needs; the optional ones are fetched when the repository has them. */
static const struct {
    const char *name;
    int required;
} fetch_wanted[] = {
    {"config.json", 1},
    {"model.safetensors", 1},
    {"tokenizer.json", 1},
    {"vocab.txt", 0},
    {"tokenizer_config.json", 0},
    {"special_tokens_map.json", 0},
    {"preprocessor_config.json", 0},
};
#define FETCH_NFILES (sizeof fetch_wanted / sizeof fetch_wanted[0])

static char *fetch_printf(const char *fmt, ...) CDX_PRINTF(1, 2);
static char *fetch_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!s) return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---- HTTP ---------------------------------------------------------------------------------- */

static void fetch_setup(fetch_ctx *ctx, const char *url) {
    CURL *c = ctx->curl;
    curl_easy_reset(c);
    ctx->curl_msg[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "clipdex/" CDX_VERSION_STRING);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L); /* LFS files redirect to a CDN */
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    /* A transfer that stalls (under 1 byte/s for 60 s) is interrupted, then resumed. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ctx->curl_msg);
}

static const char *fetch_curl_reason(const fetch_ctx *ctx, CURLcode rc) {
    return ctx->curl_msg[0] ? ctx->curl_msg : curl_easy_strerror(rc);
}

/* Maps a failed request to a status and message; transient failures give FETCH_RETRY. */
static int fetch_http_fail(fetch_ctx *ctx, CURLcode rc, const char *url, const char *what,
                           cdx_error *err) {
    long code = 0;
    curl_easy_getinfo(ctx->curl, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_ABORTED_BY_CALLBACK && ctx->cancelled)
        return cdx_fail(err, CDX_EINVAL, "%s: cancelled", what);
    if (rc == CURLE_HTTP_RETURNED_ERROR && code == 404)
        return cdx_fail(err, CDX_ENOTFOUND, "%s: not found (HTTP 404 from %s)", what, url);
    if (rc == CURLE_HTTP_RETURNED_ERROR && (code == 401 || code == 403))
        return cdx_fail(err, CDX_EAUTH, "%s: access refused (HTTP %ld from %s)", what, code, url);
    if (rc == CURLE_HTTP_RETURNED_ERROR && code < 500 && code != 408 && code != 429)
        return cdx_fail(err, CDX_ENETWORK, "%s: HTTP %ld from %s", what, code, url);
    cdx_fail(err, CDX_ENETWORK, "%s: %s (%s)", what, fetch_curl_reason(ctx, rc), url);
    return FETCH_RETRY;
}

typedef struct fetch_buf {
    char *data;
    size_t len, cap;
} fetch_buf;

static size_t fetch_buf_write(char *p, size_t size, size_t n, void *user) {
    fetch_buf *b = user;
    size_t len = size * n;
    if (len > FETCH_MAX_LIST - b->len) return 0;
    if (b->len + len + 1 > b->cap) {
        size_t cap = (b->len + len + 1) * 2;
        char *d = realloc(b->data, cap);
        if (!d) return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return len;
}

/* ---- the file list --------------------------------------------------------------------------- */

static int fetch_is_hex(const char *s, size_t n) {
    if (strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

/* Fills one wanted file from a tree entry: size, and the LFS sha256 or the git blob id. */
static int fetch_tree_entry(const cJSON *e, mdl_fetch_file *f, const char *url, cdx_error *err) {
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(e, "size");
    const cJSON *oid = cJSON_GetObjectItemCaseSensitive(e, "oid");
    const cJSON *lfs = cJSON_GetObjectItemCaseSensitive(e, "lfs");
    if (cJSON_IsObject(lfs)) {
        size = cJSON_GetObjectItemCaseSensitive(lfs, "size");
        const cJSON *sha = cJSON_GetObjectItemCaseSensitive(lfs, "oid");
        if (!cJSON_IsString(sha) || !fetch_is_hex(sha->valuestring, 64))
            return cdx_fail(err, CDX_ECORRUPT, "%s: %s: lfs.oid is not a sha256", url, f->name);
        memcpy(f->sha256, sha->valuestring, 65);
    } else if (cJSON_IsString(oid) && fetch_is_hex(oid->valuestring, 40)) {
        memcpy(f->git_oid, oid->valuestring, 41);
    }
    if (!cJSON_IsNumber(size) || size->valuedouble < 0 || size->valuedouble > 0x1p52)
        return cdx_fail(err, CDX_ECORRUPT, "%s: %s: no valid size", url, f->name);
    f->size = (uint64_t)size->valuedouble;
    f->listed = 1;
    return CDX_OK;
}

static int fetch_parse_tree(const char *json, size_t len, mdl_fetch_file *files, const char *url,
                            cdx_error *err) {
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return cdx_fail(err, CDX_ECORRUPT, "%s: the file list is not a JSON array", url);
    }
    int rc = CDX_OK;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "type");
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(e, "path");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "file") != 0 ||
            !cJSON_IsString(path))
            continue;
        for (size_t i = 0; !rc && i < FETCH_NFILES; i++)
            if (!strcmp(path->valuestring, files[i].name))
                rc = fetch_tree_entry(e, &files[i], url, err);
    }
    cJSON_Delete(root);
    return rc;
}

static int fetch_list(fetch_ctx *ctx, mdl_fetch_file *files, cdx_error *err) {
    char *url = fetch_printf("%s/api/models/%s/tree/%s", ctx->endpoint, ctx->repo, ctx->revision);
    if (!url) return cdx_fail(err, CDX_ENOMEM, "out of memory");
    fetch_buf body = {0};
    int rc = CDX_OK;
    for (int attempt = 0;; attempt++) {
        body.len = 0;
        fetch_setup(ctx, url);
        curl_easy_setopt(ctx->curl, CURLOPT_WRITEFUNCTION, fetch_buf_write);
        curl_easy_setopt(ctx->curl, CURLOPT_WRITEDATA, &body);
        CURLcode cc = curl_easy_perform(ctx->curl);
        if (cc == CURLE_OK) break;
        char what[300];
        snprintf(what, sizeof what, "%s (revision %s): file list", ctx->repo, ctx->revision);
        rc = fetch_http_fail(ctx, cc, url, what, err);
        if (rc != FETCH_RETRY || attempt >= ctx->retries) break;
    }
    if (rc == FETCH_RETRY) rc = CDX_ENETWORK;
    if (!rc) rc = fetch_parse_tree(body.data ? body.data : "", body.len, files, url, err);
    free(body.data);
    free(url);
    return rc;
}

/* ---- one file ----------------------------------------------------------------------------------
 */

typedef struct fetch_dl {
    fetch_ctx *ctx;
    const mdl_fetch_file *file;
    FILE *out;
    uint64_t start;      /* bytes of the .part file this request continues from */
    uint64_t got;        /* body bytes written by this request */
    int64_t range_start; /* Content-Range start of the last response, -1 if none */
    int checked;         /* the status of the response carrying the body was looked at */
    const char *failure; /* why the write callback stopped the transfer */
} fetch_dl;

static size_t fetch_dl_header(char *p, size_t size, size_t n, void *user) {
    fetch_dl *d = user;
    size_t len = size * n;
    if (len >= 5 && !memcmp(p, "HTTP/", 5)) d->range_start = -1; /* a new response */
    if (len > 20 && !strncasecmp(p, "Content-Range:", 14)) {
        char line[128];
        size_t m = len < sizeof line - 1 ? len : sizeof line - 1;
        memcpy(line, p, m);
        line[m] = '\0';
        unsigned long long s = 0;
        if (sscanf(line + 14, " bytes %llu-", &s) == 1) d->range_start = (int64_t)s;
    }
    return len;
}

/* The first body bytes: a 200 to a Range request means the server starts over. */
static int fetch_dl_check_status(fetch_dl *d) {
    long code = 0;
    curl_easy_getinfo(d->ctx->curl, CURLINFO_RESPONSE_CODE, &code);
    d->checked = 1;
    if (code == 200 && d->start > 0) {
        if (fflush(d->out) || ftruncate(fileno(d->out), 0)) return -1;
        d->start = 0;
    } else if (code == 206 && d->range_start != (int64_t)d->start) {
        d->failure = "the server resumed at another offset than asked";
        return -1;
    }
    return 0;
}

static size_t fetch_dl_write(char *p, size_t size, size_t n, void *user) {
    fetch_dl *d = user;
    size_t len = size * n;
    if (!d->checked && fetch_dl_check_status(d)) return 0;
    if (len > d->file->size - d->start - d->got) {
        d->failure = "the server sent more bytes than the file list says the file has";
        return 0;
    }
    if (fwrite(p, 1, len, d->out) != len) {
        d->failure = "could not write the partial file";
        return 0;
    }
    d->got += len;
    return len;
}

static int fetch_dl_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                             curl_off_t ulnow) {
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow; /* d->got counts this file's bytes */
    fetch_dl *d = user;
    fetch_ctx *ctx = d->ctx;
    if (ctx->progress && ctx->progress(CDX_FETCH_PROGRESS, d->file->name, d->start + d->got,
                                       d->file->size, ctx->user)) {
        ctx->cancelled = 1;
        return 1;
    }
    return 0;
}

static uint64_t fetch_file_size(const char *path, int *exists) {
    struct stat st;
    *exists = stat(path, &st) == 0;
    return *exists ? (uint64_t)st.st_size : 0;
}

/* One GET of the rest of the file into `part` (which holds `have` bytes). */
static int fetch_transfer(fetch_ctx *ctx, const mdl_fetch_file *f, const char *part, uint64_t have,
                          cdx_error *err) {
    char *url =
        fetch_printf("%s/%s/resolve/%s/%s", ctx->endpoint, ctx->repo, ctx->revision, f->name);
    FILE *out = url ? fopen(part, "ab") : NULL;
    if (!out) {
        free(url);
        return cdx_fail(err, CDX_EIO, "%s: %s", part, url ? strerror(errno) : "out of memory");
    }
    if (ctx->progress && ctx->progress(CDX_FETCH_START, f->name, have, f->size, ctx->user))
        ctx->cancelled = 1;
    fetch_dl d = {ctx, f, out, have, 0, -1, 0, NULL};
    fetch_setup(ctx, url);
    curl_easy_setopt(ctx->curl, CURLOPT_WRITEFUNCTION, fetch_dl_write);
    curl_easy_setopt(ctx->curl, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(ctx->curl, CURLOPT_HEADERFUNCTION, fetch_dl_header);
    curl_easy_setopt(ctx->curl, CURLOPT_HEADERDATA, &d);
    curl_easy_setopt(ctx->curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(ctx->curl, CURLOPT_XFERINFOFUNCTION, fetch_dl_progress);
    curl_easy_setopt(ctx->curl, CURLOPT_XFERINFODATA, &d);
    if (have > 0) curl_easy_setopt(ctx->curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)have);
    CURLcode cc = ctx->cancelled ? CURLE_ABORTED_BY_CALLBACK : curl_easy_perform(ctx->curl);
    int closed = fflush(out) == 0 && fsync(fileno(out)) == 0;
    closed = fclose(out) == 0 && closed;
    int rc = CDX_OK;
    if (d.failure) {
        unlink(part);
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: %s (%s); the partial file was deleted", f->name,
                      d.failure, url);
    } else if (cc != CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(ctx->curl, CURLINFO_RESPONSE_CODE, &code);
        rc = fetch_http_fail(ctx, cc, url, f->name, err);
        if (cc == CURLE_HTTP_RETURNED_ERROR && code == 416) { /* the .part is not a prefix */
            unlink(part);
            rc = FETCH_RETRY;
        }
    } else if (!closed) {
        rc = cdx_fail(err, CDX_EIO, "%s: could not write it: %s", part, strerror(errno));
    }
    free(url);
    return rc;
}

/* Downloads (or resumes) one file, verifies it and renames it into place. */
static int fetch_download(fetch_ctx *ctx, const mdl_fetch_file *f, const char *final,
                          const char *part, cdx_error *err) {
    for (int attempt = 0;; attempt++) {
        int exists = 0;
        uint64_t have = fetch_file_size(part, &exists);
        if (have > f->size) { /* not a prefix of this file: start over */
            unlink(part);
            have = 0, exists = 0;
        }
        if (!exists || have < f->size) {
            int rc = fetch_transfer(ctx, f, part, have, err);
            if (rc == FETCH_RETRY && attempt < ctx->retries) continue;
            if (rc == FETCH_RETRY) {
                char why[sizeof err->message];
                snprintf(why, sizeof why, "%s", err ? err->message : "interrupted");
                have = fetch_file_size(part, &exists);
                return cdx_fail(err, CDX_ENETWORK,
                                "%s; %" PRIu64 " of %" PRIu64 " bytes are in %s: run the fetch "
                                "again to resume",
                                why, have, f->size, part);
            }
            if (rc) return rc;
            have = fetch_file_size(part, &exists);
            if (have < f->size) { /* the body ended early without a transport error */
                if (attempt < ctx->retries) continue;
                return cdx_fail(err, CDX_ENETWORK,
                                "%s: the transfer ended after %" PRIu64 " of %" PRIu64
                                " bytes: run the fetch again to resume",
                                f->name, have, f->size);
            }
        }
        int rc = mdl_fetch_verify(part, f, err);
        if (rc == CDX_ECORRUPT) {
            unlink(part);
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%s", err ? err->message : "");
            return cdx_fail(err, CDX_ECORRUPT, "%s; the download was deleted", msg);
        }
        if (rc) return rc;
        if (rename(part, final))
            return cdx_fail(err, CDX_EIO, "%s: cannot rename to %s: %s", part, final,
                            strerror(errno));
        if (ctx->progress) ctx->progress(CDX_FETCH_DONE, f->name, f->size, f->size, ctx->user);
        return CDX_OK;
    }
}

static int fetch_one(fetch_ctx *ctx, const mdl_fetch_file *f, cdx_error *err) {
    char *final = fetch_printf("%s/%s", ctx->dir, f->name);
    char *part = fetch_printf("%s/%s.part", ctx->dir, f->name);
    int rc;
    if (!final || !part) {
        rc = cdx_fail(err, CDX_ENOMEM, "out of memory");
    } else {
        int exists = 0;
        fetch_file_size(final, &exists);
        if (exists && mdl_fetch_verify(final, f, NULL) == CDX_OK) {
            if (ctx->progress)
                ctx->progress(CDX_FETCH_PRESENT, f->name, f->size, f->size, ctx->user);
            rc = CDX_OK;
        } else {
            rc = fetch_download(ctx, f, final, part, err);
        }
    }
    free(final);
    free(part);
    return rc;
}

/* ---- the whole model ------------------------------------------------------------------------- */

/* mkdir -p */
static int fetch_mkdirs(const char *dir, cdx_error *err) {
    size_t n = strlen(dir);
    char *p = malloc(n + 1);
    if (!p) return cdx_fail(err, CDX_ENOMEM, "out of memory");
    memcpy(p, dir, n + 1);
    int rc = CDX_OK;
    for (size_t i = 1; i <= n && !rc; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        char c = p[i];
        p[i] = '\0';
        struct stat st;
        if (mkdir(p, 0777) && (errno != EEXIST || stat(p, &st) || !S_ISDIR(st.st_mode)))
            rc = cdx_fail(err, CDX_EIO, "%s: cannot create the directory: %s", p,
                          errno == EEXIST ? "not a directory" : strerror(errno));
        p[i] = c;
    }
    free(p);
    return rc;
}

static int fetch_open(fetch_ctx *ctx, const char *dir, const cdx_fetch_opts *opts, cdx_error *err) {
    const char *env = getenv("HF_ENDPOINT");
    const char *endpoint = opts && opts->endpoint ? opts->endpoint
                           : env && *env          ? env
                                                  : FETCH_DEFAULT_ENDPOINT;
    ctx->dir = dir;
    ctx->repo = opts && opts->repo ? opts->repo : FETCH_DEFAULT_REPO;
    ctx->retries = !opts || opts->max_retries == 0 ? 3
                   : opts->max_retries < 0         ? 0
                                                   : opts->max_retries;
    ctx->curl = curl_easy_init();
    if (!ctx->curl) return cdx_fail(err, CDX_ENOMEM, "cannot start libcurl");
    size_t n = strlen(endpoint);
    while (n > 0 && endpoint[n - 1] == '/')
        n--;
    ctx->endpoint = fetch_printf("%.*s", (int)n, endpoint);
    const char *rev = opts && opts->revision && *opts->revision ? opts->revision : "main";
    ctx->revision = curl_easy_escape(ctx->curl, rev, 0); /* "refs/pr/1" -> "refs%2Fpr%2F1" */
    if (!ctx->endpoint || !ctx->revision) return cdx_fail(err, CDX_ENOMEM, "out of memory");
    return CDX_OK;
}

static void fetch_close(fetch_ctx *ctx) {
    free(ctx->endpoint);
    curl_free(ctx->revision);
    if (ctx->curl) curl_easy_cleanup(ctx->curl);
}

int cdx_model_fetch(const char *dir, const cdx_fetch_opts *opts, cdx_fetch_progress progress,
                    void *user, cdx_error *err) {
    if (!dir || !*dir) return cdx_fail(err, CDX_EINVAL, "model fetch: no directory given");
    fetch_ctx ctx = {0};
    ctx.progress = progress;
    ctx.user = user;
    mdl_fetch_file files[FETCH_NFILES];
    memset(files, 0, sizeof files);
    for (size_t i = 0; i < FETCH_NFILES; i++) {
        files[i].name = fetch_wanted[i].name;
        files[i].required = fetch_wanted[i].required;
    }
    int rc = fetch_open(&ctx, dir, opts, err);
    if (!rc) rc = fetch_mkdirs(dir, err);
    if (!rc) rc = fetch_list(&ctx, files, err);
    for (size_t i = 0; !rc && i < FETCH_NFILES; i++)
        if (files[i].required && !files[i].listed)
            rc = cdx_fail(err, CDX_ENOTFOUND, "%s (revision %s) has no %s", ctx.repo, ctx.revision,
                          files[i].name);
    for (size_t i = 0; !rc && i < FETCH_NFILES; i++)
        if (files[i].listed) rc = fetch_one(&ctx, &files[i], err);
    fetch_close(&ctx);
    return rc;
}
