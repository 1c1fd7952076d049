/*
 * kernels_scalar.c — the plain-C twin of every row/element kernel: written for clarity, it is
 * the reference the SIMD levels are tested against and the fallback on CPUs without AVX2.
 */
#include <math.h>

#include "model/kernels.h"

static void sc_layer_norm(const float *x, float *y, size_t rows, size_t dim, const float *g,
                          const float *b, float eps) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        double mean = 0.0, var = 0.0;
        for (size_t i = 0; i < dim; i++) mean += xr[i];
        mean /= (double)dim;
        for (size_t i = 0; i < dim; i++) var += ((double)xr[i] - mean) * ((double)xr[i] - mean);
        var /= (double)dim;
        float inv = (float)(1.0 / sqrt(var + (double)eps));
        float m = (float)mean;
        for (size_t i = 0; i < dim; i++) yr[i] = (xr[i] - m) * inv * g[i] + b[i];
    }
}

static void sc_softmax_rows(float *x, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) {
        float *xr = x + r * cols;
        float mx = -INFINITY;
        for (size_t i = 0; i < cols; i++) mx = xr[i] > mx ? xr[i] : mx;
        float sum = 0.0f;
        for (size_t i = 0; i < cols; i++) {
            xr[i] = expf(xr[i] - mx);
            sum += xr[i];
        }
        float inv = 1.0f / sum;
        for (size_t i = 0; i < cols; i++) xr[i] *= inv;
    }
}

static float sc_gelu1(float v) { return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); }

static void sc_gelu(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = sc_gelu1(x[i]);
}

static void sc_gelu_mul(float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++) a[i] = sc_gelu1(a[i]) * b[i];
}

static float sc_silu1(float v) { return v / (1.0f + expf(-v)); }

static void sc_silu(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = sc_silu1(x[i]);
}

static void sc_silu_mul(float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++) a[i] = sc_silu1(a[i]) * b[i];
}

static void sc_add_bias(float *y, size_t rows, size_t n, const float *bias) {
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < n; i++) y[r * n + i] += bias[i];
}

static void sc_add(float *y, const float *x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

static void sc_l2_normalize(float *x, size_t rows, size_t dim) {
    for (size_t r = 0; r < rows; r++) {
        float *xr = x + r * dim;
        double ss = 0.0;
        for (size_t i = 0; i < dim; i++) ss += (double)xr[i] * xr[i];
        float norm = (float)sqrt(ss);
        float inv = 1.0f / (norm > 1e-12f ? norm : 1e-12f);
        for (size_t i = 0; i < dim; i++) xr[i] *= inv;
    }
}

static const mdl_kernels sc_kernels = {
    .name = "scalar",
    .layer_norm = sc_layer_norm,
    .softmax_rows = sc_softmax_rows,
    .gelu = sc_gelu,
    .gelu_mul = sc_gelu_mul,
    .silu = sc_silu,
    .silu_mul = sc_silu_mul,
    .add_bias = sc_add_bias,
    .add = sc_add,
    .l2_normalize = sc_l2_normalize,
};

const mdl_kernels *mdl_kernels_scalar(void) { return &sc_kernels; }
