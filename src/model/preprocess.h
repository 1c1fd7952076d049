/*
 * preprocess.h — jina-clip-v1's image input: decode (EXIF orientation as cdx_image_load_mem
 * applies it), convert("RGB"), Resize(size, BICUBIC) on the short side, CenterCrop(size),
 * /255 and the OpenAI CLIP mean/std, into a CHW float32 tensor (open_clip's image_transform as
 * the model's JinaCLIPImageProcessor configures it).
 */
#ifndef CDX_MODEL_PREPROCESS_H
#define CDX_MODEL_PREPROCESS_H

#include "clipdex.h"
#include "core/error.h"

#include <stddef.h>

/* Preprocesses a decoded image of any mode into out[3 * size * size] (CHW, float32). */
int mdl_preprocess_image(const cdx_image *img, int size, float *out, cdx_error *err);

/* Decodes an encoded image (any format cdx_image_load_mem reads; opts as there, NULL: defaults)
 * and preprocesses it into out[3 * size * size]. Errors name `name`. */
int mdl_preprocess_mem(const void *data, size_t len, const char *name, const cdx_image_opts *opts,
                       int size, float *out, cdx_error *err);

/* mdl_preprocess_mem on a file's bytes; errors name the path. */
int mdl_preprocess_file(const char *path, const cdx_image_opts *opts, int size, float *out,
                        cdx_error *err);

#endif
