/*
 * kernels_vision.h — the vision tower's own small kernels: the EVA02 2-D rotary tables and their
 * interleaved application, and the conv-as-GEMM patch gather. Plain C (the compiler vectorises
 * the loops); tests/model/test_kernels_vision.c checks each against a naive twin written straight
 * from the reference's formulas.
 */
#ifndef CDX_MODEL_KERNELS_VISION_H
#define CDX_MODEL_KERNELS_VISION_H

#include <stddef.h>

/* VisionRotaryEmbeddingFast's tables (rope_embeddings.py), in float32 like the original:
 * inv[j] = 1 / theta^(2j / (hd/2)), t[i] = i / ft * pt (ft = grid when intp_freq, else pt; it
 * must equal grid), each frequency repeated twice (interleaved pairs); for the patch at (r, c)
 * dims [0, hd/2) use t[r] and [hd/2, hd) use t[c]. cos and sin are [grid * grid, hd].
 * Returns -1 when ft != grid or hd is not a multiple of 4. */
int mdl_rope_tables(int grid, int head_dim, int pt_hw_seq_len, int intp_freq, float theta,
                    float *cos_tab, float *sin_tab);

/* Rotates `tokens` rows (row r at x + r * stride) of `heads` heads of head_dim each, token r
 * with table row r: (x0, x1) -> (x0 cos0 - x1 sin0, x1 cos1 + x0 sin1) per interleaved pair. */
void mdl_rope_apply(float *x, size_t tokens, size_t stride, int heads, int head_dim,
                    const float *cos_tab, const float *sin_tab);

/* Conv2d(k = s = patch) as a GEMM's left operand: pixels [3, size, size] (CHW) -> out
 * [grid * grid, 3 * patch * patch], patches row-major, each flattened in (c, ky, kx) order. */
void mdl_patchify(const float *pixels, int size, int patch, float *out);

#endif
