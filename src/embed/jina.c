/*
 * jina.c — opening the Jina API backend: options and their defaults, the API key (from the options
 * or $JINA_API_KEY; kept only in the Authorization header and wiped on free), and the backend ops
 * that hand the inputs to the transfer loop (jina_transfer.c).
 */
#include "embed/jina.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"

static int jina_texts(cdx_embedder *e, const char *const *texts, size_t n, float *out,
                      uint8_t *done, cdx_error *err) {
    jina_inputs in = {.n = n, .texts = texts, .out = out, .done = done};
    return jina_run((jina_embedder *)e, &in, err);
}

static int jina_images(cdx_embedder *e, const cdx_blob *images, size_t n,
                       const cdx_image_opts *opts, float *out, uint8_t *done, cdx_error *item_errs,
                       cdx_error *err) {
    jina_inputs in = {.n = n,
                      .images = images,
                      .image_opts = opts,
                      .out = out,
                      .done = done,
                      .item_errs = item_errs};
    return jina_run((jina_embedder *)e, &in, err);
}

static void jina_destroy(cdx_embedder *e) {
    jina_embedder *je = (jina_embedder *)e;
    if (je->auth_header) explicit_bzero(je->auth_header, strlen(je->auth_header));
    free(je->auth_header);
    free(je->endpoint);
    core_pool_free(je->pool);
    free(je);
    curl_global_cleanup();
}

static const embed_ops jina_ops = {jina_texts, jina_images, jina_destroy};

static int jina_check_opts(const cdx_jina_opts *o, cdx_error *err) {
    if (o->batch_size < 0 || o->batch_size > JINA_MAX_BATCH)
        return cdx_fail(err, CDX_EINVAL, "jina: batch size %d is not in 1..%d", o->batch_size,
                        JINA_MAX_BATCH);
    if (o->in_flight < 0 || o->in_flight > JINA_MAX_IN_FLIGHT)
        return cdx_fail(err, CDX_EINVAL, "jina: %d requests in flight is not in 1..%d",
                        o->in_flight, JINA_MAX_IN_FLIGHT);
    if (!(o->timeout_s >= 0 && o->timeout_s <= 86400))
        return cdx_fail(err, CDX_EINVAL, "jina: timeout %g s is not in (0, 86400]", o->timeout_s);
    if (o->max_retries < -1 || o->max_retries > 100)
        return cdx_fail(err, CDX_EINVAL, "jina: %d retries is not in -1..100", o->max_retries);
    return CDX_OK;
}

/* {base}/v1/embeddings from opts, $CLIPDEX_JINA_URL or the default; trailing '/'s dropped. */
static int jina_endpoint(const cdx_jina_opts *o, char **out, cdx_error *err) {
    const char *base = o->base_url;
    if (!base || !*base) base = getenv("CLIPDEX_JINA_URL");
    if (!base || !*base) base = "https://api.jina.ai";
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
        return cdx_fail(err, CDX_EINVAL, "%s: the Jina URL must start with http:// or https://",
                        base);
    size_t n = strlen(base);
    while (n > 8 && base[n - 1] == '/')
        n--;
    static const char path[] = "/v1/embeddings";
    if (!(*out = malloc(n + sizeof path))) return cdx_fail(err, CDX_ENOMEM, "jina: out of memory");
    memcpy(*out, base, n);
    memcpy(*out + n, path, sizeof path);
    return CDX_OK;
}

/* The Authorization header for the key from opts or $JINA_API_KEY. */
static int jina_auth(const cdx_jina_opts *o, jina_embedder *je, cdx_error *err) {
    const char *key = o->api_key;
    if (!key || !*key) key = getenv("JINA_API_KEY");
    if (!key || !*key)
        return cdx_fail(err, CDX_EAUTH,
                        "no Jina API key: set JINA_API_KEY (or pass --api-key-file FILE); "
                        "get one at https://jina.ai/embeddings");
    for (const char *p = key; *p; p++)
        if ((unsigned char)*p < 0x21 || *p == 0x7f)
            return cdx_fail(err, CDX_EAUTH,
                            "the Jina API key contains spaces or control "
                            "characters");
    static const char prefix[] = "Authorization: Bearer ";
    size_t n = strlen(key);
    if (!(je->auth_header = malloc(sizeof prefix + n)))
        return cdx_fail(err, CDX_ENOMEM, "jina: out of memory");
    memcpy(je->auth_header, prefix, sizeof prefix - 1);
    memcpy(je->auth_header + sizeof prefix - 1, key, n + 1);
    je->key = je->auth_header + sizeof prefix - 1;
    return CDX_OK;
}

static long jina_retry_base_ms(void) {
    const char *s = getenv("CLIPDEX_RETRY_BASE_MS");
    if (!s || !*s) return JINA_RETRY_BASE_MS;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    return (*end || v < 0 || v > JINA_RETRY_CAP_MS) ? JINA_RETRY_BASE_MS : v;
}

static void jina_apply_defaults(const cdx_jina_opts *o, jina_embedder *je) {
    je->batch_size = o->batch_size ? o->batch_size : JINA_DEFAULT_BATCH;
    je->max_request_bytes = o->max_request_bytes ? o->max_request_bytes : JINA_DEFAULT_BYTES;
    je->in_flight = o->in_flight ? o->in_flight : JINA_DEFAULT_IN_FLIGHT;
    double t = o->timeout_s > 0 ? o->timeout_s : JINA_DEFAULT_TIMEOUT_S;
    je->timeout_ms = (long)(t * 1000.0 + 0.5);
    if (je->timeout_ms < 1) je->timeout_ms = 1;
    je->max_retries = o->max_retries == 0  ? JINA_DEFAULT_RETRIES
                      : o->max_retries < 0 ? 0
                                           : o->max_retries;
    je->retry_base_ms = jina_retry_base_ms();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    je->rng = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)je;
    if (!je->rng) je->rng = 1;
}

int cdx_embedder_open_jina(const cdx_jina_opts *opts, cdx_embedder **out, cdx_error *err) {
    static const cdx_jina_opts defaults = {0};
    if (!out) return cdx_fail(err, CDX_EINVAL, "jina: no output handle");
    *out = NULL;
    if (!opts) opts = &defaults;
    int rc = jina_check_opts(opts, err);
    if (rc != CDX_OK) return rc;
    jina_embedder *je = calloc(1, sizeof *je);
    if (!je) return cdx_fail(err, CDX_ENOMEM, "jina: out of memory");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(je);
        return cdx_fail(err, CDX_ENETWORK, "jina: libcurl failed to initialise");
    }
    je->base.ops = &jina_ops;
    je->base.backend = "jina";
    snprintf(je->base.model, sizeof je->base.model, "%s", JINA_MODEL);
    je->base.dim = JINA_DIM;
    rc = jina_endpoint(opts, &je->endpoint, err);
    if (rc == CDX_OK) rc = jina_auth(opts, je, err);
    if (rc != CDX_OK) {
        jina_destroy(&je->base);
        return rc;
    }
    jina_apply_defaults(opts, je);
    *out = &je->base;
    return CDX_OK;
}
