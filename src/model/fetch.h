/*
 * fetch.h — internals of cdx_model_fetch (fetch.c): the files a local jina-clip-v1 needs and
 * what the repository's file list says about each (size, sha256 of LFS objects, git blob id),
 * and the checks of a file on disk against that (fetch_verify.c).
 */
#ifndef CDX_MODEL_FETCH_H
#define CDX_MODEL_FETCH_H

#include "clipdex.h"

#include <stdint.h>

typedef struct mdl_fetch_file {
    const char *name; /* path in the repository, also the name in the model directory */
    int required;
    int listed; /* the repository's file list has it */
    uint64_t size;
    char sha256[65];  /* LFS objects: lower-case hex, "" when unknown */
    char git_oid[41]; /* other files: the git blob id (sha1 of "blob <size>\0" + bytes) */
} mdl_fetch_file;

/* Hashes `path` and compares it with the file's expected size and checksum: CDX_OK when it
 * matches, CDX_ECORRUPT (message naming expected and actual) when not, CDX_EIO when unreadable. */
int mdl_fetch_verify(const char *path, const mdl_fetch_file *f, cdx_error *err);

#endif
