/*
 * writer.c — the Lance v2 data-file writer (writer.h). Layout per lance protos/file2.proto, as
 * LanceDB 0.31 writes it: page buffers (each 64-byte aligned, padded with 'H'), global buffer 0
 * = FileDescriptor (schema + rows), the column metadatas, the column metadata offset table, the
 * global buffer offset table and the 40-byte footer (version 0.3 for 2.0 files, 2.1 for 2.1).
 * Each column buffers whole batches until about page_bytes of values, then writes them as one
 * page; a batch larger than that is cut into pages straight away. Only page metadata is kept.
 */
#include "lance/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "google/protobuf/empty.pb-c.h"
#include "encodings_v2_0.pb-c.h"
#include "file.pb-c.h"
#include "file2.pb-c.h"
#include "lance/encode.h"

#define WR_ALIGN 64            /* PAGE_BUFFER_ALIGNMENT: 2.1 readers assert it */
#define WR_PAD 0x48            /* LanceDB pads between buffers with 'H' */
#define WR_IO_BUF (1u << 20)
#define WR_DEFAULT_PAGE_BYTES (8u << 20)

typedef struct wr_page {
    uint64_t offsets[LANCE_PAGE_MAX_BUFFERS], sizes[LANCE_PAGE_MAX_BUFFERS];
    size_t n_bufs;
    uint64_t rows, first_row;
    uint8_t *encoding;
    size_t encoding_len;
} wr_page;

typedef struct wr_column {
    lance_field_desc f;
    lance_column stage; /* rows waiting to become a page */
    uint64_t stage_bytes, rows_written;
    wr_page *pages;
    size_t n_pages, cap_pages;
} wr_column;

struct lance_writer {
    char *path, *tmp;
    int fd, minor, failed, sync, direct;
    uint64_t pos, rows;
    size_t page_bytes;
    wr_column *cols;
    size_t n_cols;
    lance_wbuf io;
};

int lance_logical_type(const lance_field_desc *f, char *buf, size_t size)
{
    const char *s = NULL;
    switch (f->type) {
    case LANCE_TYPE_INT32: s = "int32"; break;
    case LANCE_TYPE_INT64: s = "int64"; break;
    case LANCE_TYPE_FLOAT32: s = "float"; break;
    case LANCE_TYPE_FLOAT64: s = "double"; break;
    case LANCE_TYPE_UTF8: s = "string"; break;
    case LANCE_TYPE_FSL_F32: {
        int n = snprintf(buf, size, "fixed_size_list:float:%u", f->dim);
        return n < 0 || (size_t)n >= size ? -1 : 0;
    }
    }
    if (!s || strlen(s) >= size) return -1;
    memcpy(buf, s, strlen(s) + 1);
    return 0;
}

/* ---- output: a buffered, position-tracking writer over the temporary file ---- */

static int wr_flush(lance_writer *w, cdx_error *err)
{
    size_t done = 0;
    while (done < w->io.len) {
        ssize_t k = write(w->fd, w->io.p + done, w->io.len - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return cdx_fail(err, CDX_EIO, "%s: write failed: %s", w->tmp, strerror(errno));
        done += (size_t)k;
    }
    w->io.len = 0;
    return 0;
}

static int wr_write(lance_writer *w, const void *p, size_t n, cdx_error *err)
{
    if (w->io.len + n > WR_IO_BUF) {
        int rc = wr_flush(w, err);
        if (rc) return rc;
    }
    if (n >= WR_IO_BUF) { /* large buffers go straight out */
        size_t done = 0;
        while (done < n) {
            ssize_t k = write(w->fd, (const uint8_t *)p + done, n - done);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0)
                return cdx_fail(err, CDX_EIO, "%s: write failed: %s", w->tmp, strerror(errno));
            done += (size_t)k;
        }
    } else if (lance_wbuf_put(&w->io, p, n)) {
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", w->tmp);
    }
    w->pos += n;
    return 0;
}

static int wr_align(lance_writer *w, cdx_error *err)
{
    uint8_t pad[WR_ALIGN];
    size_t r = (WR_ALIGN - w->pos % WR_ALIGN) % WR_ALIGN;
    memset(pad, WR_PAD, sizeof pad);
    return r ? wr_write(w, pad, r, err) : 0;
}

/* ---- pages ---- */

/* Encodes rows [start, start+n) of `col` as one page of column c and writes its buffers. */
static int wr_page_write(lance_writer *w, wr_column *c, const lance_column *col, uint64_t start,
                         uint64_t n, cdx_error *err)
{
    if (c->n_pages == c->cap_pages) {
        size_t cap = c->cap_pages ? 2 * c->cap_pages : 8;
        wr_page *p = realloc(c->pages, cap * sizeof *p);
        if (!p) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", w->path);
        c->pages = p;
        c->cap_pages = cap;
    }
    lance_page_out out;
    int rc = w->minor ? lance_encode21_page(&c->f, col, start, n, &out, err)
                      : lance_encode20_page(&c->f, col, start, n, &out, err);
    if (rc) return rc;
    wr_page *pg = &c->pages[c->n_pages];
    memset(pg, 0, sizeof *pg);
    for (size_t i = 0; i < out.n_bufs && !rc; i++) {
        rc = wr_align(w, err);
        pg->offsets[i] = w->pos;
        pg->sizes[i] = out.bufs[i].len;
        if (!rc && out.bufs[i].len) rc = wr_write(w, out.bufs[i].ptr, out.bufs[i].len, err);
    }
    if (rc) {
        lance_page_out_free(&out);
        return rc;
    }
    pg->n_bufs = out.n_bufs;
    pg->rows = n;
    pg->first_row = c->rows_written;
    pg->encoding = out.encoding; /* ownership moves to the page */
    pg->encoding_len = out.encoding_len;
    out.encoding = NULL;
    lance_page_out_free(&out);
    c->rows_written += n;
    c->n_pages++;
    return 0;
}

/* Bytes of values rows [start, start+n) hold (what the page size limit counts). */
static uint64_t wr_bytes(const lance_column *col, uint64_t start, uint64_t n)
{
    if (col->type == LANCE_TYPE_UTF8)
        return col->offsets[start + n] - col->offsets[start] + 8 * n;
    return n * lance_type_elem_size(col->type) * col->dim;
}

/* Writes all of `col` as pages of about page_bytes each. */
static int wr_pages_from(lance_writer *w, wr_column *c, const lance_column *col, cdx_error *err)
{
    uint64_t start = 0;
    while (start < col->length) {
        uint64_t n = 1;
        if (col->type == LANCE_TYPE_UTF8) {
            while (start + n < col->length && wr_bytes(col, start, n + 1) <= w->page_bytes) n++;
        } else {
            uint64_t row = wr_bytes(col, 0, 1);
            n = row ? w->page_bytes / row : col->length;
            if (n == 0) n = 1;
            if (n > col->length - start) n = col->length - start;
        }
        int rc = wr_page_write(w, c, col, start, n, err);
        if (rc) return rc;
        start += n;
    }
    return 0;
}

static int wr_flush_stage(lance_writer *w, wr_column *c, cdx_error *err)
{
    if (!c->stage.length) return 0;
    int rc = wr_pages_from(w, c, &c->stage, err);
    uint32_t dim = c->stage.dim;
    lance_column_free(&c->stage);
    c->stage_bytes = 0;
    if (!rc) rc = lance_column_alloc(&c->stage, c->f.type, dim, 0, err);
    return rc;
}

/* ---- batches ---- */

static int wr_check_column(const lance_writer *w, const wr_column *c, const lance_column *col,
                           uint64_t rows, cdx_error *err)
{
    const char *name = c->f.name;
    if (col->type != c->f.type || (c->f.type == LANCE_TYPE_FSL_F32 && col->dim != c->f.dim))
        return cdx_fail(err, CDX_EINVAL, "%s: field %s: column of another type", w->path, name);
    if (col->length != rows)
        return cdx_fail(err, CDX_EINVAL, "%s: field %s: %llu rows, the batch has %llu", w->path,
                        name, (unsigned long long)col->length, (unsigned long long)rows);
    if (!c->f.nullable && lance_enc_count_nulls(col, 0, rows))
        return cdx_fail(err, CDX_EINVAL, "%s: field %s is not nullable but has nulls", w->path,
                        name);
    if (col->type == LANCE_TYPE_UTF8) {
        if (!col->offsets || col->offsets[0] != 0 || col->offsets[rows] > col->data_len ||
            (col->data_len && !col->data))
            return cdx_fail(err, CDX_EINVAL, "%s: field %s: bad string offsets", w->path, name);
        for (uint64_t i = 0; i < rows; i++)
            if (col->offsets[i + 1] < col->offsets[i])
                return cdx_fail(err, CDX_EINVAL, "%s: field %s: offsets decrease at row %llu",
                                w->path, name, (unsigned long long)i);
    } else if (rows && !col->values) {
        return cdx_fail(err, CDX_EINVAL, "%s: field %s: no values", w->path, name);
    }
    return 0;
}

static int wr_add_column(lance_writer *w, wr_column *c, const lance_column *col, cdx_error *err)
{
    uint64_t bytes = wr_bytes(col, 0, col->length);
    int rc = 0;
    if (c->stage.length && c->stage_bytes + bytes >= w->page_bytes) rc = wr_flush_stage(w, c, err);
    if (rc) return rc;
    if (bytes >= w->page_bytes || w->direct) return wr_pages_from(w, c, col, err);
    rc = lance_column_append(&c->stage, col, NULL, err);
    c->stage_bytes += bytes;
    return rc;
}

int lance_writer_add(lance_writer *w, const lance_column *cols, cdx_error *err)
{
    if (w->failed) return cdx_fail(err, CDX_EINVAL, "%s: writer failed earlier", w->path);
    uint64_t rows = w->n_cols ? cols[0].length : 0;
    for (size_t i = 0; i < w->n_cols; i++) {
        int rc = wr_check_column(w, &w->cols[i], &cols[i], rows, err);
        if (rc) return rc; /* nothing written yet: the writer stays usable */
    }
    for (size_t i = 0; i < w->n_cols; i++) {
        int rc = wr_add_column(w, &w->cols[i], &cols[i], err);
        if (rc) {
            w->failed = 1;
            return rc;
        }
    }
    w->rows += rows;
    return 0;
}

/* ---- open / finish ---- */

void lance_writer_set_sync(lance_writer *w, int sync) { w->sync = sync != 0; }
void lance_writer_set_direct(lance_writer *w, int direct) { w->direct = direct != 0; }

void lance_writer_set_page_bytes(lance_writer *w, size_t bytes)
{
    w->page_bytes = bytes ? bytes : 1;
}

static void wr_free(lance_writer *w)
{
    for (size_t i = 0; i < w->n_cols; i++) {
        wr_column *c = &w->cols[i];
        free((char *)c->f.name);
        lance_column_free(&c->stage);
        for (size_t p = 0; p < c->n_pages; p++) free(c->pages[p].encoding);
        free(c->pages);
    }
    free(w->cols);
    lance_wbuf_free(&w->io);
    free(w->path);
    free(w->tmp);
    free(w);
}

void lance_writer_abort(lance_writer *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    if (w->tmp) unlink(w->tmp);
    wr_free(w);
}

int lance_writer_open(const char *path, const lance_field_desc *fields, size_t n_fields,
                      int version_minor, lance_writer **out, cdx_error *err)
{
    *out = NULL;
    if (version_minor != 0 && version_minor != 1)
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: Lance file format 2.%d", path, version_minor);
    lance_writer *w = calloc(1, sizeof *w);
    if (!w) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    w->fd = -1;
    w->sync = 1;
    w->minor = version_minor;
    w->page_bytes = WR_DEFAULT_PAGE_BYTES;
    w->n_cols = n_fields;
    w->path = strdup(path);
    w->tmp = malloc(strlen(path) + 16);
    w->cols = calloc(n_fields ? n_fields : 1, sizeof *w->cols);
    if (!w->path || !w->tmp || !w->cols) {
        lance_writer_abort(w);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
    }
    for (size_t i = 0; i < n_fields; i++) {
        char lt[64];
        wr_column *c = &w->cols[i];
        c->f = fields[i];
        c->f.name = NULL;
        if (lance_logical_type(&fields[i], lt, sizeof lt) ||
            (fields[i].type == LANCE_TYPE_FSL_F32 && fields[i].dim == 0) || !fields[i].name) {
            lance_writer_abort(w);
            return cdx_fail(err, CDX_EINVAL, "%s: field %zu: bad type", path, i);
        }
        int rc = lance_column_alloc(&c->stage, fields[i].type, fields[i].dim, 0, err);
        if (!rc && !(c->f.name = strdup(fields[i].name)))
            rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", path);
        if (rc) {
            lance_writer_abort(w);
            return rc;
        }
    }
    sprintf(w->tmp, "%s.tmp-XXXXXX", path);
    w->fd = mkstemp(w->tmp);
    if (w->fd < 0) {
        int rc = cdx_fail(err, CDX_EIO, "%s: cannot create: %s", w->tmp, strerror(errno));
        free(w->tmp);
        w->tmp = NULL;
        lance_writer_abort(w);
        return rc;
    }
    (void)fchmod(w->fd, 0644);
    *out = w;
    return 0;
}

/* Serializes `m` into a fresh buffer and writes it; *len gets its size. */
static int wr_write_msg(lance_writer *w, const ProtobufCMessage *m, uint64_t *len,
                        cdx_error *err)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *p = malloc(n ? n : 1);
    if (!p) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", w->path);
    protobuf_c_message_pack(m, p);
    int rc = wr_write(w, p, n, err);
    free(p);
    *len = n;
    return rc;
}

static int wr_write_descriptor(lance_writer *w, uint64_t *pos, uint64_t *len, cdx_error *err)
{
    Lance__File__Field *fields = calloc(w->n_cols ? w->n_cols : 1, sizeof *fields);
    Lance__File__Field **ptrs = calloc(w->n_cols ? w->n_cols : 1, sizeof *ptrs);
    char(*lts)[64] = calloc(w->n_cols ? w->n_cols : 1, sizeof *lts);
    int rc = 0;
    if (!fields || !ptrs || !lts) rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", w->path);
    for (size_t i = 0; i < w->n_cols && !rc; i++) {
        Lance__File__Field init = LANCE__FILE__FIELD__INIT;
        const lance_field_desc *f = &w->cols[i].f;
        fields[i] = init;
        fields[i].name = (char *)f->name;
        fields[i].id = f->id;
        fields[i].parent_id = -1;
        lance_logical_type(f, lts[i], sizeof lts[i]);
        fields[i].logical_type = lts[i];
        fields[i].nullable = f->nullable != 0;
        fields[i].encoding =
            f->type == LANCE_TYPE_UTF8 ? LANCE__FILE__ENCODING__VAR_BINARY : LANCE__FILE__ENCODING__PLAIN;
        ptrs[i] = &fields[i];
    }
    if (!rc) {
        Lance__File__Schema schema = LANCE__FILE__SCHEMA__INIT;
        schema.n_fields = w->n_cols;
        schema.fields = ptrs;
        Lance__File__FileDescriptor fd = LANCE__FILE__FILE_DESCRIPTOR__INIT;
        fd.schema = &schema;
        fd.length = w->rows;
        rc = wr_align(w, err);
        *pos = w->pos;
        if (!rc) rc = wr_write_msg(w, &fd.base, len, err);
    }
    free(fields);
    free(ptrs);
    free(lts);
    return rc;
}

/* Column metadata of column c: ColumnEncoding{values} plus every page. */
static int wr_write_column_meta(lance_writer *w, const wr_column *c, const uint8_t *col_enc,
                                size_t col_enc_len, uint64_t *len, cdx_error *err)
{
    size_t np = c->n_pages;
    Lance__File__V2__ColumnMetadata__Page *pages = calloc(np ? np : 1, sizeof *pages);
    Lance__File__V2__ColumnMetadata__Page **pp = calloc(np ? np : 1, sizeof *pp);
    Lance__File__V2__Encoding *encs = calloc(np + 1, sizeof *encs);
    Lance__File__V2__DirectEncoding *direct = calloc(np + 1, sizeof *direct);
    int rc = 0;
    if (!pages || !pp || !encs || !direct) {
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", w->path);
        goto done;
    }
    for (size_t i = 0; i <= np; i++) {
        Lance__File__V2__Encoding e = LANCE__FILE__V2__ENCODING__INIT;
        Lance__File__V2__DirectEncoding d = LANCE__FILE__V2__DIRECT_ENCODING__INIT;
        encs[i] = e;
        direct[i] = d;
        direct[i].encoding.data = (uint8_t *)(i < np ? c->pages[i].encoding : col_enc);
        direct[i].encoding.len = i < np ? c->pages[i].encoding_len : col_enc_len;
        encs[i].location_case = LANCE__FILE__V2__ENCODING__LOCATION_DIRECT;
        encs[i].direct = &direct[i];
    }
    for (size_t i = 0; i < np; i++) {
        Lance__File__V2__ColumnMetadata__Page init = LANCE__FILE__V2__COLUMN_METADATA__PAGE__INIT;
        wr_page *src = &c->pages[i];
        pages[i] = init;
        pages[i].n_buffer_offsets = pages[i].n_buffer_sizes = src->n_bufs;
        pages[i].buffer_offsets = src->offsets;
        pages[i].buffer_sizes = src->sizes;
        pages[i].length = src->rows;
        pages[i].encoding = &encs[i];
        pages[i].priority = src->first_row;
        pp[i] = &pages[i];
    }
    Lance__File__V2__ColumnMetadata cm = LANCE__FILE__V2__COLUMN_METADATA__INIT;
    cm.encoding = &encs[np];
    cm.n_pages = np;
    cm.pages = pp;
    rc = wr_write_msg(w, &cm.base, len, err);
done:
    free(pages);
    free(pp);
    free(encs);
    free(direct);
    return rc;
}

static int wr_put_u64(lance_writer *w, uint64_t v, cdx_error *err)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (8 * i));
    return wr_write(w, x, 8, err);
}

/* Everything after the pages: descriptor, column metadatas, offset tables, footer. */
static int wr_write_tail(lance_writer *w, cdx_error *err)
{
    uint64_t gb_pos = 0, gb_len = 0;
    int rc = wr_write_descriptor(w, &gb_pos, &gb_len, err);
    Google__Protobuf__Empty empty = GOOGLE__PROTOBUF__EMPTY__INIT;
    Lance__Encodings__ColumnEncoding ce = LANCE__ENCODINGS__COLUMN_ENCODING__INIT;
    ce.column_encoding_case = LANCE__ENCODINGS__COLUMN_ENCODING__COLUMN_ENCODING_VALUES;
    ce.values = &empty;
    uint8_t *col_enc = NULL;
    size_t col_enc_len = 0;
    if (!rc) rc = lance_pack_any("lance.encodings.ColumnEncoding", &ce.base, &col_enc, &col_enc_len, err);
    uint64_t *cm = calloc(2 * (w->n_cols ? w->n_cols : 1), sizeof *cm);
    if (!rc && !cm) rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory", w->path);
    uint64_t cm_start = w->pos;
    for (size_t i = 0; i < w->n_cols && !rc; i++) {
        cm[2 * i] = w->pos;
        rc = wr_write_column_meta(w, &w->cols[i], col_enc, col_enc_len, &cm[2 * i + 1], err);
    }
    free(col_enc);
    uint64_t cmo = w->pos;
    for (size_t i = 0; i < 2 * w->n_cols && !rc; i++) rc = wr_put_u64(w, cm[i], err);
    free(cm);
    uint64_t gbo = w->pos;
    if (!rc) rc = wr_put_u64(w, gb_pos, err);
    if (!rc) rc = wr_put_u64(w, gb_len, err);
    uint8_t foot[40];
    uint16_t major = w->minor ? 2 : 0, minor = w->minor ? 1 : 3; /* 2.0 files say 0.3 */
    uint64_t q[3] = {cm_start, cmo, gbo};
    uint32_t d[2] = {1, (uint32_t)w->n_cols};
    for (int i = 0; i < 24; i++) foot[i] = (uint8_t)(q[i / 8] >> (8 * (i % 8)));
    for (int i = 0; i < 8; i++) foot[24 + i] = (uint8_t)(d[i / 4] >> (8 * (i % 4)));
    foot[32] = (uint8_t)major, foot[33] = (uint8_t)(major >> 8);
    foot[34] = (uint8_t)minor, foot[35] = (uint8_t)(minor >> 8);
    static const uint8_t magic[4] = {'L', 'A', 'N', 'C'}; /* bytes, not a C string */
    memcpy(foot + 36, magic, sizeof magic);
    if (!rc) rc = wr_write(w, foot, sizeof foot, err);
    if (!rc) rc = wr_flush(w, err);
    return rc;
}

/* fsync of the directory holding `path`, so the rename is durable. */
static void wr_sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy) return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(copy);
}

int lance_writer_finish(lance_writer *w, lance_write_info *info, cdx_error *err)
{
    int rc = w->failed ? cdx_fail(err, CDX_EINVAL, "%s: writer failed earlier", w->path) : 0;
    for (size_t i = 0; i < w->n_cols && !rc; i++) rc = wr_flush_stage(w, &w->cols[i], err);
    if (!rc) rc = wr_write_tail(w, err);
    if (!rc && w->sync && fdatasync(w->fd))
        rc = cdx_fail(err, CDX_EIO, "%s: fdatasync failed: %s", w->tmp, strerror(errno));
    if (!rc) {
        int fd = w->fd;
        w->fd = -1;
        if (close(fd)) rc = cdx_fail(err, CDX_EIO, "%s: close failed: %s", w->tmp, strerror(errno));
    }
    if (!rc && rename(w->tmp, w->path))
        rc = cdx_fail(err, CDX_EIO, "%s: rename failed: %s", w->path, strerror(errno));
    if (rc) {
        lance_writer_abort(w);
        return rc;
    }
    if (w->sync) wr_sync_dir(w->path);
    if (info) {
        info->rows = w->rows;
        info->file_size = w->pos;
        info->major = 2;
        info->minor = (uint32_t)w->minor;
    }
    wr_free(w);
    return 0;
}
