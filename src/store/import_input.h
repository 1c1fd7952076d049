/*
 * import_input.h — reading an import's input (a file descriptor: a pipe, stdin or a file) line
 * by line through one growing buffer, so memory is one line plus a read chunk.
 */
#ifndef CDX_STORE_IMPORT_INPUT_H
#define CDX_STORE_IMPORT_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

/* Longest line accepted (a 768-d vector in JSON is ~10 KiB; this leaves room for big rows). */
#define IMPORT_MAX_LINE ((size_t)1 << 28)

typedef struct import_input {
    int fd;
    const char *src;
    char *buf;
    size_t start, len, cap; /* unread bytes are buf[start, len) */
    int eof;
    uint64_t line_no; /* of the line last returned */
} import_input;

void import_input_init(import_input *in, int fd, const char *src);
void import_input_free(import_input *in);

/* The next line without its '\n' (valid until the next call); *got is 0 at the end. */
int import_input_line(import_input *in, const char **line, size_t *len, int *got,
                      cdx_error *err);

#endif
