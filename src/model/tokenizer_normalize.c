/*
 * tokenizer_normalize.c — Hugging Face tokenizers' BertNormalizer and BertPreTokenizer character
 * rules over code points: clean text, CJK isolation, NFD + dropping Mn, per-code-point lower-case
 * (Rust's char::to_lowercase), White_Space and punctuation. Unicode data comes from utf8proc;
 * only the short, stable lists Hugging Face itself hard-codes are written out here.
 */
#include "model/tokenizer.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

int mdl_cps_reserve(mdl_cps *b, size_t extra) {
    if (extra <= b->cap - b->len) return CDX_OK;
    if (extra > SIZE_MAX / sizeof *b->v / 2 - b->len) return CDX_ENOMEM;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    int32_t *v = realloc(b->v, cap * sizeof *v);
    if (!v) return CDX_ENOMEM;
    b->v = v;
    b->cap = cap;
    return CDX_OK;
}

void mdl_cps_free(mdl_cps *b) {
    free(b->v);
    memset(b, 0, sizeof *b);
}

/* Length of the well-formed UTF-8 sequence at s (1..4) with its code point, or 0. */
static size_t mdl_utf8_one(const unsigned char *s, size_t left, int32_t *cp) {
    unsigned c = s[0];
    size_t n;
    int32_t v, min;
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        n = 2, v = (int32_t)(c & 0x1f), min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, v = (int32_t)(c & 0x0f), min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, v = (int32_t)(c & 0x07), min = 0x10000;
    } else {
        return 0;
    }
    if (n > left) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (int32_t)(s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    *cp = v;
    return n;
}

int mdl_utf8_decode(const char *s, size_t len, mdl_cps *out) {
    if (mdl_cps_reserve(out, len)) return CDX_ENOMEM;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        int32_t cp = 0xfffd;
        size_t n = mdl_utf8_one(p + i, len - i, &cp);
        out->v[out->len++] = n ? cp : 0xfffd;
        i += n ? n : 1;
    }
    return CDX_OK;
}

/* White_Space (Unicode PropList.txt), which Rust's char::is_whitespace tests. */
int mdl_is_whitespace(int32_t c) {
    if (c == ' ' || (c >= 0x09 && c <= 0x0d)) return 1;
    if (c < 0x85) return 0;
    return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
           c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* tokenizers' is_control: Cc, Cf and Co, except the three it counts as whitespace. Unassigned
 * (Cn) code points are kept, as the reference tokenizer keeps them. */
static int mdl_is_control(int32_t c) {
    if (c < 0x80) return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
    utf8proc_category_t cat = utf8proc_category(c);
    return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
           cat == UTF8PROC_CATEGORY_CO;
}

/* tokenizers' is_chinese_char (normalizers/bert.rs): the CJK Unified Ideographs blocks as that
 * file lists them (its Extension E range starts at 0x2B920, not Python BERT's 0x2B820). */
static int mdl_is_chinese(int32_t c) {
    return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) ||
           (c >= 0x20000 && c <= 0x2a6df) || (c >= 0x2a700 && c <= 0x2b73f) ||
           (c >= 0x2b740 && c <= 0x2b81f) || (c >= 0x2b920 && c <= 0x2ceaf) ||
           (c >= 0xf900 && c <= 0xfaff) || (c >= 0x2f800 && c <= 0x2fa1f);
}

/* BertPreTokenizer: Rust's is_ascii_punctuation (every ASCII symbol) or a Unicode P* category. */
int mdl_is_punctuation(int32_t c) {
    if (c < 0x80)
        return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) ||
               (c >= 0x7b && c <= 0x7e);
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return 1;
    default:
        return 0;
    }
}

/* Clean text and CJK isolation, from in to out (which must be empty). */
static int mdl_clean_and_isolate(const mdl_bert_norm *norm, const mdl_cps *in, mdl_cps *out) {
    if (in->len > SIZE_MAX / 4 || mdl_cps_reserve(out, in->len * 3)) return CDX_ENOMEM;
    for (size_t i = 0; i < in->len; i++) {
        int32_t c = in->v[i];
        if (norm->clean_text) {
            if (c == 0 || c == 0xfffd || mdl_is_control(c)) continue;
            if (mdl_is_whitespace(c)) c = ' ';
        }
        if (norm->handle_chinese_chars && mdl_is_chinese(c)) {
            out->v[out->len++] = ' ';
            out->v[out->len++] = c;
            out->v[out->len++] = ' ';
        } else {
            out->v[out->len++] = c;
        }
    }
    return CDX_OK;
}

/* Unicode canonical ordering of the marks just appended after position `start`: a stable sort
 * of each run of non-starters by combining class (what NFD does after decomposing). */
static void mdl_canonical_order(int32_t *v, size_t start, size_t end) {
    for (size_t i = start + 1; i < end; i++) {
        int32_t c = v[i];
        int cc = utf8proc_get_property(c)->combining_class;
        if (cc == 0) continue;
        size_t j = i;
        while (j > start) {
            int pc = utf8proc_get_property(v[j - 1])->combining_class;
            if (pc <= cc) break;
            v[j] = v[j - 1];
            j--;
        }
        v[j] = c;
    }
}

/* NFD then drop nonspacing marks (Mn), from in to out (which must be empty). Dropping before the
 * canonical reordering gives the same sequence: a stable sort of a subset. */
static int mdl_strip_accents(const mdl_cps *in, mdl_cps *out) {
    if (mdl_cps_reserve(out, in->len)) return CDX_ENOMEM;
    for (size_t i = 0; i < in->len; i++) {
        if (in->v[i] < 0x80) { /* ASCII neither decomposes nor is a mark */
            out->v[out->len++] = in->v[i];
            continue;
        }
        utf8proc_int32_t dec[32];
        int boundclass = UTF8PROC_BOUNDCLASS_START;
        utf8proc_ssize_t n =
            utf8proc_decompose_char(in->v[i], dec, 32, UTF8PROC_DECOMPOSE, &boundclass);
        if (n < 0 || n > 32) n = 1, dec[0] = in->v[i]; /* cannot happen for valid code points */
        if (mdl_cps_reserve(out, (size_t)n)) return CDX_ENOMEM;
        for (utf8proc_ssize_t k = 0; k < n; k++)
            if (utf8proc_category(dec[k]) != UTF8PROC_CATEGORY_MN) out->v[out->len++] = dec[k];
    }
    size_t run = 0;
    for (size_t i = 0; i <= out->len; i++) {
        if (i == out->len || out->v[i] < 0x80 ||
            utf8proc_get_property(out->v[i])->combining_class == 0) {
            if (i > run + 1) mdl_canonical_order(out->v, run, i);
            run = i;
        }
    }
    return CDX_OK;
}

/* Rust's char::to_lowercase: the simple mapping, except U+0130, the one code point whose
 * unconditional full mapping (SpecialCasing.txt) is two code points. Final sigma is not
 * applied: Rust maps per code point. */
static int mdl_lowercase(const mdl_cps *in, mdl_cps *out) {
    if (mdl_cps_reserve(out, in->len)) return CDX_ENOMEM;
    for (size_t i = 0; i < in->len; i++) {
        int32_t c = in->v[i];
        if (c == 0x130) {
            if (mdl_cps_reserve(out, in->len - i + 1)) return CDX_ENOMEM;
            out->v[out->len++] = 'i';
            out->v[out->len++] = 0x307;
        } else {
            out->v[out->len++] =
                c < 0x80 ? ((c >= 'A' && c <= 'Z') ? c + 32 : c) : utf8proc_tolower(c);
        }
    }
    return CDX_OK;
}

static void mdl_cps_swap(mdl_cps *a, mdl_cps *b) {
    mdl_cps t = *a;
    *a = *b;
    *b = t;
}

int mdl_bert_normalize(const mdl_bert_norm *norm, mdl_cps *in, mdl_cps *out) {
    out->len = 0;
    if (mdl_clean_and_isolate(norm, in, out)) return CDX_ENOMEM;
    if (norm->strip_accents) {
        mdl_cps_swap(in, out);
        out->len = 0;
        if (mdl_strip_accents(in, out)) return CDX_ENOMEM;
    }
    if (norm->lowercase) {
        mdl_cps_swap(in, out);
        out->len = 0;
        if (mdl_lowercase(in, out)) return CDX_ENOMEM;
    }
    return CDX_OK;
}
