/*
 * bench_tokenizer.c — how fast the WordPiece tokenizer opens tokenizer.json and encodes text:
 * the single-text cases of tests/fixtures/tokenizer/cases.jsonl (English, accents, CJK, emoji,
 * long words, 512-token truncations) encoded over and over; prints texts/s, MB/s and ids/s.
 *   bench_tokenizer [FIXTURE_DIR]   (default: tests/fixtures/tokenizer of this checkout)
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "clipdex.h"

static char *bench_read(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

int main(int argc, char **argv) {
    char dir[4096];
    if (argc > 1)
        snprintf(dir, sizeof dir, "%s", argv[1]);
    else
        snprintf(dir, sizeof dir, "%.*s../tests/fixtures/tokenizer",
                 (int)(strlen(__FILE__) - strlen("bench_tokenizer.c")), __FILE__);
    char path[4200];
    snprintf(path, sizeof path, "%s/cases.jsonl", dir);
    char *jsonl = bench_read(path);
    if (!jsonl) return fprintf(stderr, "cannot read %s\n", path), 1;
    char *texts[128];
    size_t n = 0, bytes = 0;
    for (char *line = strtok(jsonl, "\n"); line && n < 128; line = strtok(NULL, "\n")) {
        cJSON *c = cJSON_Parse(line);
        const cJSON *t = cJSON_GetObjectItem(c, "text");
        if (cJSON_IsString(t)) {
            texts[n] = strdup(t->valuestring);
            bytes += strlen(texts[n++]);
        }
        cJSON_Delete(c);
    }
    cdx_tokenizer *tok = NULL;
    cdx_error err = {0};
    double t0 = bench_now_ms();
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    if (cdx_tokenizer_open(path, &tok, &err)) {
        fprintf(stderr, "%s\n", err.message);
        for (size_t i = 0; i < n; i++)
            free(texts[i]);
        free(jsonl);
        return 1;
    }
    double open_ms = bench_now_ms() - t0;
    int32_t ids[CDX_TOKENIZER_MAX_LEN];
    size_t total_ids = 0, rounds = 0;
    t0 = bench_now_ms();
    while (bench_now_ms() - t0 < 2000) {
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            cdx_tokenize(tok, texts[i], strlen(texts[i]), 0, ids, &k, NULL);
            total_ids += k;
        }
        rounds++;
    }
    double s = (bench_now_ms() - t0) / 1e3;
    printf("open tokenizer.json: %.1f ms\n", open_ms);
    printf("encode %zu texts x %zu rounds: %.0f texts/s, %.1f MB/s, %.2f M ids/s\n", n, rounds,
           (double)(n * rounds) / s, (double)(bytes * rounds) / s / 1e6,
           (double)total_ids / s / 1e6);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(jsonl);
    cdx_tokenizer_free(tok);
    return 0;
}
