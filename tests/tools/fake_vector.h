/*
 * fake_vector.h — the fake Jina API's deterministic unit vectors (tests/tools/fake_jina.c serves
 * them; the embed tests recompute them): FNV-1a of prefix + input string seeds a splitmix64
 * stream of uniform values in [-1, 1), normalised to unit length in double precision.
 */
#ifndef CDX_TESTS_FAKE_VECTOR_H
#define CDX_TESTS_FAKE_VECTOR_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* Writes the dim floats of the vector of `value` (e.g. prefix "text:" or "image:") to out;
 * returns -1 when out of memory. */
static int fake_vector(const char *prefix, const char *value, size_t dim, float *out) {
    uint64_t h = UINT64_C(14695981039346656037);
    for (const char *p = prefix; *p; p++)
        h = (h ^ (uint8_t)*p) * UINT64_C(1099511628211);
    for (const char *p = value; *p; p++)
        h = (h ^ (uint8_t)*p) * UINT64_C(1099511628211);
    double *v = malloc(dim * sizeof *v), norm = 0;
    if (!v) return -1;
    for (size_t j = 0; j < dim; j++) {
        h += UINT64_C(0x9E3779B97F4A7C15);
        uint64_t z = h;
        z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
        z ^= z >> 31;
        v[j] = (double)(z >> 11) * (1.0 / 4503599627370496.0) - 1.0;
        norm += v[j] * v[j];
    }
    norm = sqrt(norm);
    for (size_t j = 0; j < dim; j++)
        out[j] = (float)(v[j] / norm);
    free(v);
    return 0;
}

#endif
