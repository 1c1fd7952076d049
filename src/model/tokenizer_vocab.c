/*
 * tokenizer_vocab.c — the WordPiece vocabulary as a hash map from token bytes to ids: one block
 * of strings plus an open-addressing table of ids (linear probing, FNV-1a). Lookups allocate
 * nothing, which keeps the encoder's hot loop free of mallocs.
 */
#include "model/tokenizer.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mdl_vocab_hash(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int mdl_vocab_equal(const mdl_vocab *v, int32_t id, const char *s, size_t len) {
    return v->lengths[id] == len && !memcmp(v->strings + v->offsets[id], s, len);
}

int32_t mdl_vocab_find(const mdl_vocab *v, const char *s, size_t len) {
    if (!v->slots || len > v->max_len) return -1;
    for (uint32_t i = (uint32_t)mdl_vocab_hash(s, len) & v->slot_mask;;
         i = (i + 1) & v->slot_mask) {
        int32_t id = v->slots[i];
        if (id < 0) return -1;
        if (mdl_vocab_equal(v, id, s, len)) return id;
    }
}

/* Inserts id, replacing an earlier id with the same bytes (a later duplicate wins). */
static void mdl_vocab_insert(mdl_vocab *v, int32_t id) {
    const char *s = v->strings + v->offsets[id];
    size_t len = v->lengths[id];
    for (uint32_t i = (uint32_t)mdl_vocab_hash(s, len) & v->slot_mask;;
         i = (i + 1) & v->slot_mask) {
        if (v->slots[i] < 0 || mdl_vocab_equal(v, v->slots[i], s, len)) {
            v->slots[i] = id;
            return;
        }
    }
}

static int mdl_vocab_alloc(mdl_vocab *v, const size_t *lens, size_t count, const char *name,
                           cdx_error *err) {
    if (count == 0) return cdx_fail(err, CDX_ECORRUPT, "%s: the vocabulary is empty", name);
    if (count > (size_t)INT32_MAX / 4)
        return cdx_fail(err, CDX_ETOOLARGE, "%s: %zu tokens is too many", name, count);
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (lens[i] > UINT32_MAX - total - 1)
            return cdx_fail(err, CDX_ETOOLARGE, "%s: the tokens exceed 4 GiB", name);
        total += lens[i] + 1;
    }
    uint32_t slots = 16;
    while (slots < 2 * count)
        slots *= 2;
    v->strings = malloc(total);
    v->offsets = malloc(count * sizeof *v->offsets);
    v->lengths = malloc(count * sizeof *v->lengths);
    v->slots = malloc((size_t)slots * sizeof *v->slots);
    if (!v->strings || !v->offsets || !v->lengths || !v->slots) {
        mdl_vocab_free(v);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory for %zu tokens", name, count);
    }
    memset(v->slots, 0xff, (size_t)slots * sizeof *v->slots);
    v->strings_len = total;
    v->slot_mask = slots - 1;
    v->count = count;
    return CDX_OK;
}

int mdl_vocab_build(mdl_vocab *v, const char *const *tokens, const size_t *lens, size_t count,
                    const char *name, cdx_error *err) {
    memset(v, 0, sizeof *v);
    int rc = mdl_vocab_alloc(v, lens, count, name, err);
    if (rc) return rc;
    size_t off = 0;
    for (size_t i = 0; i < count; i++) {
        memcpy(v->strings + off, tokens[i], lens[i]);
        v->strings[off + lens[i]] = '\0';
        v->offsets[i] = (uint32_t)off;
        v->lengths[i] = (uint32_t)lens[i];
        off += lens[i] + 1;
        if (lens[i] > v->max_len) v->max_len = lens[i];
        mdl_vocab_insert(v, (int32_t)i);
    }
    return CDX_OK;
}

void mdl_vocab_free(mdl_vocab *v) {
    free(v->strings);
    free(v->offsets);
    free(v->lengths);
    free(v->slots);
    memset(v, 0, sizeof *v);
}
