/*
 * fuzz_tokenizer.c — libFuzzer target over the WordPiece tokenizer with the fixture
 * tokenizer.json: arbitrary bytes (any UTF-8 or not) must tokenize without crash, leak or UB into
 * valid ids — [CLS] first, [SEP] last, every id inside the vocabulary, at most max_len of them —
 * and a batch of two texts must give the same rows as tokenizing each alone.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clipdex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/fixtures/tokenizer/tokenizer.json, found from $CDX_FIXTURES or from this source file. */
static cdx_tokenizer *fuzz_tokenizer(void) {
    static cdx_tokenizer *tok;
    if (tok) return tok;
    char path[4096];
    const char *fixtures = getenv("CDX_FIXTURES");
    if (fixtures)
        snprintf(path, sizeof path, "%s/tokenizer/tokenizer.json", fixtures);
    else /* CMake compiles by absolute path: __FILE__ is .../fuzz/fuzz_tokenizer.c */
        snprintf(path, sizeof path, "%.*s../tests/fixtures/tokenizer/tokenizer.json",
                 (int)(strlen(__FILE__) - strlen("fuzz_tokenizer.c")), __FILE__);
    cdx_error err = {0};
    if (cdx_tokenizer_open(path, &tok, &err)) {
        fprintf(stderr, "fuzz_tokenizer: %s\n", err.message);
        abort();
    }
    return tok;
}

static void fuzz_check(const cdx_tokenizer *tok, const int32_t *ids, size_t n, size_t max_len) {
    if (n < 2 || n > max_len || ids[0] != 101 || ids[n - 1] != 102) abort();
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || (size_t)ids[i] >= cdx_tokenizer_vocab_size(tok)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const cdx_tokenizer *tok = fuzz_tokenizer();
    size_t max_len = size ? 2 + data[0] % 40 : 2; /* short limits exercise truncation */
    if (size && data[0] >= 240) max_len = CDX_TOKENIZER_MAX_LEN;
    int32_t *ids = malloc(2 * max_len * sizeof *ids);
    int32_t *rows = malloc(2 * max_len * sizeof *rows);
    char *texts[2] = {NULL, NULL};
    size_t half = size / 2, n = 0, seq = 0;
    if (!ids || !rows) goto done;
    if (cdx_tokenize(tok, (const char *)data, size, max_len, ids, &n, NULL)) abort();
    fuzz_check(tok, ids, n, max_len);
    /* The batch: both halves, NUL-terminated (each stops at its first NUL byte). */
    for (int t = 0; t < 2; t++) {
        size_t off = t ? half : 0, len = t ? size - half : half;
        texts[t] = malloc(len + 1);
        if (!texts[t]) goto done;
        memcpy(texts[t], data + off, len);
        texts[t][len] = '\0';
    }
    int32_t mask[2 * (CDX_TOKENIZER_MAX_LEN + 1)];
    if (cdx_tokenize_batch(tok, (const char *const *)texts, 2, max_len, rows, mask, &seq, NULL))
        abort();
    for (int t = 0; t < 2; t++) {
        if (cdx_tokenize(tok, texts[t], strlen(texts[t]), max_len, ids, &n, NULL)) abort();
        fuzz_check(tok, ids, n, max_len);
        if (n > seq || memcmp(ids, rows + (size_t)t * seq, n * sizeof *ids) != 0) abort();
        for (size_t i = 0; i < seq; i++)
            if (mask[(size_t)t * seq + i] != (i < n) || (i >= n && rows[(size_t)t * seq + i] != 0))
                abort();
    }
done:
    free(texts[0]);
    free(texts[1]);
    free(ids);
    free(rows);
    return 0;
}
