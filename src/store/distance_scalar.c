/*
 * distance_scalar.c — the portable reference kernels. Sixteen independent float32 partial sums,
 * combined pairwise at the end, mirror the lane structure of the SIMD kernels (and of
 * lance-linalg's auto-vectorised loops), so all levels agree to a few ulps.
 */
#include "store/distance.h"

#define LANES 16

static float scalar_reduce(float *s) {
    for (int width = LANES / 2; width > 0; width /= 2)
        for (int i = 0; i < width; i++) s[i] += s[i + width];
    return s[0];
}

static float scalar_dot(const float *a, const float *b, size_t dim) {
    float s[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= dim; i += LANES)
        for (int l = 0; l < LANES; l++) s[l] += a[i + l] * b[i + l];
    float tail = 0.0f;
    for (; i < dim; i++) tail += a[i] * b[i];
    return scalar_reduce(s) + tail;
}

static float scalar_l2sq(const float *a, const float *b, size_t dim) {
    float s[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= dim; i += LANES)
        for (int l = 0; l < LANES; l++) {
            float d = a[i + l] - b[i + l];
            s[l] += d * d;
        }
    float tail = 0.0f;
    for (; i < dim; i++) {
        float d = a[i] - b[i];
        tail += d * d;
    }
    return scalar_reduce(s) + tail;
}

static void scalar_dot_norm(const float *a, const float *b, size_t dim, float *ab, float *bb) {
    float s[LANES] = {0}, t[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= dim; i += LANES)
        for (int l = 0; l < LANES; l++) {
            s[l] += a[i + l] * b[i + l];
            t[l] += b[i + l] * b[i + l];
        }
    float tail_s = 0.0f, tail_t = 0.0f;
    for (; i < dim; i++) {
        tail_s += a[i] * b[i];
        tail_t += b[i] * b[i];
    }
    *ab = scalar_reduce(s) + tail_s;
    *bb = scalar_reduce(t) + tail_t;
}

static const store_kernels scalar_kernels = {
    STORE_SIMD_SCALAR, "scalar", scalar_dot, scalar_l2sq, scalar_dot_norm,
};

const store_kernels *store_kernels_scalar(void) { return &scalar_kernels; }
