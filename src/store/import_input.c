/*
 * import_input.c — line reader for imports: read() in 64 KiB chunks into a buffer that is
 * compacted before it grows, handing out lines in place. The last line needs no '\n'.
 */
#include "store/import_input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"

#define IMPORT_CHUNK ((size_t)1 << 16)

void import_input_init(import_input *in, int fd, const char *src)
{
    memset(in, 0, sizeof *in);
    in->fd = fd;
    in->src = src;
}

void import_input_free(import_input *in)
{
    free(in->buf);
    in->buf = NULL;
}

/* Makes room for one more chunk after the unread bytes. */
static int import_input_room(import_input *in, cdx_error *err)
{
    if (in->start) {
        memmove(in->buf, in->buf + in->start, in->len - in->start);
        in->len -= in->start;
        in->start = 0;
    }
    if (in->cap - in->len >= IMPORT_CHUNK) return 0;
    if (in->len > IMPORT_MAX_LINE)
        return cdx_fail(err, CDX_ETOOLARGE, "%s: line %llu is longer than %zu bytes", in->src,
                        (unsigned long long)in->line_no + 1, IMPORT_MAX_LINE);
    size_t cap = in->cap ? in->cap * 2 : 4 * IMPORT_CHUNK;
    char *b = realloc(in->buf, cap);
    if (!b) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", in->src);
    in->buf = b;
    in->cap = cap;
    return 0;
}

int import_input_line(import_input *in, const char **line, size_t *len, int *got,
                      cdx_error *err)
{
    *got = 0;
    size_t scanned = in->start;
    for (;;) {
        /* Only scan when there are unscanned bytes (buf is NULL before the first read). */
        char *nl = in->len > scanned ? memchr(in->buf + scanned, '\n', in->len - scanned) : NULL;
        if (nl || (in->eof && in->len > in->start)) {
            size_t end = nl ? (size_t)(nl - in->buf) : in->len;
            *line = in->buf + in->start;
            *len = end - in->start;
            in->start = nl ? end + 1 : end;
            in->line_no++;
            *got = 1;
            return 0;
        }
        if (in->eof) return 0;
        size_t done = in->len - in->start;
        int rc = import_input_room(in, err);
        if (rc) return rc;
        scanned = done; /* after compaction the unread bytes start at 0 */
        ssize_t n;
        do n = read(in->fd, in->buf + in->len, in->cap - in->len);
        while (n < 0 && errno == EINTR);
        if (n < 0) return cdx_fail(err, CDX_EIO, "%s: %s", in->src, strerror(errno));
        if (n == 0) in->eof = 1;
        in->len += (size_t)n;
    }
}
