/*
 * error.h — filling cdx_error objects. Every failing library call goes through cdx_fail so the
 * message always has the same shape: "<input>: <reason>".
 */
#ifndef CDX_CORE_ERROR_H
#define CDX_CORE_ERROR_H

#include "clipdex.h"

#if defined(__GNUC__)
#define CDX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CDX_PRINTF(a, b)
#endif

/* Sets err (when non-NULL) to `code` and the formatted message; returns `code` so callers can
 * write `return cdx_fail(err, CDX_ECORRUPT, "%s: bad header", name);`. */
int cdx_fail(cdx_error *err, int code, const char *fmt, ...) CDX_PRINTF(3, 4);
#ifdef __clang_analyzer__
/* clang-tidy's analyzer cannot see across files that cdx_fail returns `code`; without this it
 * explores "failed yet returned 0" paths that cannot happen (error.c #undefs it). */
#define cdx_fail(err, code, ...) (cdx_fail((err), (code), __VA_ARGS__), (code))
#endif

/* Clears err (when non-NULL) to CDX_OK and an empty message. */
void cdx_error_clear(cdx_error *err);

#endif
