/*
 * fake_jina.c — a fake Jina embeddings API on 127.0.0.1 for the test suite and benchmarks
 * (contract: the usage text below). It validates requests as strictly as the real service's schema
 * (auth, exactly four body keys, model, 1..2048 inputs, base64 PNGs of at most 224x224), bills
 * like Jina, answers deterministic unit vectors in shuffled order, and injects faults on demand.
 * Vector of an input: seed = FNV-1a 64 of "text:" + text (or "image:" + the base64 string); for
 * j < dim: seed += 0x9E3779B97F4A7C15, z = splitmix64 finaliser(seed), v[j] = (z >> 11) * 2^-52 -
 * 1; the vector is v / |v| (in double), each component rounded to float and printed with %.9g.
 */
#include "clipdex.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fake_vector.h"

#define FJ_MAX_INPUTS 2048
#define FJ_MAX_BODY ((size_t)512 << 20)
#define FJ_MAX_FAULTS 256

typedef enum fj_fault {
    FJ_NONE,
    FJ_429,
    FJ_500,
    FJ_503,
    FJ_401,
    FJ_402,
    FJ_403BALANCE,
    FJ_400,
    FJ_422,
    FJ_MALFORMED,
    FJ_SHORT,
    FJ_BADDIM,
    FJ_TIMEOUT,
    FJ_SLOW,
} fj_fault;

static const char *const fj_fault_names[] = {"none",  "429",        "500",     "503", "401",
                                             "402",   "403balance", "400",     "422", "malformed",
                                             "short", "baddim",     "timeout", "slow"};

typedef struct fj_config {
    const char *key;
    int dim;
    int latency_ms;
    FILE *log;
    fj_fault fault_all;
    struct {
        unsigned long n;
        fj_fault kind;
    } faults[FJ_MAX_FAULTS];
    size_t fault_count;
} fj_config;

static fj_config fj_cfg = {.key = "test-key", .dim = 768};
static pthread_mutex_t fj_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long fj_requests;
static volatile sig_atomic_t fj_stopping;

/* One request's body as it arrives. */
typedef struct fj_body {
    char *data;
    size_t len, cap;
    int too_large;
} fj_body;

/* What one request was, for the log line. */
typedef struct fj_stats {
    unsigned long n;
    int status;
    size_t inputs, images, texts;
    uint64_t tokens;
    size_t bytes;
} fj_stats;

static void fj_usage(FILE *out) {
    fprintf(out,
            "usage: fake_jina --port-file FILE [--key KEY] [--dim 768] [--latency-ms N]\n"
            "                 [--log FILE] [--fault N=KIND]... [--fault-all KIND]\n"
            "KIND: 429 500 503 401 402 403balance 400 422 malformed short baddim timeout slow\n");
}

/* Sleeps `ms` milliseconds in small steps so a stopping server does not wait for it. */
static void fj_sleep_ms(long ms) {
    while (ms > 0 && !fj_stopping) {
        long step = ms < 20 ? ms : 20;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static int fj_b64_value(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Strict RFC 4648 decoding (length a multiple of 4, '=' only at the end); NULL when invalid. */
static uint8_t *fj_b64_decode(const char *s, size_t *out_len) {
    size_t n = strlen(s);
    if (n == 0 || n % 4) return NULL;
    size_t pad = (s[n - 1] == '=') + (n > 1 && s[n - 2] == '=');
    uint8_t *out = malloc(n / 4 * 3);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++) {
            int is_pad = s[i + k] == '=' && i + 4 == n && k >= 4 - (int)pad;
            v[k] = is_pad ? 0 : fj_b64_value((unsigned char)s[i + k]);
            if (v[k] < 0) {
                free(out);
                return NULL;
            }
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[o++] = (uint8_t)(w >> 16);
        out[o++] = (uint8_t)(w >> 8);
        out[o++] = (uint8_t)w;
    }
    *out_len = o - pad;
    return out;
}

static uint64_t fj_text_tokens(const char *s) {
    uint64_t words = 0;
    int in_word = 0;
    for (const char *p = s; *p; p++) {
        int space = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v';
        if (!space && !in_word) words++;
        in_word = !space;
    }
    return words ? words : 1;
}

static fj_fault fj_fault_for(unsigned long n) {
    for (size_t i = 0; i < fj_cfg.fault_count; i++)
        if (fj_cfg.faults[i].n == n) return fj_cfg.faults[i].kind;
    return fj_cfg.fault_all;
}

static void fj_log(const fj_stats *st) {
    if (!fj_cfg.log) return;
    pthread_mutex_lock(&fj_lock);
    fprintf(fj_cfg.log,
            "{\"n\":%lu,\"status\":%d,\"inputs\":%zu,\"images\":%zu,\"texts\":%zu,"
            "\"tokens\":%" PRIu64 ",\"bytes\":%zu}\n",
            st->n, st->status, st->inputs, st->images, st->texts, st->tokens, st->bytes);
    fflush(fj_cfg.log);
    pthread_mutex_unlock(&fj_lock);
}

/* Queues a response with body `body` (taken over, malloc'd) and status; NULL body is "". */
static enum MHD_Result fj_respond(struct MHD_Connection *c, int status, char *body,
                                  int retry_after) {
    if (!body) body = strdup("");
    if (!body) return MHD_NO;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (retry_after) MHD_add_response_header(r, "Retry-After", "1");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static char *fj_detail(const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "detail", msg);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* A FastAPI-style 422 body: {"detail":[{"loc":["body",...],"msg":...,"type":...}]}. */
static char *fj_detail_list(const char *loc, const char *msg, const char *type) {
    cJSON *o = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(o, "detail");
    cJSON *item = cJSON_CreateObject();
    cJSON *l = cJSON_AddArrayToObject(item, "loc");
    cJSON_AddItemToArray(l, cJSON_CreateString("body"));
    if (loc) cJSON_AddItemToArray(l, cJSON_CreateString(loc));
    cJSON_AddStringToObject(item, "msg", msg);
    cJSON_AddStringToObject(item, "type", type);
    cJSON_AddItemToArray(list, item);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* An error answer prepared by validation: status and body. */
typedef struct fj_reply {
    int status;
    char *body;
} fj_reply;

static int fj_reject(fj_reply *r, int status, char *body) {
    r->status = status;
    r->body = body;
    return -1;
}

/* Checks the top-level keys: exactly model, input, embedding_type, normalized. */
static int fj_check_keys(const cJSON *root, fj_reply *r) {
    static const char *const want[] = {"model", "input", "embedding_type", "normalized"};
    if (!cJSON_IsObject(root))
        return fj_reject(r, 422,
                         fj_detail_list(NULL, "value is not a valid dict", "type_error.dict"));
    for (const cJSON *it = root->child; it; it = it->next) {
        int known = 0;
        for (size_t k = 0; k < 4; k++)
            known |= it->string && !strcmp(it->string, want[k]);
        if (!known)
            return fj_reject(r, 422,
                             fj_detail_list(it->string ? it->string : "?",
                                            "extra fields not permitted", "value_error.extra"));
    }
    for (size_t k = 0; k < 4; k++)
        if (!cJSON_GetObjectItemCaseSensitive(root, want[k]))
            return fj_reject(r, 422,
                             fj_detail_list(want[k], "field required", "value_error.missing"));
    if (!cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(root, "normalized")))
        return fj_reject(r, 422,
                         fj_detail_list("normalized", "value could not be parsed to a boolean",
                                        "type_error.bool"));
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "input")))
        return fj_reject(r, 422,
                         fj_detail_list("input", "value is not a valid list", "type_error.list"));
    return 0;
}

static int fj_check_options(const cJSON *root, fj_reply *r) {
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!cJSON_IsString(model) || strcmp(model->valuestring, "jina-clip-v1") != 0)
        return fj_reject(r, 400,
                         fj_detail("INPUT_MODEL_NOT_FOUND: model %s is not available",
                                   cJSON_IsString(model) ? model->valuestring : "?"));
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "embedding_type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "float") != 0)
        return fj_reject(r, 400, fj_detail("embedding_type must be \"float\" here"));
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "input"));
    if (n < 1) return fj_reject(r, 400, fj_detail("input must not be empty"));
    if (n > FJ_MAX_INPUTS)
        return fj_reject(r, 400,
                         fj_detail("input length is larger than the largest allowed "
                                   "size 2048"));
    return 0;
}

/* Checks one image input (base64 PNG of at most 224x224) and returns its tokens via *tokens. */
static int fj_check_image(int i, const char *b64, uint64_t *tokens, fj_reply *r) {
    size_t len = 0;
    uint8_t *png = fj_b64_decode(b64, &len);
    if (!png) return fj_reject(r, 400, fj_detail("input[%d]: image is not valid base64", i));
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len < 8 || memcmp(png, sig, 8) != 0) {
        free(png);
        return fj_reject(r, 400, fj_detail("input[%d]: image is not a PNG", i));
    }
    cdx_image *img = NULL;
    cdx_error err = {0};
    cdx_image_opts opts = {.no_exif = 1};
    int rc = cdx_image_load_mem(png, len, "image", &opts, &img, &err);
    free(png);
    if (rc != CDX_OK)
        return fj_reject(r, 400, fj_detail("input[%d]: cannot decode image: %s", i, err.message));
    int w = cdx_image_width(img), h = cdx_image_height(img);
    cdx_image_free(img);
    if (w > 224 || h > 224)
        return fj_reject(r, 400,
                         fj_detail("input[%d]: image is %dx%d, larger than 224x224", i, w, h));
    *tokens = (uint64_t)cdx_jina_image_tokens(w, h);
    return 0;
}

/* Validates every input, counting texts, images and tokens. */
static int fj_check_inputs(const cJSON *input, fj_stats *st, fj_reply *r) {
    int i = 0;
    for (const cJSON *it = input->child; it; it = it->next, i++) {
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(it, "text");
        const cJSON *image = cJSON_GetObjectItemCaseSensitive(it, "image");
        if (!cJSON_IsObject(it) || cJSON_GetArraySize(it) != 1 ||
            !(cJSON_IsString(text) || cJSON_IsString(image)))
            return fj_reject(r, 422,
                             fj_detail_list("input",
                                            "each input must be {\"text\": str} "
                                            "or {\"image\": str}",
                                            "value_error"));
        if (text) {
            st->texts++;
            st->tokens += fj_text_tokens(text->valuestring);
        } else {
            uint64_t t = 0;
            if (fj_check_image(i, image->valuestring, &t, r)) return -1;
            st->images++;
            st->tokens += t;
        }
    }
    return 0;
}

/* The 200 body: data in reversed index order; `fault` may drop an item or a dimension. */
static char *fj_success_body(const cJSON *input, int n, uint64_t tokens, fj_fault fault) {
    int dim = fj_cfg.dim - (fault == FJ_BADDIM);
    int items = n - (fault == FJ_SHORT);
    float *vec = calloc((size_t)fj_cfg.dim, sizeof *vec);
    size_t cap = (size_t)items * ((size_t)dim * 17 + 64) + 256, len = 0;
    char *out = malloc(cap);
    if (!vec || !out) abort();
    len += (size_t)snprintf(out + len, cap - len,
                            "{\"model\":\"jina-clip-v1\",\"object\":\"list\",\"usage\":"
                            "{\"total_tokens\":%" PRIu64 ",\"prompt_tokens\":%" PRIu64 "},"
                            "\"data\":[",
                            tokens, tokens);
    for (int i = items - 1; i >= 0; i--) {
        const cJSON *it = cJSON_GetArrayItem(input, i);
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(it, "text");
        const char *value =
            text ? text->valuestring : cJSON_GetObjectItemCaseSensitive(it, "image")->valuestring;
        if (fake_vector(text ? "text:" : "image:", value, (size_t)fj_cfg.dim, vec) != 0) abort();
        len += (size_t)snprintf(out + len, cap - len,
                                "%s{\"object\":\"embedding\",\"index\":%d,\"embedding\":[",
                                i == items - 1 ? "" : ",", i);
        for (int j = 0; j < dim; j++)
            len += (size_t)snprintf(out + len, cap - len, "%s%.9g", j ? "," : "", (double)vec[j]);
        len += (size_t)snprintf(out + len, cap - len, "]}");
    }
    snprintf(out + len, cap - len, "]}");
    free(vec);
    if (fault == FJ_MALFORMED) out[len / 2] = '\0'; /* cut in the middle: invalid JSON */
    return out;
}

/* Answers a fault that replaces the whole response; returns 1 when it did. */
static int fj_fault_reply(fj_fault f, fj_reply *r, int *retry_after) {
    switch (f) {
    case FJ_429:
        *retry_after = 1;
        return fj_reject(r, 429, fj_detail("Rate limit exceeded, retry later")), 1;
    case FJ_500:
        return fj_reject(r, 500, fj_detail("Internal Server Error")), 1;
    case FJ_503:
        return fj_reject(r, 503, fj_detail("Service Unavailable")), 1;
    case FJ_401:
        return fj_reject(r, 401, fj_detail("AUTH_INVALID_API_KEY: invalid API key")), 1;
    case FJ_402:
        return fj_reject(r, 402, fj_detail("Payment Required: balance is zero")), 1;
    case FJ_403BALANCE:
        return fj_reject(r, 403,
                         fj_detail("AUTHZ_INSUFFICIENT_BALANCE: your token balance is "
                                   "insufficient")),
               1;
    case FJ_400:
        return fj_reject(r, 400, fj_detail("INPUT_INVALID: injected fault 400")), 1;
    case FJ_422:
        r->status = 422;
        r->body = strdup("{\"detail\":[{\"loc\":[\"body\",\"input\",0],\"msg\":\"injected fault "
                         "one\",\"type\":\"value_error\"},{\"loc\":[\"body\",\"input\",1],\"msg\":"
                         "\"injected fault two\",\"type\":\"value_error\"}]}");
        return 1;
    default:
        return 0;
    }
}

static int fj_authorized(struct MHD_Connection *c) {
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    return auth && !strncmp(auth, "Bearer ", 7) && !strcmp(auth + 7, fj_cfg.key);
}

/* Handles one complete POST /v1/embeddings; fills st and the reply. */
static void fj_handle(struct MHD_Connection *c, const fj_body *body, fj_stats *st, fj_reply *r,
                      int *retry_after) {
    fj_fault f = fj_fault_for(st->n);
    if (f == FJ_TIMEOUT) fj_sleep_ms(30000);
    if (f == FJ_SLOW) fj_sleep_ms(2000);
    if (fj_fault_reply(f, r, retry_after)) return;
    if (!fj_authorized(c)) {
        fj_reject(r, 401, fj_detail("AUTH_INVALID_API_KEY: the API key is invalid or missing"));
        return;
    }
    if (body->too_large) {
        fj_reject(r, 413, fj_detail("request body too large"));
        return;
    }
    cJSON *root = cJSON_ParseWithLength(body->data ? body->data : "", body->len);
    if (!root) {
        fj_reject(r, 422, fj_detail_list(NULL, "JSON decode error", "value_error.jsondecode"));
        return;
    }
    const cJSON *input = cJSON_GetObjectItemCaseSensitive(root, "input");
    if (!fj_check_keys(root, r) && !fj_check_options(root, r) && !fj_check_inputs(input, st, r)) {
        int n = cJSON_GetArraySize(input);
        st->inputs = (size_t)n;
        r->status = 200;
        r->body = fj_success_body(input, n, st->tokens, f);
    } else {
        st->inputs = (size_t)cJSON_GetArraySize(input);
    }
    cJSON_Delete(root);
}

static int fj_append(fj_body *b, const char *data, size_t n) {
    if (b->too_large || n > FJ_MAX_BODY - b->len) {
        b->too_large = 1;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static enum MHD_Result fj_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls) {
    (void)cls;
    (void)version;
    if (strcmp(method, "POST") != 0 || strcmp(url, "/v1/embeddings") != 0)
        return fj_respond(c, 404, fj_detail("Not Found"), 0);
    fj_body *body = *con_cls;
    if (!body) {
        body = calloc(1, sizeof *body);
        if (!body) return MHD_NO;
        *con_cls = body;
        return MHD_YES;
    }
    if (*upload_size) {
        if (fj_append(body, upload, *upload_size)) return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    fj_stats st = {.bytes = body->len};
    pthread_mutex_lock(&fj_lock);
    st.n = ++fj_requests;
    pthread_mutex_unlock(&fj_lock);
    fj_reply r = {0};
    int retry_after = 0;
    fj_handle(c, body, &st, &r, &retry_after);
    if (fj_cfg.latency_ms) fj_sleep_ms(fj_cfg.latency_ms);
    st.status = r.status;
    if (r.status != 200) st.tokens = 0;
    fj_log(&st);
    return fj_respond(c, r.status, r.body, retry_after);
}

static void fj_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    fj_body *body = *con_cls;
    if (body) free(body->data);
    free(body);
    *con_cls = NULL;
}

static int fj_parse_fault(const char *s, fj_fault *out) {
    for (size_t k = 1; k < sizeof fj_fault_names / sizeof fj_fault_names[0]; k++)
        if (!strcmp(s, fj_fault_names[k])) {
            *out = (fj_fault)k;
            return 0;
        }
    fprintf(stderr, "fake_jina: unknown fault kind '%s'\n", s);
    return -1;
}

static int fj_parse_args(int argc, char **argv, const char **port_file) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            fj_usage(stdout);
            exit(0);
        }
        if (!v) return -1;
        i++;
        if (!strcmp(a, "--port-file"))
            *port_file = v;
        else if (!strcmp(a, "--key"))
            fj_cfg.key = v;
        else if (!strcmp(a, "--dim"))
            fj_cfg.dim = atoi(v);
        else if (!strcmp(a, "--latency-ms"))
            fj_cfg.latency_ms = atoi(v);
        else if (!strcmp(a, "--log")) {
            if (!(fj_cfg.log = fopen(v, "a"))) return -1;
        } else if (!strcmp(a, "--fault-all")) {
            if (fj_parse_fault(v, &fj_cfg.fault_all)) return -1;
        } else if (!strcmp(a, "--fault")) {
            const char *eq = strchr(v, '=');
            if (!eq || fj_cfg.fault_count == FJ_MAX_FAULTS) return -1;
            unsigned long n = strtoul(v, NULL, 10);
            if (n == 0 || fj_parse_fault(eq + 1, &fj_cfg.faults[fj_cfg.fault_count].kind))
                return -1;
            fj_cfg.faults[fj_cfg.fault_count++].n = n;
        } else
            return -1;
    }
    return *port_file && fj_cfg.dim >= 2 && fj_cfg.latency_ms >= 0 ? 0 : -1;
}

static int fj_write_port(const char *path, unsigned port) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "%u\n", port);
    if (fclose(f) || rename(tmp, path)) return -1;
    return 0;
}

int main(int argc, char **argv) {
    const char *port_file = NULL;
    if (fj_parse_args(argc, argv, &port_file)) {
        fj_usage(stderr);
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server threads inherit the mask */
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, fj_access, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, fj_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)120, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "fake_jina: cannot start the server\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || fj_write_port(port_file, info->port)) {
        fprintf(stderr, "fake_jina: cannot write %s: %s\n", port_file, strerror(errno));
        MHD_stop_daemon(d);
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    fj_stopping = 1;
    MHD_stop_daemon(d);
    if (fj_cfg.log) fclose(fj_cfg.log);
    return 0;
}
