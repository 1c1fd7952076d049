/*
 * safetensors.h — a validated, memory-mapped safetensors file (8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and byte range, then raw data).
 * Float tensors are exposed as float32: F32 zero-copy from the mapping, F16/BF16 converted once
 * at open (the only extra memory). Integer tensors are exposed as raw bytes only.
 */
#ifndef CDX_MODEL_SAFETENSORS_H
#define CDX_MODEL_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

#define MDL_MAX_DIMS 8

typedef enum mdl_dtype {
    MDL_DT_F32,
    MDL_DT_F16,
    MDL_DT_BF16,
    MDL_DT_F64,
    MDL_DT_I8,
    MDL_DT_U8,
    MDL_DT_I16,
    MDL_DT_I32,
    MDL_DT_I64,
    MDL_DT_BOOL,
} mdl_dtype;

typedef struct mdl_tensor {
    const char *name;
    mdl_dtype dtype;  /* as stored in the file */
    int ndim;
    int64_t shape[MDL_MAX_DIMS];
    size_t numel;
    const void *raw;  /* the stored bytes (little-endian), numel * element size */
    size_t raw_size;
    const float *f32; /* float32 view for F32/F16/BF16 tensors; NULL for the others */
} mdl_tensor;

typedef struct mdl_safetensors mdl_safetensors;

/* Opens, maps and validates `path`. Errors name the file (and the tensor when one is at fault).
 * Close with mdl_st_close. */
int mdl_st_open(const char *path, mdl_safetensors **out, cdx_error *err);

/* The same over bytes in memory (copied; `name` is used in messages). For tests and fuzzing. */
int mdl_st_open_memory(const void *data, size_t size, const char *name, mdl_safetensors **out,
                       cdx_error *err);

void mdl_st_close(mdl_safetensors *st);

/* The tensor called `name`, or NULL. */
const mdl_tensor *mdl_st_find(const mdl_safetensors *st, const char *name);

/* Number of tensors and the i-th one (in file order of their data). */
size_t mdl_st_count(const mdl_safetensors *st);
const mdl_tensor *mdl_st_at(const mdl_safetensors *st, size_t i);

/* The file's name as given to open (for messages). */
const char *mdl_st_path(const mdl_safetensors *st);

/* Bytes of float32 memory allocated for converted (F16/BF16 or misaligned F32) tensors. */
size_t mdl_st_converted_bytes(const mdl_safetensors *st);

/* Drops the resident pages wholly inside [p, p + bytes) when they belong to the read-only file
 * mapping (a caller that copied a tensor elsewhere no longer pays for it twice); later reads
 * fault them back in from the file, so the data never changes. No-op for memory-backed files,
 * converted tensors and ranges outside the mapping. */
void mdl_st_release(const mdl_safetensors *st, const void *p, size_t bytes);

/* "F32", "BF16", ... */
const char *mdl_dtype_name(mdl_dtype dt);

/* Half-precision conversions (exact; NaN payloads kept where float32 can hold them). */
float mdl_f16_to_f32(uint16_t h);
float mdl_bf16_to_f32(uint16_t h);

#endif
