/*
 * metric.c — names of the distance types, spelled as LanceDB's `distanceType` option spells them.
 */
#include <strings.h>

#include "clipdex.h"
#include "core/error.h"

const char *cdx_metric_name(cdx_metric metric) {
    switch (metric) {
    case CDX_METRIC_L2: return "l2";
    case CDX_METRIC_COSINE: return "cosine";
    case CDX_METRIC_DOT: return "dot";
    }
    return "unknown";
}

int cdx_metric_parse(const char *name, cdx_metric *out, cdx_error *err) {
    if (!name || !out) return cdx_fail(err, CDX_EINVAL, "metric: missing argument");
    if (!strcasecmp(name, "l2") || !strcasecmp(name, "euclidean")) *out = CDX_METRIC_L2;
    else if (!strcasecmp(name, "cosine")) *out = CDX_METRIC_COSINE;
    else if (!strcasecmp(name, "dot")) *out = CDX_METRIC_DOT;
    else
        return cdx_fail(err, CDX_EINVAL, "metric '%s': unknown (expected l2, cosine or dot)", name);
    return CDX_OK;
}
