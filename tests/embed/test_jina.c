/*
 * test_jina.c — the Jina backend against tests/tools/fake_jina: vectors (sorted by index, exact,
 * unit norm), batching by count and bytes, requests in flight, every fault path (429 with
 * Retry-After, 5xx, timeouts, exhausted retries, 401, 402, 403 balance, 400, 422, malformed,
 * short and wrong-dimension answers), partial success, undecodable images, token sums, and that
 * the API key never appears in any message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clipdex.h"
#include "fake_server.h"

#define DIM 768
#define KEY "sk-SECRET-c0ffee-4242-do-not-leak"

static const char *const words[] = {
    "a dog on a beach",          "red car",   "x", "  two  words ", "a cat\non a mat",
    "quote \" and \\ backslash", "naïve café"};
#define NWORDS (sizeof words / sizeof words[0])

/* Every message the library produced must be free of the key. */
static void assert_no_key(const cdx_error *err) {
    assert_null(strstr(err->message, KEY));
}

static cdx_embedder *open_fake(const fake_server *f, cdx_jina_opts o) {
    o.base_url = f->url;
    o.api_key = KEY;
    cdx_embedder *e = NULL;
    cdx_error err = {0};
    assert_int_equal(cdx_embedder_open_jina(&o, &e, &err), CDX_OK);
    return e;
}

/* Starts the fake with the NULL-terminated extra arguments. */
static void start(fake_server *f, const char *const *extra) {
    fake_start(f, KEY, extra);
}

static uint64_t word_count(const char *s) {
    uint64_t n = 0;
    int in = 0;
    for (; *s; s++) {
        int sp = *s == ' ' || *s == '\n' || *s == '\t';
        if (!sp && !in) n++;
        in = !sp;
    }
    return n ? n : 1;
}

static void assert_text_row(const float *row, const char *text) {
    float want[DIM];
    assert_int_equal(fake_vector("text:", text, DIM, want), 0);
    double norm = 0;
    for (size_t j = 0; j < DIM; j++) {
        if (row[j] != want[j])
            fail_msg("%s: value %zu is %.9g, want %.9g", text, j, row[j], want[j]);
        norm += (double)row[j] * row[j];
    }
    assert_true(fabs(sqrt(norm) - 1.0) < 1e-5);
}

/* Embeds n texts (words cycled, or "t<i>" when numbered) and returns the status. */
static int embed_n(cdx_embedder *e, size_t n, const char **texts, float *out, uint8_t *done,
                   cdx_error *err) {
    int rc = cdx_embed_texts(e, texts, n, out, done, err);
    assert_no_key(err);
    return rc;
}

static const char **numbered(size_t n) {
    const char **t = calloc(n, sizeof *t);
    char buf[48];
    for (size_t i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "text number %zu", i);
        t[i] = strdup(buf);
    }
    return t;
}

static void free_numbered(const char **t, size_t n) {
    for (size_t i = 0; i < n; i++)
        free((void *)t[i]);
    free(t);
}

static void test_texts_sorted_exact_unit_and_tokens_summed(void **state) {
    (void)state;
    fake_server f;
    start(&f, NULL);
    cdx_embedder *e = open_fake(&f, (cdx_jina_opts){0});
    assert_string_equal(cdx_embedder_model(e), "jina-clip-v1");
    assert_int_equal(cdx_embedder_dim(e), DIM);
    float out[NWORDS * DIM];
    uint8_t done[NWORDS];
    cdx_error err = {0};
    assert_int_equal(embed_n(e, NWORDS, (const char **)words, out, done, &err), CDX_OK);
    uint64_t tokens = 0;
    for (size_t i = 0; i < NWORDS; i++) {
        assert_int_equal(done[i], 1);
        assert_text_row(out + i * DIM, words[i]); /* the fake answers in reversed order */
        tokens += word_count(words[i]);
    }
    assert_int_equal(cdx_embedder_tokens(e), tokens);
    /* a second call adds its usage */
    assert_int_equal(embed_n(e, 1, (const char **)words, out, done, &err), CDX_OK);
    assert_int_equal(cdx_embedder_tokens(e), tokens + word_count(words[0]));
    fake_log_line log[4] = {{0}};
    assert_int_equal(fake_read_log(&f, log, 4), 2);
    assert_int_equal(log[0].inputs, NWORDS);
    assert_int_equal(log[0].tokens, tokens);
    cdx_embedder_free(e);
    fake_stop(&f);
}

static int cmp_log_inputs(const void *a, const void *b) {
    const fake_log_line *x = a, *y = b;
    return (x->inputs < y->inputs) - (x->inputs > y->inputs);
}

static void test_batches_by_count(void **state) {
    (void)state;
    fake_server f;
    start(&f, NULL);
    cdx_embedder *e = open_fake(&f, (cdx_jina_opts){.batch_size = 32});
    const char **t = numbered(70);
    float *out = malloc(70 * DIM * sizeof *out);
    uint8_t done[70];
    cdx_error err = {0};
    assert_int_equal(embed_n(e, 70, t, out, done, &err), CDX_OK);
    for (size_t i = 0; i < 70; i++)
        assert_text_row(out + i * DIM, t[i]);
    fake_log_line log[8] = {{0}};
    assert_int_equal(fake_read_log(&f, log, 8), 3);
    qsort(log, 3, sizeof log[0], cmp_log_inputs);
    assert_int_equal(log[0].inputs, 32);
    assert_int_equal(log[1].inputs, 32);
    assert_int_equal(log[2].inputs, 6);
    free(out);
    free_numbered(t, 70);
    cdx_embedder_free(e);
    fake_stop(&f);
}

static void test_batches_by_bytes(void **state) {
    (void)state;
    enum { N = 10, LEN = 1000 };
    fake_server f;
    start(&f, NULL);
    /* 3 items of ~1,012 bytes plus the fixed ~90 fit in 3,500 bytes; 4 do not */
    cdx_embedder *e = open_fake(&f, (cdx_jina_opts){.batch_size = 100, .max_request_bytes = 3500});
    const char *t[N];
    char *buf[N];
    for (size_t i = 0; i < N; i++) {
        buf[i] = malloc(LEN + 1);
        memset(buf[i], 'a' + (int)i, LEN);
        buf[i][LEN] = '\0';
        t[i] = buf[i];
    }
    float *out = malloc(N * DIM * sizeof *out);
    uint8_t done[N];
    cdx_error err = {0};
    assert_int_equal(embed_n(e, N, t, out, done, &err), CDX_OK);
    for (size_t i = 0; i < N; i++)
        assert_text_row(out + i * DIM, t[i]);
    fake_log_line log[8] = {{0}};
    assert_int_equal(fake_read_log(&f, log, 8), 4);
    qsort(log, 4, sizeof log[0], cmp_log_inputs);
    size_t want[4] = {3, 3, 3, 1};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(log[i].inputs, want[i]);
        assert_true(log[i].bytes <= 3500);
    }
    for (size_t i = 0; i < N; i++)
        free(buf[i]);
    free(out);
    cdx_embedder_free(e);
    fake_stop(&f);
}

/* 4 one-input requests with 300 ms latency each: about 2 latencies with 2 in flight, 4 with 1. */
static double time_four_requests(int in_flight) {
    fake_server f;
    start(&f, (const char *const[]){"--latency-ms", "300", NULL});
    cdx_embedder *e = open_fake(&f, (cdx_jina_opts){.batch_size = 1, .in_flight = in_flight});
    float out[4 * DIM];
    uint8_t done[4];
    cdx_error err = {0};
    double t0 = fake_now();
    assert_int_equal(embed_n(e, 4, (const char **)words, out, done, &err), CDX_OK);
    double dt = fake_now() - t0;
    for (size_t i = 0; i < 4; i++)
        assert_text_row(out + i * DIM, words[i]);
    cdx_embedder_free(e);
    fake_stop(&f);
    return dt;
}

static void test_requests_in_flight_overlap(void **state) {
    (void)state;
    double two = time_four_requests(2), one = time_four_requests(1);
    print_message("4 requests of 300 ms: %.3f s with 2 in flight, %.3f s with 1\n", two, one);
    assert_true(two >= 0.6 && two < 0.75 * one); /* ~0.6 s vs ~1.2 s; slack for a loaded box */
    assert_true(one >= 1.2);
}

static void test_429_waits_for_retry_after(void **state) {
    (void)state;
    fake_server f;
    start(&f, (const char *const[]){"--fault", "1=429", NULL});
    cdx_embedder *e = open_fake(&f, (cdx_jina_opts){0});
    float out[2 * DIM];
    uint8_t done[2];
    cdx_error err = {0};
    double t0 = fake_now();
    assert_int_equal(embed_n(e, 2, (const char **)words, out, done, &err), CDX_OK);
    double dt = fake_now() - t0;
    assert_true(dt >= 1.0); /* Retry-After: 1, though the test back-off base is 10 ms */
    assert_text_row(out, words[0]);
    assert_text_row(out + DIM, words[1]);
    fake_log_line log[4] = {{0}};
    assert_int_equal(fake_read_log(&f, log, 4), 2);
    assert_int_equal(log[0].status, 429);
    assert_int_equal(log[1].status, 200);
    cdx_embedder_free(e);
    fake_stop(&f);
}

/* Runs 2 texts against a fake with `extra` args and options `o`; returns the status and fills
 * err, done and the number of requests the fake saw. */
static int run_fault(const char *const *extra, cdx_jina_opts o, cdx_error *err, uint8_t *done,
                     size_t *requests) {
    fake_server f;
    start(&f, extra);
    cdx_embedder *e = open_fake(&f, o);
    float out[2 * DIM];
    int rc = embed_n(e, 2, (const char **)words, out, done, err);
    if (rc == CDX_OK)
        for (size_t i = 0; i < 2; i++)
            assert_text_row(out + i * DIM, words[i]);
    fake_log_line log[16] = {{0}};
    *requests = fake_read_log(&f, log, 16);
    cdx_embedder_free(e);
    fake_stop(&f);
    return rc;
}

static void test_5xx_retried_then_success(void **state) {
    (void)state;
    cdx_error err = {0};
    uint8_t done[2];
    size_t req = 0;
    assert_int_equal(run_fault((const char *const[]){"--fault", "1=500", "--fault", "2=503", NULL},
                               (cdx_jina_opts){0}, &err, done, &req),
                     CDX_OK);
    assert_int_equal(req, 3);
}

static void test_retries_exhausted_stop(void **state) {
    (void)state;
    cdx_error err = {0};
    uint8_t done[2];
    size_t req = 0;
    assert_int_equal(run_fault((const char *const[]){"--fault-all", "503", NULL},
                               (cdx_jina_opts){.max_retries = 2}, &err, done, &req),
                     CDX_ENETWORK);
    assert_int_equal(req, 3);
    assert_non_null(strstr(err.message, "gave up after 2 retries"));
    assert_non_null(strstr(err.message, "HTTP 503"));
    assert_int_equal(done[0] | done[1], 0);
    assert_int_equal(run_fault((const char *const[]){"--fault-all", "500", NULL},
                               (cdx_jina_opts){.max_retries = -1}, &err, done, &req),
                     CDX_ENETWORK);
    assert_int_equal(req, 1);
}

static void test_timeout_retried(void **state) {
    (void)state;
    cdx_error err = {0};
    uint8_t done[2];
    size_t req = 0;
    double t0 = fake_now();
    assert_int_equal(run_fault((const char *const[]){"--fault", "1=timeout", NULL},
                               (cdx_jina_opts){.timeout_s = 0.5}, &err, done, &req),
                     CDX_OK);
    assert_true(fake_now() - t0 < 5.0);
    assert_int_equal(req, 1); /* the retry; the timed-out one is logged when its sleep ends */
    /* every attempt times out: a network stop that says so */
    assert_int_equal(run_fault((const char *const[]){"--fault-all", "slow", NULL},
                               (cdx_jina_opts){.timeout_s = 0.2, .max_retries = 1}, &err, done,
                               &req),
                     CDX_ENETWORK);
    assert_non_null(strstr(err.message, "no answer within 0.2 s"));
}

/* A fault that stops the run at once: code, message part, one request. */
static void expect_stop(const char *kind, int code, const char *part) {
    char arg[32];
    snprintf(arg, sizeof arg, "1=%s", kind);
    cdx_error err = {0};
    uint8_t done[2] = {1, 1};
    size_t req = 0;
    assert_int_equal(run_fault((const char *const[]){"--fault", arg, NULL}, (cdx_jina_opts){0},
                               &err, done, &req),
                     code);
    if (!strstr(err.message, part)) fail_msg("%s: '%s' lacks '%s'", kind, err.message, part);
    assert_int_equal(req, 1);
    assert_int_equal(done[0] | done[1], 0);
}

static void test_fatal_statuses_stop_with_clear_messages(void **state) {
    (void)state;
    expect_stop("401", CDX_EAUTH, "invalid or missing API key");
    expect_stop("402", CDX_ECREDIT, "out of credits");
    expect_stop("403balance", CDX_ECREDIT, "out of credits");
    expect_stop("400", CDX_EREJECTED, "INPUT_INVALID: injected fault 400");
    expect_stop("400", CDX_EREJECTED, "inputs 0..1 (first: text \"a dog on a beach\")");
    expect_stop("422", CDX_EREJECTED, "injected fault one; injected fault two");
}

static void test_wrong_key_is_auth_error(void **state) {
    (void)state;
    fake_server f;
    fake_start(&f, "the-right-key", NULL);
    cdx_embedder *e = open_fake(&f, (cdx_jina_opts){0});
    float out[DIM];
    uint8_t done[1];
    cdx_error err = {0};
    assert_int_equal(embed_n(e, 1, (const char **)words, out, done, &err), CDX_EAUTH);
    assert_non_null(strstr(err.message, "invalid or missing API key"));
    cdx_embedder_free(e);
    fake_stop(&f);
}

static void test_bad_answers_retried_then_stop(void **state) {
    (void)state;
    static const char *const kinds[] = {"malformed", "short", "baddim"};
    static const char *const why[] = {"not valid JSON", "1 embeddings for 2 inputs",
                                      "767 values, want 768"};
    for (size_t k = 0; k < 3; k++) {
        char arg[32];
        snprintf(arg, sizeof arg, "1=%s", kinds[k]);
        cdx_error err = {0};
        uint8_t done[2];
        size_t req = 0;
        assert_int_equal(run_fault((const char *const[]){"--fault", arg, NULL}, (cdx_jina_opts){0},
                                   &err, done, &req),
                         CDX_OK);
        assert_int_equal(req, 2);
        assert_int_equal(run_fault((const char *const[]){"--fault-all", kinds[k], NULL},
                                   (cdx_jina_opts){.max_retries = 1}, &err, done, &req),
                         CDX_ENETWORK);
        assert_int_equal(req, 2);
        assert_int_equal(done[0] | done[1], 0);
        if (!strstr(err.message, why[k])) fail_msg("'%s' lacks '%s'", err.message, why[k]);
    }
}

/* 6 texts in 3 requests of 2; request 2 is refused: rows of request 1 stay done and valid. */
static void partial(int in_flight) {
    fake_server f;
    start(&f, (const char *const[]){"--fault", "2=402", NULL});
    cdx_embedder *e = open_fake(&f, (cdx_jina_opts){.batch_size = 2, .in_flight = in_flight});
    const char **t = numbered(6);
    float out[6 * DIM];
    uint8_t done[6];
    cdx_error err = {0};
    assert_int_equal(embed_n(e, 6, t, out, done, &err), CDX_ECREDIT);
    if (in_flight == 1) {
        static const uint8_t want[6] = {1, 1, 0, 0, 0, 0};
        assert_memory_equal(done, want, 6);
    } else { /* which request the fake counts second is a race: rows go by whole requests */
        size_t pairs = 0;
        for (size_t i = 0; i < 6; i += 2) {
            assert_int_equal(done[i], done[i + 1]);
            pairs += done[i];
        }
        assert_true(pairs >= 1 && pairs <= 2);
    }
    for (size_t i = 0; i < 6; i++)
        if (done[i]) assert_text_row(out + i * DIM, t[i]);
    assert_true(cdx_embedder_tokens(e) > 0);
    free_numbered(t, 6);
    cdx_embedder_free(e);
    fake_stop(&f);
}

static void test_partial_success_keeps_done_rows(void **state) {
    (void)state;
    partial(1);
    partial(2);
}

static cdx_blob blob_of(const char *rel, uint8_t **keep) {
    size_t len = 0;
    *keep = read_whole_file(fixture_path(rel), &len);
    return (cdx_blob){rel, *keep, len};
}

/* The fake's vector for an image: the base64 of the fast-level PNG of its 224 thumbnail. */
static void image_ref(const cdx_blob *b, float *want) {
    cdx_image *thumb = NULL;
    cdx_error err = {0};
    assert_int_equal(cdx_thumbnail_mem(b->data, b->size, b->name, 224, NULL, &thumb, &err), CDX_OK);
    uint8_t *png = NULL;
    size_t len = 0;
    assert_int_equal(cdx_png_encode(thumb, CDX_PNG_LEVEL_FAST, &png, &len, &err), CDX_OK);
    char *b64 = cdx_base64_encode(png, len, NULL);
    assert_int_equal(fake_vector("image:", b64, DIM, want), 0);
    free(b64);
    free(png);
    cdx_image_free(thumb);
}

static void test_undecodable_image_fails_alone(void **state) {
    (void)state;
    fake_server f;
    start(&f, NULL);
    cdx_embedder *e = open_fake(&f, (cdx_jina_opts){0});
    uint8_t *keep[2];
    static const char junk[] = "this is not an image";
    cdx_blob blobs[3] = {blob_of("images/png_rgb_1024x768.png", &keep[0]),
                         {"broken.jpg", junk, sizeof junk},
                         blob_of("images/gif_palette_300x200.gif", &keep[1])};
    float out[3 * DIM], want[DIM];
    uint8_t done[3];
    cdx_error item_errs[3], err = {0};
    assert_int_equal(cdx_embed_images(e, blobs, 3, NULL, out, done, item_errs, &err), CDX_OK);
    assert_int_equal(done[0], 1);
    assert_int_equal(done[1], 0);
    assert_int_equal(done[2], 1);
    assert_int_not_equal(item_errs[1].code, CDX_OK);
    assert_non_null(strstr(item_errs[1].message, "broken.jpg"));
    assert_int_equal(item_errs[0].code, CDX_OK);
    for (size_t i = 0; i < 3; i += 2) {
        image_ref(&blobs[i], want);
        assert_memory_equal(out + i * DIM, want, sizeof want);
    }
    assert_int_equal(cdx_embedder_tokens(e), 2000); /* one 224 tile each */
    fake_log_line log[4] = {{0}};
    assert_int_equal(fake_read_log(&f, log, 4), 1);
    assert_int_equal(log[0].images, 2);
    free(keep[0]);
    free(keep[1]);
    cdx_embedder_free(e);
    fake_stop(&f);
}

/* 21 images (7 fixtures three times, one undecodable among them) in windows encoded in
 * parallel, batched by count (8) and by bytes (600 kB): every row right, the bad one alone. */
static void test_many_images_windows_and_byte_batches(void **state) {
    (void)state;
    static const char *const files[] = {"images/png_rgb_1024x768.png",
                                        "images/jpeg_progressive_1024x768.jpg",
                                        "images/gif_palette_300x200.gif",
                                        "images/webp_lossy_1500x1000.webp",
                                        "images/png_rgba_alpha_500x400.png",
                                        "images/bmp_rgb_333x222.bmp",
                                        "images/tiny_1x1.png"};
    enum { N = 21, BAD = 9, LIMIT = 600000 };
    uint8_t *keep[7];
    cdx_blob blobs[N];
    for (size_t i = 0; i < 7; i++)
        blobs[i] = blob_of(files[i], &keep[i]);
    for (size_t i = 7; i < N; i++)
        blobs[i] = blobs[i % 7];
    static const char junk[] = "\x89PNG\r\n\x1a\n truncated";
    blobs[BAD] = (cdx_blob){"bad.png", junk, sizeof junk};
    fake_server f;
    start(&f, NULL);
    cdx_embedder *e = open_fake(&f, (cdx_jina_opts){.batch_size = 8, .max_request_bytes = LIMIT});
    float *out = malloc(N * DIM * sizeof *out), want[DIM];
    uint8_t done[N];
    cdx_error item_errs[N], err = {0};
    assert_int_equal(cdx_embed_images(e, blobs, N, NULL, out, done, item_errs, &err), CDX_OK);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(done[i], i != BAD);
        if (i == BAD) continue;
        image_ref(&blobs[i], want);
        assert_memory_equal(out + i * DIM, want, sizeof want);
    }
    assert_non_null(strstr(item_errs[BAD].message, "bad.png"));
    assert_int_equal(cdx_embedder_tokens(e), (N - 1) * 1000);
    fake_log_line log[32] = {{0}};
    size_t nlog = fake_read_log(&f, log, 32), inputs = 0;
    assert_true(nlog >= 3 && nlog <= 32);
    for (size_t i = 0; i < nlog; i++) {
        assert_int_equal(log[i].status, 200);
        assert_true(log[i].inputs <= 8);
        assert_true(log[i].bytes <= LIMIT || log[i].inputs == 1);
        inputs += log[i].inputs;
    }
    assert_int_equal(inputs, N - 1);
    free(out);
    for (size_t i = 0; i < 7; i++)
        free(keep[i]);
    cdx_embedder_free(e);
    fake_stop(&f);
}

static void test_missing_key_and_bad_options(void **state) {
    (void)state;
    unsetenv("JINA_API_KEY");
    cdx_embedder *e = NULL;
    cdx_error err = {0};
    assert_int_equal(cdx_embedder_open_jina(NULL, &e, &err), CDX_EAUTH);
    assert_non_null(strstr(err.message, "no Jina API key: set JINA_API_KEY"));
    assert_null(e);
    setenv("JINA_API_KEY", KEY, 1);
    assert_int_equal(cdx_embedder_open_jina(&(cdx_jina_opts){.batch_size = 2049}, &e, &err),
                     CDX_EINVAL);
    assert_int_equal(cdx_embedder_open_jina(&(cdx_jina_opts){.base_url = "ftp://x"}, &e, &err),
                     CDX_EINVAL);
    assert_no_key(&err);
    assert_int_equal(
        cdx_embedder_open_jina(&(cdx_jina_opts){.api_key = "bad key\r\nX: y"}, &e, &err),
        CDX_EAUTH);
    assert_null(strstr(err.message, "bad key"));
    /* from the environment: key and URL */
    fake_server f;
    start(&f, NULL);
    setenv("CLIPDEX_JINA_URL", f.url, 1);
    assert_int_equal(cdx_embedder_open_jina(NULL, &e, &err), CDX_OK);
    float out[DIM];
    assert_int_equal(cdx_embed_texts(e, (const char *const *)words, 1, out, NULL, &err), CDX_OK);
    assert_text_row(out, words[0]);
    cdx_embedder_free(e);
    unsetenv("CLIPDEX_JINA_URL");
    unsetenv("JINA_API_KEY");
    /* the fake's log holds no key either */
    size_t len = 0;
    uint8_t *log = read_whole_file(f.log, &len);
    assert_null(strstr((const char *)log, KEY));
    free(log);
    fake_stop(&f);
}

static void test_connection_refused_is_retried_then_network_error(void **state) {
    (void)state;
    fake_server f;
    start(&f, NULL);
    char url[64];
    snprintf(url, sizeof url, "%s", f.url);
    fake_stop(&f); /* nothing listens there now */
    cdx_embedder *e = NULL;
    cdx_error err = {0};
    assert_int_equal(
        cdx_embedder_open_jina(&(cdx_jina_opts){.base_url = url, .api_key = KEY, .max_retries = 2},
                               &e, &err),
        CDX_OK);
    float out[DIM];
    assert_int_equal(cdx_embed_texts(e, (const char *const *)words, 1, out, NULL, &err),
                     CDX_ENETWORK);
    assert_non_null(strstr(err.message, "gave up after 2 retries"));
    assert_no_key(&err);
    cdx_embedder_free(e);
}

/* Stops a fake a failed assertion left running. */
static int teardown(void **state) {
    (void)state;
    fake_stop_current();
    return 0;
}

int main(void) {
    setenv("CLIPDEX_RETRY_BASE_MS", "10", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_texts_sorted_exact_unit_and_tokens_summed, teardown),
        cmocka_unit_test_teardown(test_batches_by_count, teardown),
        cmocka_unit_test_teardown(test_batches_by_bytes, teardown),
        cmocka_unit_test_teardown(test_requests_in_flight_overlap, teardown),
        cmocka_unit_test_teardown(test_429_waits_for_retry_after, teardown),
        cmocka_unit_test_teardown(test_5xx_retried_then_success, teardown),
        cmocka_unit_test_teardown(test_retries_exhausted_stop, teardown),
        cmocka_unit_test_teardown(test_timeout_retried, teardown),
        cmocka_unit_test_teardown(test_fatal_statuses_stop_with_clear_messages, teardown),
        cmocka_unit_test_teardown(test_wrong_key_is_auth_error, teardown),
        cmocka_unit_test_teardown(test_bad_answers_retried_then_stop, teardown),
        cmocka_unit_test_teardown(test_partial_success_keeps_done_rows, teardown),
        cmocka_unit_test_teardown(test_undecodable_image_fails_alone, teardown),
        cmocka_unit_test_teardown(test_many_images_windows_and_byte_batches, teardown),
        cmocka_unit_test_teardown(test_missing_key_and_bad_options, teardown),
        cmocka_unit_test_teardown(test_connection_refused_is_retried_then_network_error, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
