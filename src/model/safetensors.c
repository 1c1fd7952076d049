/*
 * safetensors.c — parse and validate a safetensors file (format: huggingface/safetensors
 * README): u64 LE header size N, N bytes of JSON {name: {dtype, shape, data_offsets}, ...,
 * "__metadata__": {...}}, then the data. Every offset is checked to lie inside the file, sizes
 * must match dtype x shape, and no two tensors may share bytes.
 */
#include "model/safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

/* Headers of real models are ~50 kB; anything far beyond is hostile. */
#define MDL_ST_MAX_HEADER (100u << 20)

struct mdl_safetensors {
    char *path;
    const uint8_t *bytes; /* whole file */
    size_t size;
    int mapped;           /* bytes is an mmap (else malloc'd) */
    mdl_tensor *tensors;
    size_t count;
    char *names;          /* all names, NUL-separated */
    float *converted;     /* F16/BF16 (and misaligned F32) tensors as float32 */
    size_t converted_floats;
};

static const struct {
    const char *name;
    mdl_dtype dt;
    size_t size;
} st_dtypes[] = {
    {"F32", MDL_DT_F32, 4}, {"F16", MDL_DT_F16, 2}, {"BF16", MDL_DT_BF16, 2},
    {"F64", MDL_DT_F64, 8}, {"I8", MDL_DT_I8, 1},   {"U8", MDL_DT_U8, 1},
    {"I16", MDL_DT_I16, 2}, {"I32", MDL_DT_I32, 4}, {"I64", MDL_DT_I64, 8},
    {"BOOL", MDL_DT_BOOL, 1},
};

const char *mdl_dtype_name(mdl_dtype dt) {
    for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
        if (st_dtypes[i].dt == dt) return st_dtypes[i].name;
    return "?";
}

static size_t st_dtype_size(mdl_dtype dt) {
    for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
        if (st_dtypes[i].dt == dt) return st_dtypes[i].size;
    return 0;
}

static int st_dtype_parse(const char *s, mdl_dtype *dt) {
    for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
        if (strcmp(s, st_dtypes[i].name) == 0) {
            *dt = st_dtypes[i].dt;
            return 1;
        }
    return 0;
}

static int st_is_float(mdl_dtype dt) {
    return dt == MDL_DT_F32 || dt == MDL_DT_F16 || dt == MDL_DT_BF16;
}

float mdl_bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

float mdl_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, u;
    if (exp == 0x1f) {
        u = sign | 0x7f800000u | (man << 13); /* inf / NaN */
    } else if (exp != 0) {
        u = sign | ((exp + 112u) << 23) | (man << 13);
    } else if (man == 0) {
        u = sign;
    } else { /* subnormal: normalise */
        int e = -1;
        do {
            e++;
            man <<= 1;
        } while (!(man & 0x400u));
        u = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint64_t st_read_u64le(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* A JSON number that is a non-negative integer representable exactly. */
static int st_json_uint(const cJSON *item, uint64_t *out) {
    if (!cJSON_IsNumber(item)) return 0;
    double d = item->valuedouble;
    if (!(d >= 0.0) || d > 9007199254740992.0 || d != (double)(uint64_t)d) return 0;
    *out = (uint64_t)d;
    return 1;
}

static int st_parse_shape(const cJSON *shape, mdl_tensor *t, const char *path, cdx_error *err) {
    if (!cJSON_IsArray(shape))
        return cdx_fail(err, CDX_ECORRUPT, "%s: tensor %s: shape is not an array", path, t->name);
    int n = cJSON_GetArraySize(shape);
    if (n > MDL_MAX_DIMS)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: tensor %s: %d dimensions (at most %d)", path,
                        t->name, n, MDL_MAX_DIMS);
    size_t numel = 1;
    int i = 0;
    for (const cJSON *d = shape->child; d; d = d->next, i++) {
        uint64_t v;
        if (!st_json_uint(d, &v) || v > (uint64_t)INT64_MAX)
            return cdx_fail(err, CDX_ECORRUPT, "%s: tensor %s: shape[%d] is not a size", path,
                            t->name, i);
        if (v != 0 && numel > SIZE_MAX / v)
            return cdx_fail(err, CDX_ECORRUPT, "%s: tensor %s: shape overflows", path, t->name);
        numel *= (size_t)v;
        t->shape[i] = (int64_t)v;
    }
    t->ndim = n;
    t->numel = numel;
    return CDX_OK;
}

static int st_parse_entry(mdl_safetensors *st, const cJSON *e, mdl_tensor *t, size_t data_size,
                          uint64_t *begin, cdx_error *err) {
    const char *path = st->path;
    if (!cJSON_IsObject(e))
        return cdx_fail(err, CDX_ECORRUPT, "%s: tensor %s: entry is not an object", path, t->name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt) || !shape || !offs)
        return cdx_fail(err, CDX_ECORRUPT, "%s: tensor %s: needs dtype, shape and data_offsets",
                        path, t->name);
    if (!st_dtype_parse(dt->valuestring, &t->dtype))
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: tensor %s: unsupported dtype \"%s\"", path,
                        t->name, dt->valuestring);
    int rc = st_parse_shape(shape, t, path, err);
    if (rc) return rc;
    uint64_t b0, b1;
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 || !st_json_uint(offs->child, &b0) ||
        !st_json_uint(offs->child->next, &b1) || b1 < b0)
        return cdx_fail(err, CDX_ECORRUPT, "%s: tensor %s: bad data_offsets", path, t->name);
    if (b1 > data_size)
        return cdx_fail(err, CDX_ETRUNCATED,
                        "%s: tensor %s: data_offsets [%llu, %llu) beyond the %zu data bytes", path,
                        t->name, (unsigned long long)b0, (unsigned long long)b1, data_size);
    size_t esize = st_dtype_size(t->dtype);
    if (t->numel > SIZE_MAX / esize || t->numel * esize != b1 - b0)
        return cdx_fail(err, CDX_ECORRUPT,
                        "%s: tensor %s: %llu bytes for %zu %s elements", path, t->name,
                        (unsigned long long)(b1 - b0), t->numel, mdl_dtype_name(t->dtype));
    *begin = b0;
    t->raw_size = (size_t)(b1 - b0);
    return CDX_OK;
}

typedef struct st_span {
    uint64_t begin, end;
    size_t index;
} st_span;

static int st_span_cmp(const void *a, const void *b) {
    const st_span *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

/* Sorts the tensors by offset and rejects shared bytes. */
static int st_check_overlap(mdl_safetensors *st, st_span *spans, cdx_error *err) {
    qsort(spans, st->count, sizeof *spans, st_span_cmp);
    for (size_t i = 1; i < st->count; i++) {
        const st_span *p = &spans[i - 1], *c = &spans[i];
        if (c->begin < p->end)
            return cdx_fail(err, CDX_ECORRUPT, "%s: tensors %s and %s overlap", st->path,
                            st->tensors[p->index].name, st->tensors[c->index].name);
    }
    return CDX_OK;
}

static int st_name_cmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int st_check_names(mdl_safetensors *st, cdx_error *err) {
    const char **names = malloc((st->count ? st->count : 1) * sizeof *names);
    if (!names) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", st->path);
    for (size_t i = 0; i < st->count; i++) names[i] = st->tensors[i].name;
    qsort(names, st->count, sizeof *names, st_name_cmp);
    int rc = CDX_OK;
    for (size_t i = 1; i < st->count && !rc; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            rc = cdx_fail(err, CDX_ECORRUPT, "%s: tensor %s appears twice", st->path, names[i]);
    free(names);
    return rc;
}

/* Float32 views: F32 aligned in the mapping is used as is; the rest is converted into one
 * buffer. */
static int st_make_views(mdl_safetensors *st, cdx_error *err) {
    size_t need = 0;
    for (size_t i = 0; i < st->count; i++) {
        mdl_tensor *t = &st->tensors[i];
        if (!st_is_float(t->dtype)) continue;
        int aligned = ((uintptr_t)t->raw % sizeof(float)) == 0;
        if (t->dtype == MDL_DT_F32 && aligned) continue;
        if (need > SIZE_MAX / sizeof(float) - t->numel)
            return cdx_fail(err, CDX_ETOOLARGE, "%s: converted tensors too large", st->path);
        need += t->numel;
    }
    if (need) {
        st->converted = malloc(need * sizeof(float));
        if (!st->converted)
            return cdx_fail(err, CDX_ENOMEM, "%s: out of memory converting %zu values", st->path,
                            need);
    }
    st->converted_floats = need;
    size_t at = 0;
    for (size_t i = 0; i < st->count; i++) {
        mdl_tensor *t = &st->tensors[i];
        if (!st_is_float(t->dtype)) continue;
        const uint8_t *src = t->raw;
        if (t->dtype == MDL_DT_F32 && ((uintptr_t)src % sizeof(float)) == 0) {
            t->f32 = (const float *)(const void *)src;
            continue;
        }
        if (!st->converted || at + t->numel > need) /* cannot happen: counted above */
            return cdx_fail(err, CDX_ECORRUPT, "%s: tensor %s: conversion buffer", st->path, t->name);
        float *dst = st->converted + at;
        at += t->numel;
        for (size_t k = 0; k < t->numel; k++) {
            if (t->dtype == MDL_DT_F32) {
                memcpy(&dst[k], src + 4 * k, 4);
            } else {
                uint16_t h = (uint16_t)(src[2 * k] | (src[2 * k + 1] << 8));
                dst[k] = t->dtype == MDL_DT_F16 ? mdl_f16_to_f32(h) : mdl_bf16_to_f32(h);
            }
        }
        t->f32 = dst;
    }
    return CDX_OK;
}

static int st_parse_header(mdl_safetensors *st, cdx_error *err) {
    if (st->size < 8)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: %zu bytes, shorter than the 8-byte header size",
                        st->path, st->size);
    uint64_t n = st_read_u64le(st->bytes);
    if (n > st->size - 8)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: header of %llu bytes but the file has %zu",
                        st->path, (unsigned long long)n, st->size);
    if (n > MDL_ST_MAX_HEADER)
        return cdx_fail(err, CDX_ETOOLARGE, "%s: header of %llu bytes is too large", st->path,
                        (unsigned long long)n);
    cJSON *root = cJSON_ParseWithLength((const char *)st->bytes + 8, (size_t)n);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cdx_fail(err, CDX_ECORRUPT, "%s: header is not a JSON object", st->path);
    }
    size_t count = 0, name_bytes = 0;
    for (const cJSON *e = root->child; e; e = e->next) {
        if (!e->string) continue;
        if (strcmp(e->string, "__metadata__") == 0) continue;
        count++;
        name_bytes += strlen(e->string) + 1;
    }
    int rc = CDX_OK;
    st_span *spans = NULL;
    st->tensors = calloc(count ? count : 1, sizeof *st->tensors);
    st->names = malloc(name_bytes ? name_bytes : 1);
    spans = malloc((count ? count : 1) * sizeof *spans);
    if (!st->tensors || !st->names || !spans) {
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", st->path);
        goto out;
    }
    const uint8_t *data = st->bytes + 8 + n;
    size_t data_size = st->size - 8 - (size_t)n;
    char *np = st->names;
    for (const cJSON *e = root->child; e && !rc; e = e->next) {
        if (!e->string || strcmp(e->string, "__metadata__") == 0) continue;
        mdl_tensor *t = &st->tensors[st->count];
        size_t len = strlen(e->string) + 1;
        memcpy(np, e->string, len);
        t->name = np;
        np += len;
        uint64_t begin = 0;
        rc = st_parse_entry(st, e, t, data_size, &begin, err);
        if (rc) break;
        t->raw = data + begin;
        spans[st->count] = (st_span){begin, begin + t->raw_size, st->count};
        st->count++;
    }
    if (!rc) rc = st_check_names(st, err);
    if (!rc) rc = st_check_overlap(st, spans, err);
    if (!rc) rc = st_make_views(st, err);
out:
    free(spans);
    cJSON_Delete(root);
    return rc;
}

static int st_new(const char *name, mdl_safetensors **out, cdx_error *err) {
    *out = calloc(1, sizeof **out);
    if (*out) (*out)->path = strdup(name ? name : "(memory)");
    if (!*out || !(*out)->path) {
        free(*out);
        *out = NULL;
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", name ? name : "safetensors");
    }
    return CDX_OK;
}

int mdl_st_open(const char *path, mdl_safetensors **out, cdx_error *err) {
    *out = NULL;
    mdl_safetensors *st;
    int rc = st_new(path, &st, err);
    if (rc) return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = cdx_fail(err, errno == ENOENT ? CDX_ENOTFOUND : CDX_EIO, "%s: cannot open: %s", path,
                      strerror(errno));
        mdl_st_close(st);
        return rc;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        mdl_st_close(st);
        return cdx_fail(err, CDX_EIO, "%s: not a regular file", path);
    }
    if (sb.st_size == 0) {
        close(fd);
        mdl_st_close(st);
        return cdx_fail(err, CDX_EEMPTY, "%s: empty file", path);
    }
    st->size = (size_t)sb.st_size;
    void *map = mmap(NULL, st->size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        mdl_st_close(st);
        return cdx_fail(err, CDX_EIO, "%s: cannot map: %s", path, strerror(errno));
    }
    st->bytes = map;
    st->mapped = 1;
    rc = st_parse_header(st, err);
    if (rc) {
        mdl_st_close(st);
        return rc;
    }
    *out = st;
    return CDX_OK;
}

int mdl_st_open_memory(const void *data, size_t size, const char *name, mdl_safetensors **out,
                       cdx_error *err) {
    *out = NULL;
    mdl_safetensors *st;
    int rc = st_new(name, &st, err);
    if (rc) return rc;
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) {
        mdl_st_close(st);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", name);
    }
    if (size) memcpy(copy, data, size);
    st->bytes = copy;
    st->size = size;
    rc = st_parse_header(st, err);
    if (rc) {
        mdl_st_close(st);
        return rc;
    }
    *out = st;
    return CDX_OK;
}

void mdl_st_close(mdl_safetensors *st) {
    if (!st) return;
    if (st->mapped)
        munmap((void *)st->bytes, st->size);
    else
        free((void *)st->bytes);
    free(st->tensors);
    free(st->names);
    free(st->converted);
    free(st->path);
    free(st);
}

const mdl_tensor *mdl_st_find(const mdl_safetensors *st, const char *name) {
    for (size_t i = 0; i < st->count; i++)
        if (strcmp(st->tensors[i].name, name) == 0) return &st->tensors[i];
    return NULL;
}

size_t mdl_st_count(const mdl_safetensors *st) { return st->count; }

const mdl_tensor *mdl_st_at(const mdl_safetensors *st, size_t i) {
    return i < st->count ? &st->tensors[i] : NULL;
}

const char *mdl_st_path(const mdl_safetensors *st) { return st->path; }

void mdl_st_release(const mdl_safetensors *st, const void *p, size_t bytes) {
    if (!st || !st->mapped || !p) return;
    uintptr_t base = (uintptr_t)st->bytes, lo = (uintptr_t)p;
    if (lo < base || lo - base > st->size || bytes > st->size - (lo - base)) return;
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096u;
    uintptr_t start = (lo + page - 1) / page * page, end = (lo + bytes) / page * page;
    /* MAP_PRIVATE, PROT_READ: the pages were never written, so they refault from the file. The
     * address is formed from the mapping's own pointer (no integer-to-pointer cast). */
    if (end > start)
        (void)madvise((void *)((const char *)st->bytes + (start - base)), end - start,
                      MADV_DONTNEED);
}

size_t mdl_st_converted_bytes(const mdl_safetensors *st) {
    return st->converted_floats * sizeof(float);
}
