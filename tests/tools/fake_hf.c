/*
 * fake_hf.c — test tool: a local stand-in for Hugging Face that tests/model/test_fetch.sh points
 * `clipdex model fetch` at. It serves ROOT/<revision>/<file> with Hugging Face's URL layout: the
 * file list /api/models/<repo>/tree/<rev> (size, git blob oid, lfs.oid = sha256), small files at
 * /<repo>/resolve/<rev>/<file>, and LFS files (*.safetensors, or over --lfs-min bytes) by a 302
 * to /cdn/<rev>/<file>, with Range support. Fault injection: --drop-after N closes the first LFS
 * body after N bytes; --corrupt NAME flips one byte of NAME. Every request is logged as
 *   METHOD URL range=<Range header or -> status=<code> sent=<body bytes>
 * usage: fake_hf ROOT PORT_FILE LOG_FILE [--repo ORG/NAME] [--drop-after N] [--corrupt NAME]
 *        [--lfs-min BYTES]      (runs until SIGTERM/SIGINT)
 */
#include <microhttpd.h>
#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

static struct {
    const char *root, *repo, *corrupt;
    FILE *log;
    uint64_t drop_after; /* 0: never */
    int dropped;         /* the one drop has happened */
    uint64_t lfs_min;
    unsigned port;
} hf;

static volatile sig_atomic_t hf_stop;

static void hf_on_signal(int sig) {
    (void)sig;
    hf_stop = 1;
}

typedef struct hf_body {
    int fd;
    uint64_t start, limit; /* first byte served, and at most this many bytes */
    uint64_t sent;
    uint64_t corrupt_at; /* file offset of the flipped byte, UINT64_MAX: none */
    char line[600];      /* the log line, finished with sent= when the body is freed */
} hf_body;

static void hf_logf(const char *line, uint64_t sent) {
    fprintf(hf.log, "%s sent=%" PRIu64 "\n", line, sent);
    fflush(hf.log);
}

static ssize_t hf_body_read(void *cls, uint64_t pos, char *buf, size_t max) {
    hf_body *b = cls;
    if (b->sent >= b->limit) return MHD_CONTENT_READER_END_WITH_ERROR; /* drop the connection */
    if (max > b->limit - b->sent) max = (size_t)(b->limit - b->sent);
    ssize_t n = pread(b->fd, buf, max, (off_t)(b->start + pos));
    if (n <= 0) return MHD_CONTENT_READER_END_WITH_ERROR;
    uint64_t off = b->start + pos;
    if (b->corrupt_at >= off && b->corrupt_at < off + (uint64_t)n) buf[b->corrupt_at - off] ^= 0x5a;
    b->sent += (uint64_t)n;
    return n;
}

static void hf_body_free(void *cls) {
    hf_body *b = cls;
    hf_logf(b->line, b->sent);
    close(b->fd);
    free(b);
}

static int hf_hash(const char *path, const EVP_MD *md, const char *prefix, size_t plen, char *hex) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, md, NULL);
    EVP_DigestUpdate(ctx, prefix, plen);
    char buf[1 << 14];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, d, &len);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    for (unsigned i = 0; i < len; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);
    return 0;
}

static int hf_is_lfs(const char *name, uint64_t size) {
    size_t n = strlen(name);
    return size >= hf.lfs_min || (n > 12 && !strcmp(name + n - 12, ".safetensors"));
}

static enum MHD_Result hf_send(struct MHD_Connection *c, unsigned status, const char *body,
                               const char *line) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", status == 200 ? "application/json" : "text/plain");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    fprintf(hf.log, "%s status=%u sent=%zu\n", line, status, strlen(body));
    fflush(hf.log);
    return ret;
}

/* The file list of ROOT/<rev>, as /api/models/<repo>/tree/<rev> returns it. */
static enum MHD_Result hf_tree(struct MHD_Connection *c, const char *rev, const char *line) {
    char dirpath[1024];
    snprintf(dirpath, sizeof dirpath, "%s/%s", hf.root, rev);
    DIR *d = strchr(rev, '/') || rev[0] == '.' ? NULL : opendir(dirpath);
    if (!d) return hf_send(c, 404, "{\"error\":\"Revision Not Found\"}", line);
    size_t cap = 1 << 16, len = 0;
    char *json = malloc(cap);
    len += (size_t)snprintf(json, cap, "[");
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[2048];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dirpath, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode)) continue;
        char header[64], oid[41], sha[65];
        int hl = snprintf(header, sizeof header, "blob %lld", (long long)st.st_size);
        hf_hash(path, EVP_sha1(), header, (size_t)hl + 1, oid);
        len += (size_t)snprintf(json + len, cap - len,
                                "%s{\"type\":\"file\",\"oid\":\"%s\",\"size\":%lld,\"path\":\"%s\"",
                                len > 1 ? "," : "", oid, (long long)st.st_size, e->d_name);
        if (hf_is_lfs(e->d_name, (uint64_t)st.st_size)) {
            hf_hash(path, EVP_sha256(), "", 0, sha);
            len += (size_t)snprintf(json + len, cap - len,
                                    ",\"lfs\":{\"oid\":\"%s\",\"size\":%lld,\"pointerSize\":134}",
                                    sha, (long long)st.st_size);
        }
        len += (size_t)snprintf(json + len, cap - len, "}");
    }
    closedir(d);
    snprintf(json + len, cap - len, "]");
    enum MHD_Result ret = hf_send(c, 200, json, line);
    free(json);
    return ret;
}

/* Serves ROOT/<rev>/<name> from the Range header's offset (only "bytes=N-", what resumes use). */
static enum MHD_Result hf_file(struct MHD_Connection *c, const char *rev, const char *name,
                               int is_cdn, const char *line) {
    char path[2048];
    snprintf(path, sizeof path, "%s/%s/%s", hf.root, rev, name);
    struct stat st;
    int fd = strstr(rev, "..") || strchr(name, '/') ? -1 : open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        return hf_send(c, 404, "Entry not found", line);
    }
    uint64_t size = (uint64_t)st.st_size;
    if (!is_cdn && hf_is_lfs(name, size)) {
        close(fd);
        char loc[1200], sha[65], tag[80], sz[32];
        snprintf(loc, sizeof loc, "http://127.0.0.1:%u/cdn/%s/%s", hf.port, rev, name);
        hf_hash(path, EVP_sha256(), "", 0, sha);
        snprintf(tag, sizeof tag, "\"%s\"", sha);
        snprintf(sz, sizeof sz, "%" PRIu64, size);
        struct MHD_Response *r =
            MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Location", loc);
        MHD_add_response_header(r, "X-Linked-Etag", tag);
        MHD_add_response_header(r, "X-Linked-Size", sz);
        enum MHD_Result ret = MHD_queue_response(c, 302, r);
        MHD_destroy_response(r);
        char logged[720];
        snprintf(logged, sizeof logged, "%s status=302", line);
        hf_logf(logged, 0);
        return ret;
    }
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    unsigned long long from = 0;
    if (range && sscanf(range, "bytes=%llu-", &from) != 1) from = 0;
    if (range && from >= size) {
        close(fd);
        return hf_send(c, 416, "Range Not Satisfiable", line);
    }
    hf_body *b = calloc(1, sizeof *b);
    b->fd = fd;
    b->start = from;
    b->limit = size - from;
    b->corrupt_at = hf.corrupt && !strcmp(hf.corrupt, name) ? size / 2 : UINT64_MAX;
    if (hf.drop_after && !hf.dropped && hf_is_lfs(name, size) && hf.drop_after < b->limit) {
        b->limit = hf.drop_after;
        hf.dropped = 1;
    }
    unsigned status = range ? 206 : 200;
    snprintf(b->line, sizeof b->line, "%s status=%u", line, status);
    struct MHD_Response *r =
        MHD_create_response_from_callback(size - from, 1 << 15, hf_body_read, b, hf_body_free);
    if (range) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %llu-%" PRIu64 "/%" PRIu64, from, size - 1, size);
        MHD_add_response_header(r, "Content-Range", cr);
    }
    MHD_add_response_header(r, "Accept-Ranges", "bytes");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Splits "<repo>/<kind>/<rev>/<rest>" after a known prefix; returns 0 on a match. */
static int hf_match(const char *url, const char *prefix, const char *kind, char *rev, char *rest) {
    size_t pl = strlen(prefix), rl = strlen(hf.repo), kl = strlen(kind);
    if (strncmp(url, prefix, pl) != 0 || strncmp(url + pl, hf.repo, rl) != 0 ||
        url[pl + rl] != '/' || strncmp(url + pl + rl + 1, kind, kl) != 0 ||
        url[pl + rl + 1 + kl] != '/')
        return -1;
    const char *r = url + pl + rl + 1 + kl + 1;
    const char *slash = strchr(r, '/');
    size_t n = slash ? (size_t)(slash - r) : strlen(r);
    if (n == 0 || n > 200) return -1;
    memcpy(rev, r, n);
    rev[n] = '\0';
    snprintf(rest, 256, "%s", slash ? slash + 1 : "");
    return 0;
}

static enum MHD_Result hf_handle(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **req) {
    (void)cls, (void)version, (void)upload, (void)upload_size;
    static int first;
    if (!*req) { /* the headers: answer on the next call */
        *req = &first;
        return MHD_YES;
    }
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    char line[700], rev[256], rest[256];
    snprintf(line, sizeof line, "%s %.500s range=%.60s", method, url, range ? range : "-");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return hf_send(c, 405, "GET only", line);
    if (!hf_match(url, "/api/models/", "tree", rev, rest) && !rest[0]) return hf_tree(c, rev, line);
    if (!hf_match(url, "/", "resolve", rev, rest)) return hf_file(c, rev, rest, 0, line);
    if (!strncmp(url, "/cdn/", 5)) {
        const char *r = url + 5, *slash = strchr(r, '/');
        if (slash && (size_t)(slash - r) < sizeof rev) {
            memcpy(rev, r, (size_t)(slash - r));
            rev[slash - r] = '\0';
            return hf_file(c, rev, slash + 1, 1, line);
        }
    }
    return hf_send(c, 404, "Repository Not Found", line);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: fake_hf ROOT PORT_FILE LOG_FILE [--repo R] [--drop-after N] "
                        "[--corrupt NAME] [--lfs-min BYTES]\n");
        return 2;
    }
    hf.root = argv[1];
    hf.repo = "jinaai/jina-clip-v1";
    hf.lfs_min = UINT64_MAX;
    for (int i = 4; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--repo"))
            hf.repo = argv[i + 1];
        else if (!strcmp(argv[i], "--drop-after"))
            hf.drop_after = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--corrupt"))
            hf.corrupt = argv[i + 1];
        else if (!strcmp(argv[i], "--lfs-min"))
            hf.lfs_min = strtoull(argv[i + 1], NULL, 10);
    }
    hf.log = fopen(argv[3], "a");
    if (!hf.log) return perror(argv[3]), 1;
    signal(SIGTERM, hf_on_signal);
    signal(SIGINT, hf_on_signal);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                            hf_handle, NULL, MHD_OPTION_END);
    if (!d) return fprintf(stderr, "fake_hf: cannot start the server\n"), 1;
    hf.port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    FILE *pf = fopen(tmp, "w");
    if (!pf) return perror(tmp), 1;
    fprintf(pf, "%u\n", hf.port);
    fclose(pf);
    rename(tmp, argv[2]);
    while (!hf_stop)
        usleep(20000);
    MHD_stop_daemon(d);
    fclose(hf.log);
    return 0;
}
