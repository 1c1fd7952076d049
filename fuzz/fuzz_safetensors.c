/*
 * fuzz_safetensors.c — libFuzzer target over the safetensors parser: any bytes are opened as a
 * model file; when they parse, every tensor's float view is read end to end (so ASan sees any
 * view that escapes the data) and a lookup by name must find each tensor.
 */
#include <stddef.h>
#include <stdint.h>

#include "model/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mdl_safetensors *st = NULL;
    cdx_error err = {0};
    if (mdl_st_open_memory(data, size, "fuzz.safetensors", &st, &err) != CDX_OK) return 0;
    volatile float sink = 0.0f;
    for (size_t i = 0; i < mdl_st_count(st); i++) {
        const mdl_tensor *t = mdl_st_at(st, i);
        if (mdl_st_find(st, t->name) == NULL) __builtin_trap();
        if (t->f32)
            for (size_t k = 0; k < t->numel; k++) sink += t->f32[k];
        const volatile uint8_t *raw = t->raw;
        for (size_t k = 0; k < t->raw_size; k++) sink += raw[k];
    }
    (void)sink;
    mdl_st_close(st);
    return 0;
}
