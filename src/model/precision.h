/*
 * precision.h — the arithmetic the towers' linear layers run in: fp32 (OpenBLAS sgemm, the
 * default) or the integer layer of qgemm.h (int10 = W10A10; int8 = 8-bit activations times the
 * weights the kernel multiplies exactly: W8A8 on VNNI and the scalar twin, W8A8P — 8-bit weights
 * within a pair budget — on AVX2, whose u8×s8 pairs add in int16), chosen at run time per model
 * with mdl_model_set_precision (model.h). The integer weights are prepared once per tower and
 * precision, on first use, and kept beside the fp32 mapping until the model is closed.
 */
#ifndef CDX_MODEL_PRECISION_H
#define CDX_MODEL_PRECISION_H

#include "clipdex.h"
#include "model/qgemm.h"

typedef enum mdl_precision {
    MDL_PREC_FP32 = 0, /* fp32 sgemm: the reference path */
    MDL_PREC_INT10 = 1, /* W10A10 integer layers: cosine >= 0.999 vs fp32 */
    MDL_PREC_INT8 = 2,  /* W8A8 / W8A8P integer layers (the first third of the vision tower at
                         * W10A10): cosine >= 0.999 vs fp32 on both towers */
    MDL_PREC_COUNT
} mdl_precision;

/* The environment variable tools and benches read (fp32 | int10 | int8). */
#define MDL_PRECISION_ENV "CLIPDEX_PRECISION"

/* "fp32", "int10", "int8". */
const char *mdl_precision_name(mdl_precision p);

/* Parses a precision name (also "w10a10" and "w8a8"); CDX_EINVAL naming `s` otherwise. */
int mdl_precision_parse(const char *s, mdl_precision *out, cdx_error *err);

/* The precision $CLIPDEX_PRECISION names, fp32 when unset or empty; CDX_EINVAL when it names
 * none. The one place the variable is read. */
int mdl_precision_from_env(mdl_precision *out, cdx_error *err);

/* The integer scheme precision `p` runs on `kernel` (W10A10 for fp32, unused). */
mdl_qprecision mdl_precision_qprecision(mdl_precision p, mdl_qkernel kernel);

/* Integer weights of one text layer and one vision block. */
typedef struct mdl_qtext_layer {
    mdl_qweight wqkv, attn_out, gated, mlp_out;
} mdl_qtext_layer;

typedef struct mdl_qvision_block {
    mdl_qweight wq, wk, wv, proj, w1, w2, w3;
} mdl_qvision_block;

#endif
