/*
 * jina.h — the Jina API backend's internals, split by concern: jina.c (open, options, the ops),
 * jina_request.c (request bodies and their inputs), jina_response.c (parsing answers and error
 * details), jina_transfer.c (the libcurl multi loop: batches in flight, retries, back-off).
 */
#ifndef CDX_EMBED_JINA_H
#define CDX_EMBED_JINA_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "embed/embedder.h"

#define JINA_MODEL "jina-clip-v1"
#define JINA_DIM 768
#define JINA_MAX_BATCH 2048
#define JINA_DEFAULT_BATCH 32
#define JINA_DEFAULT_BYTES ((size_t)8 << 20)
#define JINA_DEFAULT_IN_FLIGHT 2
#define JINA_MAX_IN_FLIGHT 64
#define JINA_DEFAULT_TIMEOUT_S 60.0
#define JINA_DEFAULT_RETRIES 6
/* Back-off: base * 2^(attempt-1), capped, with jitter; CLIPDEX_RETRY_BASE_MS overrides the base
 * (a testing knob, so fault tests run fast). */
#define JINA_RETRY_BASE_MS 500
#define JINA_RETRY_CAP_MS 30000

typedef struct jina_embedder {
    cdx_embedder base;
    char *endpoint;    /* {base}/v1/embeddings */
    char *auth_header; /* "Authorization: Bearer <key>"; wiped on free, never in a message */
    const char *key;   /* points into auth_header, to scrub messages */
    int batch_size;
    size_t max_request_bytes;
    int in_flight;
    long timeout_ms;
    int max_retries;
    long retry_base_ms;
    uint64_t rng;    /* jitter state */
    core_pool *pool; /* image encoding threads, made on first use (NULL: one CPU) */
    int pool_tried;
} jina_embedder;

/* ---- jina_request.c ---- */

/* What is being embedded: texts or images, and where the results go. */
typedef struct jina_inputs {
    size_t n;
    const char *const *texts; /* texts mode */
    const cdx_blob *images;   /* images mode */
    const cdx_image_opts *image_opts;
    float *out;
    uint8_t *done;
    cdx_error *item_errs;
} jina_inputs;

/* One request: its body and the input indices it carries, in body order. */
typedef struct jina_request {
    char *body;
    size_t len, cap;
    size_t *idx;
    size_t count;
} jina_request;

/* One encoded input item (`{"text":"…"}` or `{"image":"…"}`), owned by the caller. */
typedef struct jina_item {
    char *json;
    size_t len;
    size_t index;
} jina_item;

/* Encodes input i as a JSON item. For an image that cannot be decoded, returns CDX_OK with
 * item->json NULL and err filled (the input fails alone). Other failures (memory) are returned. */
int jina_item_encode(const jina_inputs *in, size_t i, jina_item *item, cdx_error *err);

/* Starts an empty request for up to `max_items` inputs. */
int jina_request_init(jina_request *r, size_t max_items, cdx_error *err);
/* Whether `item` still fits within `max_bytes` (a request's first item always fits). */
int jina_request_fits(const jina_request *r, const jina_item *item, size_t max_bytes);
/* Appends the item (copied) and its index. */
int jina_request_add(jina_request *r, const jina_item *item, cdx_error *err);
/* Closes the body with the fixed options; after this r->body/len is the request to send. */
int jina_request_finish(jina_request *r, cdx_error *err);
void jina_request_free(jina_request *r);

/* A short, message-safe name of input i: the image's name, or the text quoted and cut. */
void jina_input_name(const jina_inputs *in, size_t i, char *buf, size_t cap);

/* ---- jina_window.c ---- */

/* Inputs encoded ahead of the request being built: items[head..count) are still to be used
 * (json NULL: an undecodable image, already reported in item_errs). */
typedef struct jina_window {
    jina_item *items;
    size_t cap, head, count;
    int *rcs;        /* per-item status of the last fill */
    cdx_error *errs; /* per-item error of the last fill */
} jina_window;

int jina_window_init(jina_window *w, size_t cap, cdx_error *err);
void jina_window_free(jina_window *w);
/* Drops what is left and encodes inputs [first, first + min(count, cap)), on `pool` when
 * non-NULL (images only); the caller's thread calls tick(ctx) after each of its items. Fails
 * only on what stops a run (memory, a NULL text). */
int jina_window_fill(jina_window *w, const jina_inputs *in, size_t first, size_t count,
                     core_pool *pool, void (*tick)(void *ctx), void *ctx, cdx_error *err);

/* ---- jina_response.c ---- */

/* Parses a 200 answer of `n` inputs of `dim` floats into vecs (n * dim, row k = index k) and
 * adds usage.total_tokens to *tokens. Fails (nonzero, `why` says what) on bad JSON, a missing,
 * duplicate or out-of-range index, a count other than n, a vector that is not dim finite
 * numbers. Nothing is added to *tokens on failure. */
int jina_parse_embeddings(const char *body, size_t len, size_t n, size_t dim, float *vecs,
                          uint64_t *tokens, char *why, size_t why_cap);

/* The `detail` of an error answer: a string, or a FastAPI list whose `msg`s are joined with
 * "; ". Falls back to the start of the body (printable characters only) when there is none. */
void jina_parse_detail(const char *body, size_t len, char *out, size_t cap);

/* Masks every occurrence of `key` in the NUL-terminated `msg` with '*'s (in place). */
void jina_scrub(char *msg, const char *key);

/* ---- jina_transfer.c ---- */

/* Embeds every input through the API (batches, in flight, retries); see cdx_embed_texts. */
int jina_run(jina_embedder *je, const jina_inputs *in, cdx_error *err);

#endif
