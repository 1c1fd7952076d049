/*
 * fuzz_lance_manifest.c — libFuzzer target for the Lance manifest container and protobuf
 * decoder (src/lance/manifest.c, pbuf.c). Seeds: fuzz/corpus/lance_manifest/.
 */
#include <stddef.h>
#include <stdint.h>

#include "lance/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cdx_error err = {0};
    Lance__Table__Manifest *m = NULL;
    if (lance_manifest_parse("fuzz", data, size, &m, &err) == CDX_OK)
        lance__table__manifest__free_unpacked(m, NULL);
    return 0;
}
