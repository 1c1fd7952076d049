/*
 * tokenizer.c — encodes text the way Hugging Face's fast BertTokenizer does for jina-clip-v1:
 * special tokens matched in the raw text, each other stretch normalised (BertNormalizer), split
 * into words (BertPreTokenizer) and cut into greedy longest-match WordPiece pieces, then
 * [CLS] … [SEP] truncated to max_len. Scratch buffers are allocated once per call, never per
 * token; the tokenizer itself is read-only after opening, so one handle serves many threads.
 */
#include "model/tokenizer.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Per-call scratch and output cursor. */
typedef struct mdl_encoder {
    const cdx_tokenizer *tok;
    mdl_cps raw, norm;   /* a segment's code points, then its normalised form */
    char *word;          /* prefix_len + 4 * max_chars_per_word bytes */
    size_t *bounds;      /* byte offset of each code point of the word, and its end */
    int32_t *pieces;     /* the word's pieces until it is known to be whole */
    int32_t *ids;        /* content ids (after [CLS]) */
    size_t count, limit; /* content ids written, and at most */
} mdl_encoder;

static int mdl_encoder_init(mdl_encoder *e, const cdx_tokenizer *tok) {
    memset(e, 0, sizeof *e);
    e->tok = tok;
    size_t m = tok->max_chars_per_word;
    e->word = malloc(tok->prefix_len + 4 * m + 1);
    e->bounds = malloc((m + 1) * sizeof *e->bounds);
    e->pieces = malloc(m * sizeof *e->pieces);
    return e->word && e->bounds && e->pieces ? CDX_OK : CDX_ENOMEM;
}

static void mdl_encoder_free(mdl_encoder *e) {
    mdl_cps_free(&e->raw);
    mdl_cps_free(&e->norm);
    free(e->word);
    free(e->bounds);
    free(e->pieces);
}

static int mdl_full(const mdl_encoder *e) {
    return e->count >= e->limit;
}

static void mdl_emit(mdl_encoder *e, int32_t id) {
    if (e->count < e->limit) e->ids[e->count++] = id;
}

static size_t mdl_utf8_put(char *dst, int32_t c) {
    uint32_t u = (uint32_t)c;
    if (u < 0x80) {
        dst[0] = (char)u;
        return 1;
    } else if (u < 0x800) {
        dst[0] = (char)(0xc0 | (u >> 6));
        dst[1] = (char)(0x80 | (u & 0x3f));
        return 2;
    } else if (u < 0x10000) {
        dst[0] = (char)(0xe0 | (u >> 12));
        dst[1] = (char)(0x80 | ((u >> 6) & 0x3f));
        dst[2] = (char)(0x80 | (u & 0x3f));
        return 3;
    }
    dst[0] = (char)(0xf0 | (u >> 18));
    dst[1] = (char)(0x80 | ((u >> 12) & 0x3f));
    dst[2] = (char)(0x80 | ((u >> 6) & 0x3f));
    dst[3] = (char)(0x80 | (u & 0x3f));
    return 4;
}

/* WordPiece on one word: greedy longest match from the left, later pieces looked up with the
 * continuing prefix. A word that is too long or has an unknown piece becomes one [UNK]. The
 * word's bytes sit `P` (prefix length) bytes into the buffer, so the prefix for a piece starting
 * at byte s is written over bytes s-P..s-1, which earlier pieces have already consumed. */
static void mdl_wordpiece(mdl_encoder *e, const int32_t *w, size_t wl) {
    const cdx_tokenizer *tok = e->tok;
    if (wl > tok->max_chars_per_word) {
        mdl_emit(e, tok->unk_id);
        return;
    }
    const size_t P = tok->prefix_len;
    char *bytes = e->word + P;
    size_t nb = 0;
    for (size_t i = 0; i < wl; i++) {
        e->bounds[i] = nb;
        nb += mdl_utf8_put(bytes + nb, w[i]);
    }
    e->bounds[wl] = nb;
    size_t npieces = 0, start = 0; /* start counts code points */
    while (start < wl) {
        if (start > 0) memcpy(bytes + e->bounds[start] - P, tok->prefix, P);
        const char *key = start > 0 ? bytes + e->bounds[start] - P : bytes;
        size_t end = wl;
        int32_t id = -1;
        for (; end > start; end--) {
            size_t klen = e->bounds[end] - e->bounds[start] + (start > 0 ? P : 0);
            if (klen > tok->vocab.max_len) continue; /* longer than any token: cannot match */
            id = mdl_vocab_find(&tok->vocab, key, klen);
            if (id >= 0) break;
        }
        if (id < 0) {
            mdl_emit(e, tok->unk_id);
            return;
        }
        e->pieces[npieces++] = id;
        start = end;
    }
    for (size_t i = 0; i < npieces; i++)
        mdl_emit(e, e->pieces[i]);
}

/* BertPreTokenizer over normalised code points: whitespace ends a word, punctuation is a word. */
static void mdl_pretokenize(mdl_encoder *e, const int32_t *v, size_t n) {
    size_t word = 0;
    for (size_t i = 0; i < n && !mdl_full(e); i++) {
        int ws = mdl_is_whitespace(v[i]);
        if (!ws && !mdl_is_punctuation(v[i])) continue;
        if (i > word) mdl_wordpiece(e, v + word, i - word);
        if (!ws && !mdl_full(e)) mdl_wordpiece(e, v + i, 1);
        word = i + 1;
    }
    if (n > word && !mdl_full(e)) mdl_wordpiece(e, v + word, n - word);
}

/* Where to cut a segment into chunks: just after an ASCII space, tab or newline at or beyond
 * `from`, or the end. Every step of normalisation is per code point except NFD's reordering of
 * marks, which never crosses a starter such as a space, and a space ends a word; so chunks
 * encode exactly as the whole segment would, and a truncated text stops early. */
static size_t mdl_chunk_end(const char *s, size_t len, size_t from) {
    for (size_t i = from; i < len; i++)
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') return i + 1;
    return len;
}

#define MDL_CHUNK 1024

/* A stretch of raw text between special tokens, normalised and split chunk by chunk. */
static int mdl_encode_segment(mdl_encoder *e, const char *s, size_t len) {
    for (size_t at = 0; at < len && !mdl_full(e);) {
        size_t end = mdl_chunk_end(s, len, len - at > MDL_CHUNK ? at + MDL_CHUNK : len);
        e->raw.len = 0;
        if (mdl_utf8_decode(s + at, end - at, &e->raw) ||
            mdl_bert_normalize(&e->tok->norm, &e->raw, &e->norm))
            return CDX_ENOMEM;
        mdl_pretokenize(e, e->norm.v, e->norm.len);
        at = end;
    }
    return CDX_OK;
}

/* The longest special token that starts at s (leftmost-longest, as tokenizers' AddedVocabulary
 * matches), or NULL. */
static const mdl_special *mdl_special_at(const cdx_tokenizer *tok, const char *s, size_t left) {
    const mdl_special *best = NULL;
    for (size_t k = 0; k < tok->special_count; k++) {
        const mdl_special *sp = &tok->special[k];
        if (sp->len <= left && sp->text[0] == s[0] && !memcmp(sp->text, s, sp->len) &&
            (!best || sp->len > best->len))
            best = sp;
    }
    return best;
}

static int mdl_encode_text(mdl_encoder *e, const char *text, size_t len) {
    size_t seg = 0;
    for (size_t i = 0; i < len && !mdl_full(e);) {
        if (!e->tok->special_first[(unsigned char)text[i]]) {
            i++;
            continue;
        }
        const mdl_special *sp = mdl_special_at(e->tok, text + i, len - i);
        if (!sp) {
            i++;
            continue;
        }
        if (i > seg && mdl_encode_segment(e, text + seg, i - seg)) return CDX_ENOMEM;
        mdl_emit(e, sp->id);
        i += sp->len;
        seg = i;
    }
    if (len > seg && !mdl_full(e) && mdl_encode_segment(e, text + seg, len - seg))
        return CDX_ENOMEM;
    return CDX_OK;
}

/* Encodes into ids[0..max_len) with [CLS] and [SEP]; *n gets the count. */
static int mdl_encode(mdl_encoder *e, const char *text, size_t len, size_t max_len, int32_t *ids,
                      size_t *n) {
    ids[0] = e->tok->cls_id;
    e->ids = ids + 1;
    e->count = 0;
    e->limit = max_len - 2;
    int rc = mdl_encode_text(e, text, len);
    ids[1 + e->count] = e->tok->sep_id;
    *n = e->count + 2;
    return rc;
}

/* ---- public API ---------------------------------------------------------------------------- */

static int mdl_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int mdl_has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static int mdl_tokenizer_load(cdx_tokenizer *tok, const char *path, cdx_error *err) {
    if (!mdl_is_dir(path))
        return mdl_has_suffix(path, ".json") ? mdl_tokenizer_load_json(tok, path, err)
                                             : mdl_tokenizer_load_vocab_txt(tok, path, err);
    size_t n = strlen(path);
    char *file = malloc(n + sizeof "/tokenizer.json");
    if (!file) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    memcpy(file, path, n);
    memcpy(file + n, "/tokenizer.json", sizeof "/tokenizer.json");
    struct stat st;
    int rc;
    if (stat(file, &st) == 0) {
        rc = mdl_tokenizer_load_json(tok, file, err);
    } else {
        memcpy(file + n, "/vocab.txt", sizeof "/vocab.txt");
        if (stat(file, &st) == 0)
            rc = mdl_tokenizer_load_vocab_txt(tok, file, err);
        else
            rc = cdx_fail(err, CDX_ENOTFOUND, "%s: no tokenizer.json or vocab.txt", path);
    }
    free(file);
    return rc;
}

int cdx_tokenizer_open(const char *path, cdx_tokenizer **out, cdx_error *err) {
    if (!path || !out) return cdx_fail(err, CDX_EINVAL, "cdx_tokenizer_open: NULL argument");
    *out = NULL;
    cdx_tokenizer *tok = calloc(1, sizeof *tok);
    if (!tok) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    tok->max_chars_per_word = 100;
    memcpy(tok->prefix, "##", 3);
    tok->prefix_len = 2;
    int rc = mdl_tokenizer_load(tok, path, err);
    if (rc) {
        cdx_tokenizer_free(tok);
        return rc;
    }
    *out = tok;
    return CDX_OK;
}

void cdx_tokenizer_free(cdx_tokenizer *tok) {
    if (!tok) return;
    mdl_vocab_free(&tok->vocab);
    free(tok);
}

size_t cdx_tokenizer_vocab_size(const cdx_tokenizer *tok) {
    return tok->vocab.count;
}

const char *cdx_tokenizer_token(const cdx_tokenizer *tok, int32_t id) {
    if (id < 0 || (size_t)id >= tok->vocab.count) return NULL;
    return tok->vocab.strings + tok->vocab.offsets[id];
}

int32_t cdx_tokenizer_pad_id(const cdx_tokenizer *tok) {
    return tok->pad_id;
}

static int mdl_check_max_len(size_t *max_len, cdx_error *err) {
    if (*max_len == 0) *max_len = CDX_TOKENIZER_MAX_LEN;
    if (*max_len < 2 || *max_len > (size_t)INT32_MAX)
        return cdx_fail(err, CDX_EINVAL, "tokenize: max_len %zu leaves no room for [CLS] and [SEP]",
                        *max_len);
    return CDX_OK;
}

int cdx_tokenize(const cdx_tokenizer *tok, const char *text, size_t len, size_t max_len,
                 int32_t *ids, size_t *n_ids, cdx_error *err) {
    if (!tok || (!text && len) || !ids || !n_ids)
        return cdx_fail(err, CDX_EINVAL, "cdx_tokenize: NULL argument");
    *n_ids = 0;
    int rc = mdl_check_max_len(&max_len, err);
    if (rc) return rc;
    mdl_encoder e;
    if (mdl_encoder_init(&e, tok) || mdl_encode(&e, text ? text : "", len, max_len, ids, n_ids))
        rc = cdx_fail(err, CDX_ENOMEM, "tokenize: out of memory for a %zu-byte text", len);
    mdl_encoder_free(&e);
    return rc;
}

/* Moves row i (encoded at stride max_len) to stride seq and pads it; rows go in order so a
 * move never overwrites a row not yet moved (i * seq <= i * max_len). */
static void mdl_pad_rows(const cdx_tokenizer *tok, int32_t *ids, int32_t *mask, const size_t *lens,
                         size_t n, size_t max_len, size_t seq) {
    for (size_t i = 0; i < n; i++) {
        memmove(ids + i * seq, ids + i * max_len, lens[i] * sizeof *ids);
        for (size_t j = 0; j < seq; j++) {
            if (j >= lens[i]) ids[i * seq + j] = tok->pad_id;
            if (mask) mask[i * seq + j] = j < lens[i];
        }
    }
}

int cdx_tokenize_batch(const cdx_tokenizer *tok, const char *const *texts, size_t n, size_t max_len,
                       int32_t *ids, int32_t *mask, size_t *seq_len, cdx_error *err) {
    if (!tok || (n && (!texts || !ids)) || !seq_len)
        return cdx_fail(err, CDX_EINVAL, "cdx_tokenize_batch: NULL argument");
    *seq_len = 0;
    int rc = mdl_check_max_len(&max_len, err);
    if (rc || n == 0) return rc;
    size_t *lens = calloc(n, sizeof *lens);
    mdl_encoder e;
    rc = mdl_encoder_init(&e, tok);
    size_t seq = 0;
    for (size_t i = 0; !rc && lens && i < n; i++) {
        const char *t = texts[i] ? texts[i] : "";
        rc = mdl_encode(&e, t, strlen(t), max_len, ids + i * max_len, &lens[i]);
        if (lens[i] > seq) seq = lens[i];
    }
    if (!lens || rc) {
        rc = cdx_fail(err, CDX_ENOMEM, "tokenize: out of memory for a batch of %zu texts", n);
    } else {
        mdl_pad_rows(tok, ids, mask, lens, n, max_len, seq);
        *seq_len = seq;
    }
    mdl_encoder_free(&e);
    free(lens);
    return rc;
}
