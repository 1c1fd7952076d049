/*
 * error.c — status strings and the error object. Messages are truncated, never overflowed.
 */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#undef cdx_fail /* error.h's analyzer-only macro; this file defines the function */

const char *cdx_strerror(int status) {
    switch (status) {
    case CDX_OK: return "success";
    case CDX_EINVAL: return "invalid argument";
    case CDX_ENOMEM: return "out of memory";
    case CDX_EIO: return "input/output error";
    case CDX_EEMPTY: return "empty file";
    case CDX_EUNSUPPORTED: return "unsupported format";
    case CDX_ETRUNCATED: return "truncated";
    case CDX_ECORRUPT: return "corrupt data";
    case CDX_ETOOLARGE: return "too large";
    case CDX_ENOTFOUND: return "not found";
    case CDX_EEXIST: return "already exists";
    case CDX_ECONFLICT: return "conflicting concurrent change";
    case CDX_ENETWORK: return "network error";
    case CDX_EAUTH: return "invalid or missing API key";
    case CDX_ECREDIT: return "out of credits";
    case CDX_EREJECTED: return "request rejected";
    default: return "unknown error";
    }
}

int cdx_fail(cdx_error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        if (n < 0) err->message[0] = '\0';
        err->code = code;
    }
    return code;
}

void cdx_error_clear(cdx_error *err) {
    if (err) {
        err->code = CDX_OK;
        err->message[0] = '\0';
    }
}
