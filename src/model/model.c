/*
 * model.c — opening a model directory: config.json, then model.safetensors (mapped, validated),
 * then every tensor of the requested towers bound and shape-checked against the config, and the
 * precision $CLIPDEX_PRECISION names (precision.c).
 */
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static int model_path(char *buf, size_t cap, const char *dir, const char *file, cdx_error *err) {
    int n = snprintf(buf, cap, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= cap)
        return cdx_fail(err, CDX_EINVAL, "%s: model directory path too long", dir);
    return CDX_OK;
}

int mdl_model_open(const char *dir, int towers, int threads, mdl_model **out, cdx_error *err) {
    *out = NULL;
    if (!dir || !(towers & MDL_TOWER_BOTH))
        return cdx_fail(err, CDX_EINVAL, "model: no directory or no tower requested");
    mdl_model *m = calloc(1, sizeof *m);
    if (!m || !(m->dir = strdup(dir))) {
        free(m);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", dir);
    }
    char path[4096];
    mdl_precision prec = MDL_PREC_FP32;
    int rc = mdl_precision_from_env(&prec, err); /* first: a bad value fails before any mapping */
    if (!rc) rc = model_path(path, sizeof path, dir, "config.json", err);
    if (!rc) rc = mdl_config_load(path, &m->config, err);
    if (!rc) rc = model_path(path, sizeof path, dir, "model.safetensors", err);
    if (!rc) rc = mdl_st_open(path, &m->st, err);
    if (!rc) rc = mdl_weights_bind(m->st, &m->config, towers, &m->weights, err);
    if (!rc) rc = mdl_exec_new(threads, &m->exec, err);
    if (!rc) rc = mdl_model_set_precision(m, prec, err);
    if (!rc) rc = mdl_model_pstate_new(m, err);
    if (rc) {
        mdl_model_close(m);
        return rc;
    }
    m->k = mdl_kernels_best();
    *out = m;
    return CDX_OK;
}

void mdl_model_close(mdl_model *m) {
    if (!m) return;
    mdl_model_qstate_free(m);
    mdl_model_pstate_free(m);
    mdl_exec_free(m->exec);
    mdl_weights_free(&m->weights);
    mdl_st_close(m->st);
    free(m->dir);
    free(m);
}
