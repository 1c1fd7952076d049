/*
 * fuzz_jina_response.c — libFuzzer target over the Jina API answer parsers: the embeddings of a
 * 200 (jina_parse_embeddings) and the `detail` of an error (jina_parse_detail). The first two
 * bytes choose the expected input count (1..4) and dimension (1..8) so short inputs can reach
 * every check; the rest is the body. Any crash, leak, UB or read past the body is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "embed/jina.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    size_t n = (size_t)(data[0] % 4) + 1, dim = (size_t)(data[1] % 8) + 1;
    size_t len = size - 2;
    /* a private copy of exactly the body, so ASan sees any read past its end */
    char *body = malloc(len ? len : 1);
    if (!body) return 0;
    memcpy(body, data + 2, len);
    float vecs[4 * 8];
    uint64_t tokens = 0;
    char why[200], detail[300];
    (void)jina_parse_embeddings(body, len, n, dim, vecs, &tokens, why, sizeof why);
    jina_parse_detail(body, len, detail, sizeof detail);
    free(body);
    return 0;
}
