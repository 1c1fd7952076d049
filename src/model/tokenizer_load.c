/*
 * tokenizer_load.c — opens a WordPiece tokenizer from Hugging Face's tokenizer.json (what the
 * real jina-clip-v1 loads: model.vocab, added_tokens, the BertNormalizer switches) or, when a
 * model has none, from vocab.txt with BERT's defaults. Anything this tokenizer would not
 * reproduce exactly (another model type, stripped added tokens, ...) is refused by name.
 */
#include "model/tokenizer.h"

#include "core/error.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MDL_TOKENIZER_MAX_FILE (64u << 20)

/* Reads a whole file (NUL-terminated) into *out; fails on anything over 64 MiB. */
static int mdl_read_file(const char *path, char **out, size_t *len, cdx_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return cdx_fail(err, errno == ENOENT ? CDX_ENOTFOUND : CDX_EIO, "%s: %s", path,
                        strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        fclose(f);
        return cdx_fail(err, CDX_EIO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > MDL_TOKENIZER_MAX_FILE) {
        fclose(f);
        return cdx_fail(err, CDX_ETOOLARGE, "%s: %lld bytes is more than a tokenizer file may be",
                        path, (long long)st.st_size);
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        fclose(f);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    }
    size_t got = fread(buf, 1, size, f);
    fclose(f);
    if (got != size) {
        free(buf);
        return cdx_fail(err, CDX_EIO, "%s: short read", path);
    }
    if (size == 0) {
        free(buf);
        return cdx_fail(err, CDX_EEMPTY, "%s: empty file", path);
    }
    buf[size] = '\0';
    *out = buf;
    *len = size;
    return CDX_OK;
}

static int mdl_add_special(cdx_tokenizer *tok, const char *text, int32_t id, const char *path,
                           cdx_error *err) {
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof tok->special[0].text)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: added token '%.40s' is empty or too long", path,
                        text);
    if (tok->special_count == MDL_MAX_SPECIAL)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: more than %d added tokens", path,
                        MDL_MAX_SPECIAL);
    mdl_special *s = &tok->special[tok->special_count++];
    memcpy(s->text, text, len + 1);
    s->len = len;
    s->id = id;
    tok->special_first[(unsigned char)text[0]] = 1;
    return CDX_OK;
}

/* [UNK], [CLS], [SEP], [PAD] ids from the vocabulary; the first three must exist. */
static int mdl_resolve_ids(cdx_tokenizer *tok, const char *unk, const char *path, cdx_error *err) {
    const mdl_vocab *v = &tok->vocab;
    tok->unk_id = mdl_vocab_find(v, unk, strlen(unk));
    tok->cls_id = mdl_vocab_find(v, "[CLS]", 5);
    tok->sep_id = mdl_vocab_find(v, "[SEP]", 5);
    tok->pad_id = mdl_vocab_find(v, "[PAD]", 5);
    if (tok->pad_id < 0) tok->pad_id = 0;
    if (tok->unk_id < 0) return cdx_fail(err, CDX_ECORRUPT, "%s: no '%s' token", path, unk);
    if (tok->cls_id < 0 || tok->sep_id < 0)
        return cdx_fail(err, CDX_ECORRUPT, "%s: no [CLS] or [SEP] token", path);
    return CDX_OK;
}

/* ---- tokenizer.json ------------------------------------------------------------------------ */

static int mdl_json_bool(const cJSON *obj, const char *key, int dflt) {
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsBool(b) ? cJSON_IsTrue(b) : dflt;
}

static int mdl_json_type_is(const cJSON *obj, const char *type) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "type");
    return cJSON_IsString(t) && !strcmp(t->valuestring, type);
}

static int mdl_load_normalizer(cdx_tokenizer *tok, const cJSON *root, const char *path,
                               cdx_error *err) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "normalizer");
    if (!n || cJSON_IsNull(n)) return CDX_OK; /* no normalisation at all */
    if (!mdl_json_type_is(n, "BertNormalizer"))
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: normalizer: only BertNormalizer is supported",
                        path);
    tok->norm.clean_text = mdl_json_bool(n, "clean_text", 1);
    tok->norm.handle_chinese_chars = mdl_json_bool(n, "handle_chinese_chars", 1);
    tok->norm.lowercase = mdl_json_bool(n, "lowercase", 1);
    /* strip_accents: null follows lowercase (BertNormalizer::normalize). */
    tok->norm.strip_accents = mdl_json_bool(n, "strip_accents", tok->norm.lowercase);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
    if (!cJSON_IsObject(p) || !mdl_json_type_is(p, "BertPreTokenizer"))
        return cdx_fail(err, CDX_EUNSUPPORTED,
                        "%s: pre_tokenizer: only BertPreTokenizer is supported", path);
    return CDX_OK;
}

static int mdl_load_json_vocab(cdx_tokenizer *tok, const cJSON *vocab, const char *path,
                               cdx_error *err) {
    size_t count = (size_t)cJSON_GetArraySize(vocab);
    if (count == 0) return cdx_fail(err, CDX_ECORRUPT, "%s: model.vocab is empty", path);
    const char **tokens = calloc(count, sizeof *tokens);
    size_t *lens = calloc(count, sizeof *lens);
    int rc = CDX_OK;
    if (!tokens || !lens) rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    for (const cJSON *e = vocab->child; !rc && e; e = e->next) {
        double id = cJSON_IsNumber(e) ? e->valuedouble : -1;
        if (id < 0 || id >= (double)count || id != (double)(size_t)id || tokens[(size_t)id])
            rc =
                cdx_fail(err, CDX_ECORRUPT,
                         "%s: model.vocab: token '%.40s' has id %g (ids must be 0..%zu, once each)",
                         path, e->string, id, count - 1);
        else {
            tokens[(size_t)id] = e->string;
            lens[(size_t)id] = strlen(e->string);
        }
    }
    if (!rc) rc = mdl_vocab_build(&tok->vocab, tokens, lens, count, path, err);
    free(tokens);
    free(lens);
    return rc;
}

static int mdl_load_added_tokens(cdx_tokenizer *tok, const cJSON *root, const char *path,
                                 cdx_error *err) {
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    const cJSON *a;
    cJSON_ArrayForEach(a, added) {
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(a, "content");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
        if (!cJSON_IsString(content) || !cJSON_IsNumber(id) || id->valuedouble < 0 ||
            id->valuedouble >= (double)tok->vocab.count)
            return cdx_fail(err, CDX_ECORRUPT, "%s: added_tokens: bad content or id", path);
        if (mdl_json_bool(a, "lstrip", 0) || mdl_json_bool(a, "rstrip", 0) ||
            mdl_json_bool(a, "single_word", 0) || mdl_json_bool(a, "normalized", 0))
            return cdx_fail(err, CDX_EUNSUPPORTED,
                            "%s: added token '%.40s': lstrip/rstrip/single_word/normalized are "
                            "not supported",
                            path, content->valuestring);
        int rc = mdl_add_special(tok, content->valuestring, (int32_t)id->valuedouble, path, err);
        if (rc) return rc;
    }
    return CDX_OK;
}

static const char *mdl_json_string(const cJSON *obj, const char *key, const char *dflt) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(s) ? s->valuestring : dflt;
}

static int mdl_load_model(cdx_tokenizer *tok, const cJSON *root, const char *path, cdx_error *err) {
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    if (!cJSON_IsObject(model) || !cJSON_IsObject(vocab))
        return cdx_fail(err, CDX_ECORRUPT, "%s: no model.vocab object", path);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(model, "type");
    if (type && !mdl_json_type_is(model, "WordPiece"))
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: model.type: only WordPiece is supported", path);
    const char *prefix = mdl_json_string(model, "continuing_subword_prefix", "##");
    tok->prefix_len = strlen(prefix);
    if (tok->prefix_len >= sizeof tok->prefix)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: continuing_subword_prefix is too long", path);
    memcpy(tok->prefix, prefix, tok->prefix_len + 1);
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(model, "max_input_chars_per_word");
    if (cJSON_IsNumber(max)) {
        if (max->valuedouble < 1 || max->valuedouble > 4096)
            return cdx_fail(err, CDX_EUNSUPPORTED,
                            "%s: max_input_chars_per_word %g is out of 1..4096", path,
                            max->valuedouble);
        tok->max_chars_per_word = (size_t)max->valuedouble;
    }
    int rc = mdl_load_json_vocab(tok, vocab, path, err);
    if (!rc) rc = mdl_load_normalizer(tok, root, path, err);
    if (!rc) rc = mdl_load_added_tokens(tok, root, path, err);
    if (!rc) rc = mdl_resolve_ids(tok, mdl_json_string(model, "unk_token", "[UNK]"), path, err);
    return rc;
}

int mdl_tokenizer_load_json(cdx_tokenizer *tok, const char *path, cdx_error *err) {
    char *text = NULL;
    size_t len = 0;
    int rc = mdl_read_file(path, &text, &len, err);
    if (rc) return rc;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cdx_fail(err, CDX_ECORRUPT, "%s: not a JSON object", path);
    }
    rc = mdl_load_model(tok, root, path, err);
    cJSON_Delete(root);
    return rc;
}

/* ---- vocab.txt ----------------------------------------------------------------------------- */

/* One token per line, id = line number; trailing whitespace trimmed (Rust's trim_end). */
int mdl_tokenizer_load_vocab_txt(cdx_tokenizer *tok, const char *path, cdx_error *err) {
    char *text = NULL;
    size_t len = 0;
    int rc = mdl_read_file(path, &text, &len, err);
    if (rc) return rc;
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n' || i == len - 1;
    const char **tokens = calloc(lines, sizeof *tokens);
    size_t *lens = calloc(lines, sizeof *lens);
    if (!tokens || !lens) rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    size_t n = 0;
    for (size_t start = 0; !rc && start < len && n < lines;) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t tl = end - start;
        while (tl > 0 && (text[start + tl - 1] == ' ' ||
                          (text[start + tl - 1] >= '\t' && text[start + tl - 1] <= '\r')))
            tl--;
        tokens[n] = text + start;
        lens[n++] = tl;
        start = end + 1;
    }
    if (!rc) rc = mdl_vocab_build(&tok->vocab, tokens, lens, n, path, err);
    free(tokens);
    free(lens);
    free(text);
    /* BertTokenizer's defaults: lower-case, strip accents, CJK, clean text; the five specials. */
    tok->norm = (mdl_bert_norm){1, 1, 1, 1};
    static const char *const specials[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    for (size_t i = 0; !rc && i < sizeof specials / sizeof specials[0]; i++) {
        int32_t id = mdl_vocab_find(&tok->vocab, specials[i], strlen(specials[i]));
        if (id >= 0) rc = mdl_add_special(tok, specials[i], id, path, err);
    }
    if (!rc) rc = mdl_resolve_ids(tok, "[UNK]", path, err);
    return rc;
}
