/*
 * tokenizer.h — internals of the BERT WordPiece tokenizer (cdx_tokenizer in clipdex.h): the
 * vocabulary hash map (tokenizer_vocab.c), the loaders for tokenizer.json and vocab.txt
 * (tokenizer_load.c), Hugging Face's BertNormalizer and BertPreTokenizer character rules
 * (tokenizer_normalize.c) and the encoder (tokenizer.c).
 */
#ifndef CDX_MODEL_TOKENIZER_H
#define CDX_MODEL_TOKENIZER_H

#include "clipdex.h"

#include <stddef.h>
#include <stdint.h>

/* Token string -> id, open addressing over one block of NUL-separated strings. */
typedef struct mdl_vocab {
    char *strings; /* every token, NUL-terminated, back to back */
    size_t strings_len;
    uint32_t *offsets;  /* id -> offset of its token in strings */
    uint32_t *lengths;  /* id -> byte length of its token */
    int32_t *slots;     /* hash slots: an id, or -1 when empty */
    uint32_t slot_mask; /* slot count - 1 (a power of two, at least twice the ids) */
    size_t count;       /* ids 0 .. count-1 */
    size_t max_len;     /* the longest token's byte length: no longer key can match */
} mdl_vocab;

/* Builds a vocabulary of `count` tokens: token i is tokens[i] (lens[i] bytes). A token seen twice
 * maps to its later id, as Hugging Face's HashMap insert does; ids still name their own string. */
int mdl_vocab_build(mdl_vocab *v, const char *const *tokens, const size_t *lens, size_t count,
                    const char *name, cdx_error *err);
void mdl_vocab_free(mdl_vocab *v);
/* The id of the token with these bytes, or -1. */
int32_t mdl_vocab_find(const mdl_vocab *v, const char *s, size_t len);

/* A special ("added") token matched in the raw text before normalisation, case-sensitively. */
typedef struct mdl_special {
    char text[32];
    size_t len;
    int32_t id;
} mdl_special;

#define MDL_MAX_SPECIAL 16

/* BertNormalizer switches, as tokenizer.json names them. */
typedef struct mdl_bert_norm {
    int clean_text, handle_chinese_chars, strip_accents, lowercase;
} mdl_bert_norm;

struct cdx_tokenizer {
    mdl_vocab vocab;
    mdl_special special[MDL_MAX_SPECIAL];
    size_t special_count;
    unsigned char special_first[256]; /* 1 for each byte a special token starts with */
    mdl_bert_norm norm;
    int32_t unk_id, cls_id, sep_id, pad_id;
    size_t max_chars_per_word; /* longer words become one [UNK] (Hugging Face default 100) */
    char prefix[16];           /* continuing-subword prefix, "##" */
    size_t prefix_len;
};

/* A growable buffer of code points, reused across the segments of one encode call. */
typedef struct mdl_cps {
    int32_t *v;
    size_t len, cap;
} mdl_cps;

int mdl_cps_reserve(mdl_cps *b, size_t extra);
void mdl_cps_free(mdl_cps *b);

/* Decodes UTF-8 into code points (appending to out); each byte that does not start a
 * well-formed sequence becomes U+FFFD, which cleaning drops. */
int mdl_utf8_decode(const char *s, size_t len, mdl_cps *out);

/* BertNormalizer: clean text, isolate CJK ideographs, NFD + drop Mn, lower-case, in that order.
 * `in` is consumed (its contents are undefined afterwards); the result lands in `out`. */
int mdl_bert_normalize(const mdl_bert_norm *norm, mdl_cps *in, mdl_cps *out);

/* BertPreTokenizer's classes: words split on White_Space and around punctuation. */
int mdl_is_whitespace(int32_t c);
int mdl_is_punctuation(int32_t c);

/* Fills a tokenizer from a tokenizer.json / vocab.txt file (tokenizer_load.c). */
int mdl_tokenizer_load_json(cdx_tokenizer *tok, const char *path, cdx_error *err);
int mdl_tokenizer_load_vocab_txt(cdx_tokenizer *tok, const char *path, cdx_error *err);

#endif
