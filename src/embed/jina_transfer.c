/*
 * jina_transfer.c — the transfer loop of the Jina backend. One thread drives a libcurl multi
 * handle: up to `in_flight` requests run at once (each in a slot), and the next request's inputs
 * are encoded meanwhile, the transfers pumped between images. A slot retries 429/5xx/timeouts/bad
 * answers with exponential back-off and jitter (honouring Retry-After); 401/402/403/400/422 stop
 * the run: nothing new starts, answers already in flight are still taken, rows done stay done.
 */
#include "embed/jina.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/error.h"

#define JINA_MAX_ANSWER ((size_t)512 << 20)
#define JINA_MAX_RETRY_AFTER_MS 120000L

typedef enum { SLOT_FREE, SLOT_RUNNING, SLOT_WAITING } jina_slot_state;

typedef struct jina_slot {
    jina_slot_state state;
    jina_request req;
    CURL *easy;
    char *answer;
    size_t answer_len, answer_cap;
    int retries;
    long retry_after_ms;
    int64_t due_ms;
    char errbuf[CURL_ERROR_SIZE];
} jina_slot;

typedef struct jina_job {
    jina_embedder *je;
    const jina_inputs *in;
    CURLM *multi;
    struct curl_slist *headers;
    jina_slot *slots;
    int nslots;
    size_t cursor;   /* next input to encode */
    jina_window win; /* encoded inputs not yet in a request */
    jina_request next;
    int next_ready;
    float *vecs; /* batch_size * dim scratch for one answer */
    int stopped, status;
    cdx_error *err;
} jina_job;

static int64_t jina_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "inputs 32..63 (first: a.jpg)" for a request's message. */
static void jina_batch_name(const jina_job *job, const jina_request *r, char *buf, size_t cap) {
    char first[300];
    jina_input_name(job->in, r->idx[0], first, sizeof first);
    if (r->count == 1)
        snprintf(buf, cap, "input %zu (%s)", r->idx[0], first);
    else
        snprintf(buf, cap, "inputs %zu..%zu (first: %s)", r->idx[0], r->idx[r->count - 1], first);
}

/* Stops the run with the first fatal error; the message never holds the key. */
static void jina_stop(jina_job *job, int code, const char *fmt, ...) CDX_PRINTF(3, 4);
static void jina_stop(jina_job *job, int code, const char *fmt, ...) {
    job->stopped = 1;
    if (job->status != CDX_OK) return;
    char msg[sizeof job->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jina_scrub(msg, job->je->key);
    job->status = cdx_fail(job->err, code, "%s", msg);
}

static size_t jina_on_body(char *data, size_t size, size_t nmemb, void *user) {
    jina_slot *s = user;
    size_t n = size * nmemb;
    if (n > JINA_MAX_ANSWER - s->answer_len) return 0;
    if (s->answer_len + n + 1 > s->answer_cap) {
        size_t cap = s->answer_cap ? s->answer_cap : 65536;
        while (cap < s->answer_len + n + 1)
            cap *= 2;
        char *p = realloc(s->answer, cap);
        if (!p) return 0;
        s->answer = p;
        s->answer_cap = cap;
    }
    memcpy(s->answer + s->answer_len, data, n);
    s->answer_len += n;
    s->answer[s->answer_len] = '\0';
    return n;
}

/* Picks up Retry-After in seconds (the HTTP-date form is ignored: back-off applies). */
static size_t jina_on_header(char *data, size_t size, size_t nmemb, void *user) {
    jina_slot *s = user;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && !strncasecmp(data, name, sizeof name - 1)) {
        long secs = 0;
        size_t i = sizeof name - 1;
        while (i < n && (data[i] == ' ' || data[i] == '\t'))
            i++;
        size_t start = i;
        while (i < n && data[i] >= '0' && data[i] <= '9' && secs < JINA_MAX_RETRY_AFTER_MS)
            secs = secs * 10 + (data[i++] - '0');
        if (i > start) {
            long ms = secs * 1000;
            s->retry_after_ms = ms < JINA_MAX_RETRY_AFTER_MS ? ms : JINA_MAX_RETRY_AFTER_MS;
        }
    }
    return n;
}

static int jina_launch(jina_job *job, jina_slot *s) {
    CURL *e = s->easy;
    jina_embedder *je = job->je;
    s->answer_len = 0;
    s->retry_after_ms = 0;
    s->errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_URL, je->endpoint);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, job->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, s->req.body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->req.len);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, je->timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "clipdex/" CDX_VERSION_STRING);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, jina_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, jina_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    if (curl_multi_add_handle(job->multi, e) != CURLM_OK) {
        jina_stop(job, CDX_ENETWORK, "jina: libcurl could not start a request");
        return -1;
    }
    s->state = SLOT_RUNNING;
    return 0;
}

/* Back-off before retry number `attempt` (1-based): base * 2^(attempt-1), capped, half of it
 * jittered, and never shorter than the server's Retry-After. */
static long jina_backoff_ms(jina_embedder *je, int attempt, long retry_after_ms) {
    long d = je->retry_base_ms;
    for (int i = 1; i < attempt && d < JINA_RETRY_CAP_MS; i++)
        d *= 2;
    if (d > JINA_RETRY_CAP_MS) d = JINA_RETRY_CAP_MS;
    je->rng ^= je->rng << 13; /* xorshift64 */
    je->rng ^= je->rng >> 7;
    je->rng ^= je->rng << 17;
    d = d / 2 + (long)(je->rng % (uint64_t)(d / 2 + 1));
    return d > retry_after_ms ? d : retry_after_ms;
}

static void jina_slot_release(jina_slot *s) {
    jina_request_free(&s->req);
    s->state = SLOT_FREE;
    s->retries = 0;
}

/* A retryable failure: wait and try again, or stop when the retries are spent. */
static void jina_retry(jina_job *job, jina_slot *s, const char *reason) {
    char batch[400];
    if (job->stopped || s->retries >= job->je->max_retries) {
        if (!job->stopped) {
            jina_batch_name(job, &s->req, batch, sizeof batch);
            jina_stop(job, CDX_ENETWORK, "Jina API: %s: gave up after %d %s: %s", batch, s->retries,
                      s->retries == 1 ? "retry" : "retries", reason);
        }
        jina_slot_release(s);
        return;
    }
    s->retries++;
    s->due_ms = jina_now_ms() + jina_backoff_ms(job->je, s->retries, s->retry_after_ms);
    s->state = SLOT_WAITING;
}

/* Takes a 200's vectors into the caller's rows; a bad answer is retried. */
static void jina_accept(jina_job *job, jina_slot *s) {
    const jina_inputs *in = job->in;
    char why[200], reason[260];
    if (jina_parse_embeddings(s->answer ? s->answer : "", s->answer_len, s->req.count, JINA_DIM,
                              job->vecs, &job->je->base.tokens, why, sizeof why)) {
        snprintf(reason, sizeof reason, "bad answer: %s", why);
        jina_retry(job, s, reason);
        return;
    }
    for (size_t k = 0; k < s->req.count; k++) {
        memcpy(in->out + s->req.idx[k] * JINA_DIM, job->vecs + k * JINA_DIM,
               JINA_DIM * sizeof(float));
        in->done[s->req.idx[k]] = 1;
    }
    jina_slot_release(s);
}

/* Whether an error detail speaks of the balance (Jina's AUTHZ_INSUFFICIENT_BALANCE). */
static int jina_mentions_balance(const char *detail) {
    static const char word[] = "balance";
    for (const char *p = detail; *p; p++) {
        size_t k = 0;
        while (word[k] && tolower((unsigned char)p[k]) == word[k])
            k++;
        if (!word[k]) return 1;
    }
    return 0;
}

/* An HTTP error status: retried (429, 408, 5xx) or the run stops with the server's detail. */
static void jina_http_error(jina_job *job, jina_slot *s, long status) {
    char detail[300], reason[340], batch[400];
    jina_parse_detail(s->answer, s->answer_len, detail, sizeof detail);
    snprintf(reason, sizeof reason, "HTTP %ld%s%s", status, detail[0] ? ": " : "", detail);
    if (status == 429 || status == 408 || (status >= 500 && status <= 599)) {
        jina_retry(job, s, reason);
        return;
    }
    jina_batch_name(job, &s->req, batch, sizeof batch);
    if (status == 401)
        jina_stop(job, CDX_EAUTH, "Jina API: invalid or missing API key (%s)", reason);
    else if (status == 402 || (status == 403 && jina_mentions_balance(detail)))
        jina_stop(job, CDX_ECREDIT, "Jina API: out of credits (%s); top up the key's balance",
                  reason);
    else if (status == 403)
        jina_stop(job, CDX_EAUTH, "Jina API: the key may not do this (%s)", reason);
    else if (status == 400 || status == 422)
        jina_stop(job, CDX_EREJECTED, "Jina API rejected %s: %s", batch, reason);
    else
        jina_stop(job, CDX_ENETWORK, "Jina API: unexpected answer for %s: %s", batch, reason);
    jina_slot_release(s);
}

static void jina_finished(jina_job *job, jina_slot *s, CURLcode res) {
    curl_multi_remove_handle(job->multi, s->easy);
    long status = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    if (res == CURLE_OK && status == 200) {
        jina_accept(job, s);
    } else if (res == CURLE_OK) {
        jina_http_error(job, s, status);
    } else {
        char reason[CURL_ERROR_SIZE + 80];
        if (res == CURLE_OPERATION_TIMEDOUT)
            snprintf(reason, sizeof reason, "no answer within %.3g s",
                     job->je->timeout_ms / 1000.0);
        else
            snprintf(reason, sizeof reason, "%s%s%s", curl_easy_strerror(res),
                     s->errbuf[0] ? ": " : "", s->errbuf);
        jina_retry(job, s, reason);
    }
}

/* Moves transfers on, takes finished ones, restarts slots whose back-off is over, and (when
 * wait_ms > 0) waits up to wait_ms for network activity or the next due retry. */
static void jina_pump(jina_job *job, long wait_ms) {
    int running = 0;
    curl_multi_perform(job->multi, &running);
    CURLMsg *msg;
    int left, changed = 0;
    while ((msg = curl_multi_info_read(job->multi, &left)))
        if (msg->msg == CURLMSG_DONE) {
            jina_slot *s = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            jina_finished(job, s, msg->data.result);
            changed = 1;
        }
    int64_t now = jina_now_ms();
    for (int i = 0; i < job->nslots; i++) {
        jina_slot *s = &job->slots[i];
        if (s->state != SLOT_WAITING) continue;
        changed |= job->stopped || s->due_ms <= now;
        if (job->stopped)
            jina_slot_release(s);
        else if (s->due_ms <= now)
            jina_launch(job, s);
        else if (s->due_ms - now < wait_ms)
            wait_ms = (long)(s->due_ms - now);
    }
    /* a slot freed or restarted: let the caller act before waiting on the network */
    if (wait_ms > 0 && !changed) curl_multi_poll(job->multi, NULL, 0, (int)wait_ms, NULL);
}

static void jina_tick(void *job) {
    jina_pump(job, 0);
}

/* Takes encoded inputs into job->next until it is full (count or bytes) or the inputs run out;
 * encodes the next window of inputs when the current one is used up. */
static int jina_prepare(jina_job *job) {
    jina_embedder *je = job->je;
    const jina_inputs *in = job->in;
    jina_window *w = &job->win;
    int rc = jina_request_init(&job->next, (size_t)je->batch_size, job->err);
    if (rc != CDX_OK) return rc;
    while (job->next.count < (size_t)je->batch_size) {
        if (w->head == w->count) {
            if (job->cursor >= in->n) break;
            size_t k = in->n - job->cursor;
            rc = jina_window_fill(w, in, job->cursor, k, je->pool, jina_tick, job, job->err);
            job->cursor += k < w->cap ? k : w->cap;
            if (rc != CDX_OK) return rc;
            continue;
        }
        jina_item *item = &w->items[w->head];
        if (!item->json) { /* undecodable image: fails alone */
            w->head++;
            continue;
        }
        if (!jina_request_fits(&job->next, item, je->max_request_bytes)) break;
        rc = jina_request_add(&job->next, item, job->err);
        free(item->json);
        item->json = NULL;
        w->head++;
        if (rc != CDX_OK) return rc;
    }
    if (job->next.count == 0) {
        jina_request_free(&job->next);
        return CDX_OK;
    }
    rc = jina_request_finish(&job->next, job->err);
    if (rc == CDX_OK) job->next_ready = 1;
    return rc;
}

static jina_slot *jina_free_slot(jina_job *job) {
    for (int i = 0; i < job->nslots; i++)
        if (job->slots[i].state == SLOT_FREE) return &job->slots[i];
    return NULL;
}

static int jina_busy(const jina_job *job) {
    for (int i = 0; i < job->nslots; i++)
        if (job->slots[i].state != SLOT_FREE) return 1;
    return 0;
}

static void jina_loop(jina_job *job) {
    for (;;) {
        int more = job->win.head < job->win.count || job->cursor < job->in->n;
        if (!job->stopped && !job->next_ready && more) {
            int rc = jina_prepare(job);
            if (rc != CDX_OK) jina_stop(job, rc, "%s", job->err->message);
            continue;
        }
        jina_slot *s = job->next_ready && !job->stopped ? jina_free_slot(job) : NULL;
        if (s) {
            s->req = job->next;
            job->next_ready = 0;
            memset(&job->next, 0, sizeof job->next);
            jina_launch(job, s);
            continue;
        }
        if (!jina_busy(job) && (job->stopped || (!more && !job->next_ready))) break;
        jina_pump(job, 1000);
    }
}

/* Inputs encoded at once: a whole batch of texts (cheap); a few images per thread, so the
 * transfers are pumped often and memory stays small whatever the batch size. */
static size_t jina_window_size(jina_embedder *je, const jina_inputs *in) {
    size_t cap = (size_t)je->batch_size;
    if (!in->images) return cap;
    if (!je->pool_tried) {
        je->pool_tried = 1;
        int threads = core_cpu_count();
        if (threads > 1 && core_pool_new(threads, &je->pool, NULL) != CDX_OK) je->pool = NULL;
    }
    size_t per = (size_t)(je->pool ? core_pool_threads(je->pool) : 1) * 4;
    return per < cap ? per : cap;
}

static int jina_job_init(jina_job *job, jina_embedder *je, const jina_inputs *in, cdx_error *err) {
    static const char *const fixed[] = {"Content-Type: application/json",
                                        "Accept: application/json", "Accept-Encoding: identity",
                                        "Expect:"};
    memset(job, 0, sizeof *job);
    job->je = je;
    job->in = in;
    job->err = err;
    job->nslots = je->in_flight;
    job->multi = curl_multi_init();
    job->slots = calloc((size_t)job->nslots, sizeof *job->slots);
    job->vecs = malloc((size_t)je->batch_size * JINA_DIM * sizeof(float));
    job->headers = curl_slist_append(NULL, je->auth_header);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && job->headers; i++) {
        struct curl_slist *h = curl_slist_append(job->headers, fixed[i]);
        if (h)
            job->headers = h;
        else
            return cdx_fail(err, CDX_ENOMEM, "jina: out of memory");
    }
    if (!job->multi || !job->slots || !job->vecs || !job->headers)
        return cdx_fail(err, CDX_ENOMEM, "jina: out of memory");
    for (int i = 0; i < job->nslots; i++)
        if (!(job->slots[i].easy = curl_easy_init()))
            return cdx_fail(err, CDX_ENOMEM, "jina: out of memory");
    return jina_window_init(&job->win, jina_window_size(je, in), err);
}

static void jina_job_free(jina_job *job) {
    for (int i = 0; job->slots && i < job->nslots; i++) {
        jina_slot *s = &job->slots[i];
        if (s->state == SLOT_RUNNING) curl_multi_remove_handle(job->multi, s->easy);
        if (s->easy) curl_easy_cleanup(s->easy);
        jina_request_free(&s->req);
        free(s->answer);
    }
    for (struct curl_slist *h = job->headers; h; h = h->next)
        explicit_bzero(h->data, strlen(h->data));
    curl_slist_free_all(job->headers);
    if (job->multi) curl_multi_cleanup(job->multi);
    jina_request_free(&job->next);
    jina_window_free(&job->win);
    free(job->slots);
    free(job->vecs);
}

int jina_run(jina_embedder *je, const jina_inputs *in, cdx_error *err) {
    jina_job job;
    cdx_error local = {0};
    int rc = jina_job_init(&job, je, in, err ? err : &local);
    if (rc == CDX_OK) {
        jina_loop(&job);
        rc = job.status;
    }
    jina_job_free(&job);
    return rc;
}
