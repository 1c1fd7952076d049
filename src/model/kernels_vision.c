/*
 * kernels_vision.c — EVA02's 2-D RoPE (tables and application) and the patch gather for the
 * patch-embedding GEMM. The tables follow the reference's float32 arithmetic step by step
 * (float pow, division and product), so the angles are the ones PyTorch computes.
 */
#include "model/kernels_vision.h"

#include <math.h>
#include <string.h>

int mdl_rope_tables(int grid, int head_dim, int pt_hw_seq_len, int intp_freq, float theta,
                    float *cos_tab, float *sin_tab) {
    const int half = head_dim / 2, nf = half / 2;
    const int ft = intp_freq ? grid : pt_hw_seq_len;
    if (ft != grid || grid < 1 || head_dim < 4 || head_dim % 4 != 0 || pt_hw_seq_len < 1) return -1;
    float inv[512] = {0};
    if (nf > 512) return -1;
    for (int j = 0; j < nf; j++) {
        const float e = (float)(2 * j) / (float)half;
        inv[j] = 1.0f / powf(theta, e);
    }
    for (int r = 0; r < grid; r++)
        for (int c = 0; c < grid; c++) {
            const float tr = (float)r / (float)ft * (float)pt_hw_seq_len;
            const float tc = (float)c / (float)ft * (float)pt_hw_seq_len;
            float *co = cos_tab + ((size_t)r * (size_t)grid + (size_t)c) * (size_t)head_dim;
            float *si = sin_tab + ((size_t)r * (size_t)grid + (size_t)c) * (size_t)head_dim;
            for (int d = 0; d < head_dim; d++) {
                const float t = d < half ? tr : tc;
                const float f = t * inv[(d % half) / 2];
                co[d] = (float)cos((double)f);
                si[d] = (float)sin((double)f);
            }
        }
    return 0;
}

void mdl_rope_apply(float *x, size_t tokens, size_t stride, int heads, int head_dim,
                    const float *cos_tab, const float *sin_tab) {
    const size_t hd = (size_t)head_dim;
    for (size_t t = 0; t < tokens; t++) {
        const float *co = cos_tab + t * hd, *si = sin_tab + t * hd;
        for (int h = 0; h < heads; h++) {
            float *v = x + t * stride + (size_t)h * hd;
            for (size_t i = 0; i < hd; i += 2) {
                const float x0 = v[i], x1 = v[i + 1];
                v[i] = x0 * co[i] + -x1 * si[i];
                v[i + 1] = x1 * co[i + 1] + x0 * si[i + 1];
            }
        }
    }
}

void mdl_patchify(const float *pixels, int size, int patch, float *out) {
    const int grid = size / patch;
    const size_t plane = (size_t)size * (size_t)size, pp = (size_t)patch;
    for (int gy = 0; gy < grid; gy++)
        for (int gx = 0; gx < grid; gx++) {
            float *dst = out + ((size_t)gy * (size_t)grid + (size_t)gx) * 3 * pp * pp;
            for (int c = 0; c < 3; c++)
                for (int ky = 0; ky < patch; ky++) {
                    const float *src = pixels + (size_t)c * plane +
                                       ((size_t)gy * pp + (size_t)ky) * (size_t)size +
                                       (size_t)gx * pp;
                    memcpy(dst + ((size_t)c * pp + (size_t)ky) * pp, src, pp * sizeof(float));
                }
        }
}
