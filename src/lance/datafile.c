/*
 * datafile.c — the Lance file v2 container (datafile.h). Layout per lance protos/file2.proto:
 * data buffers, global buffers (0 = FileDescriptor), column metadatas, column metadata offset
 * table (u64 pos, u64 len per column), global buffer offset table, 40-byte footer. Footer
 * version (0,3) and (2,0) mean 2.0 pages, (2,1) means 2.1 pages. Every range is checked.
 */
#include "lance/datafile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "file2.pb-c.h"
#include "lance/fileio.h"
#include "lance/page21.h"
#include "lance/pbuf.h"

#define DATAFILE_FOOTER 40

struct lance_datafile {
    char *name;
    lance_file_bytes file; /* what lance_datafile_open mapped or read */
    const uint8_t *data;
    size_t len;
    int minor;
    uint32_t num_columns, num_global_buffers;
    uint64_t cmo_table, gbo_table;
    Lance__File__FileDescriptor *desc;
};

/* Whether [pos, pos+n) lies inside the file. */
static int df_range_ok(const lance_datafile *df, uint64_t pos, uint64_t n)
{
    return pos <= df->len && n <= df->len - pos;
}

/* Entry i of an offset table at `table`: (position, length), checked against the file. */
static int df_table_entry(const lance_datafile *df, uint64_t table, uint64_t i, const char *what,
                          uint64_t *pos, uint64_t *n, cdx_error *err)
{
    const uint8_t *p = df->data + table + 16 * i;
    *pos = lance_le64(p);
    *n = lance_le64(p + 8);
    if (!df_range_ok(df, *pos, *n))
        return cdx_fail(err, CDX_ECORRUPT, "%s: %s %llu range (%llu, %llu) outside the file",
                        df->name, what, (unsigned long long)i, (unsigned long long)*pos,
                        (unsigned long long)*n);
    return 0;
}

static int df_parse_footer(lance_datafile *df, cdx_error *err)
{
    if (df->len == 0) return cdx_fail(err, CDX_EEMPTY, "%s: empty data file", df->name);
    if (df->len < DATAFILE_FOOTER)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: %zu bytes is too short for a Lance file",
                        df->name, df->len);
    const uint8_t *f = df->data + df->len - DATAFILE_FOOTER;
    if (memcmp(f + 36, "LANC", 4) != 0)
        return cdx_fail(err, CDX_ECORRUPT, "%s: no LANC magic at the end", df->name);
    uint16_t major = lance_le16(f + 32), minor = lance_le16(f + 34);
    if ((major == 0 && minor == 3) || (major == 2 && minor == 0)) df->minor = 0;
    else if (major == 2 && minor == 1) df->minor = 1;
    else
        return cdx_fail(err, CDX_EUNSUPPORTED, "%s: Lance file version %u.%u not supported",
                        df->name, major, minor);
    df->cmo_table = lance_le64(f + 8);
    df->gbo_table = lance_le64(f + 16);
    df->num_global_buffers = lance_le32(f + 24);
    df->num_columns = lance_le32(f + 28);
    uint64_t body = df->len - DATAFILE_FOOTER;
    if (df->cmo_table > body || (uint64_t)df->num_columns * 16 > body - df->cmo_table)
        return cdx_fail(err, CDX_ECORRUPT, "%s: column metadata table (%u columns at %llu) "
                        "outside the file", df->name, df->num_columns,
                        (unsigned long long)df->cmo_table);
    if (df->gbo_table > body || (uint64_t)df->num_global_buffers * 16 > body - df->gbo_table)
        return cdx_fail(err, CDX_ECORRUPT, "%s: global buffer table (%u buffers at %llu) "
                        "outside the file", df->name, df->num_global_buffers,
                        (unsigned long long)df->gbo_table);
    if (df->num_global_buffers < 1)
        return cdx_fail(err, CDX_ECORRUPT, "%s: no global buffer (FileDescriptor)", df->name);
    return 0;
}

static int df_parse_descriptor(lance_datafile *df, cdx_error *err)
{
    uint64_t pos, n;
    int rc = df_table_entry(df, df->gbo_table, 0, "global buffer", &pos, &n, err);
    if (rc) return rc;
    ProtobufCMessage *m;
    rc = lance_pb_unpack(&lance__file__file_descriptor__descriptor, df->data + pos, (size_t)n,
                         df->name, &m, err);
    if (rc) return rc;
    df->desc = (Lance__File__FileDescriptor *)m;
    if (!df->desc->schema)
        return cdx_fail(err, CDX_ECORRUPT, "%s: FileDescriptor has no schema", df->name);
    return 0;
}

int lance_datafile_open_mem(const char *name, const uint8_t *data, size_t len,
                            lance_datafile **out, cdx_error *err)
{
    *out = NULL;
    lance_datafile *df = calloc(1, sizeof *df);
    if (!df || !(df->name = strdup(name))) {
        free(df);
        return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", name);
    }
    df->data = data;
    df->len = len;
    int rc = df_parse_footer(df, err);
    if (!rc) rc = df_parse_descriptor(df, err);
    if (rc) {
        lance_datafile_close(df);
        return rc;
    }
    *out = df;
    return 0;
}

int lance_datafile_open(const char *path, lance_datafile **out, cdx_error *err)
{
    lance_file_bytes file;
    *out = NULL;
    int rc = lance_map_file(path, &file, err);
    if (rc) return rc;
    rc = lance_datafile_open_mem(path, file.data, file.len, out, err);
    if (rc) lance_file_bytes_release(&file);
    else (*out)->file = file;
    return rc;
}

void lance_datafile_close(lance_datafile *df)
{
    if (!df) return;
    if (df->desc) lance__file__file_descriptor__free_unpacked(df->desc, NULL);
    lance_file_bytes_release(&df->file);
    free(df->name);
    free(df);
}

uint32_t lance_datafile_num_columns(const lance_datafile *df) { return df->num_columns; }
uint64_t lance_datafile_num_rows(const lance_datafile *df) { return df->desc->length; }
int lance_datafile_minor(const lance_datafile *df) { return df->minor; }
const Lance__File__Schema *lance_datafile_schema(const lance_datafile *df)
{
    return df->desc->schema;
}

/* The Any bytes of a page's encoding (direct, or indirect = a range of the file). */
static int df_encoding_bytes(const lance_datafile *df, const Lance__File__V2__Encoding *enc,
                             const char *what, const uint8_t **p, size_t *n, cdx_error *err)
{
    if (enc && enc->location_case == LANCE__FILE__V2__ENCODING__LOCATION_DIRECT &&
        enc->direct) {
        *p = enc->direct->encoding.data;
        *n = enc->direct->encoding.len;
        return 0;
    }
    if (enc && enc->location_case == LANCE__FILE__V2__ENCODING__LOCATION_INDIRECT &&
        enc->indirect) {
        uint64_t pos = enc->indirect->buffer_location, len = enc->indirect->buffer_length;
        if (!df_range_ok(df, pos, len))
            return cdx_fail(err, CDX_ECORRUPT, "%s: %s: encoding range outside the file",
                            df->name, what);
        *p = df->data + pos;
        *n = (size_t)len;
        return 0;
    }
    return cdx_fail(err, CDX_ECORRUPT, "%s: %s has no encoding", df->name, what);
}

/* Decodes one page into `out` (dispatching on the file version). */
static int df_decode_page(const lance_datafile *df, uint32_t column, uint32_t index,
                          const Lance__File__V2__ColumnMetadata__Page *page, lance_type type,
                          uint32_t dim, lance_column *out, cdx_error *err)
{
    char what[64];
    snprintf(what, sizeof what, "column %u page %u", column, index);
    if (page->n_buffer_offsets != page->n_buffer_sizes)
        return cdx_fail(err, CDX_ECORRUPT, "%s: %s: %zu buffer offsets but %zu sizes", df->name,
                        what, page->n_buffer_offsets, page->n_buffer_sizes);
    lance_buf *bufs = calloc(page->n_buffer_offsets + 1, sizeof *bufs);
    if (!bufs) return cdx_fail(err, CDX_ENOMEM, "%s: out of memory", df->name);
    int rc = 0;
    for (size_t i = 0; i < page->n_buffer_offsets && !rc; i++) {
        if (!df_range_ok(df, page->buffer_offsets[i], page->buffer_sizes[i]))
            rc = cdx_fail(err, CDX_ECORRUPT, "%s: %s: buffer %zu (%llu, %llu) outside the file",
                          df->name, what, i, (unsigned long long)page->buffer_offsets[i],
                          (unsigned long long)page->buffer_sizes[i]);
        else
            bufs[i] = (lance_buf){df->data + page->buffer_offsets[i], page->buffer_sizes[i]};
    }
    const uint8_t *ep = NULL;
    size_t en = 0;
    if (!rc) rc = df_encoding_bytes(df, page->encoding, what, &ep, &en, err);
    lance_page_ctx ctx = {df->name, column, index, bufs, page->n_buffer_offsets, page->length,
                          type, dim, NULL, NULL};
    ProtobufCMessage *m = NULL;
    char ewhat[600];
    snprintf(ewhat, sizeof ewhat, "%s: %s", df->name, what);
    if (!rc && df->minor == 1) {
        rc = lance_pb_unpack_any(&lance__encodings21__page_layout__descriptor, "lance.encodings21.PageLayout",
                                 ep, en, ewhat, &m, err);
        ctx.layout = (const Lance__Encodings21__PageLayout *)m;
        if (!rc) rc = lance_page21_decode(&ctx, out, err);
    } else if (!rc) {
        rc = lance_pb_unpack_any(&lance__encodings__array_encoding__descriptor, "lance.encodings.ArrayEncoding",
                                 ep, en, ewhat, &m, err);
        ctx.array_encoding = (const Lance__Encodings__ArrayEncoding *)m;
        if (!rc) rc = lance_page20_decode(&ctx, out, err);
    }
    if (m) protobuf_c_message_free_unpacked(m, NULL);
    free(bufs);
    if (!rc && (out->length != page->length || out->type != type))
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: %s decoded %llu rows, page says %llu", df->name,
                      what, (unsigned long long)out->length, (unsigned long long)page->length);
    return rc;
}

void lance_datafile_free_pages(lance_column *pages, size_t npages)
{
    for (size_t i = 0; pages && i < npages; i++) lance_column_free(&pages[i]);
    free(pages);
}

int lance_datafile_read_pages(const lance_datafile *df, uint32_t column, lance_type type,
                              uint32_t dim, lance_column **pages, size_t *npages, cdx_error *err)
{
    *pages = NULL;
    *npages = 0;
    if (column >= df->num_columns)
        return cdx_fail(err, CDX_ECORRUPT, "%s: column %u of %u", df->name, column,
                        df->num_columns);
    uint64_t pos, n;
    int rc = df_table_entry(df, df->cmo_table, column, "column metadata", &pos, &n, err);
    if (rc) return rc;
    ProtobufCMessage *m;
    rc = lance_pb_unpack(&lance__file__v2__column_metadata__descriptor, df->data + pos,
                         (size_t)n, df->name, &m, err);
    if (rc) return rc;
    Lance__File__V2__ColumnMetadata *cm = (Lance__File__V2__ColumnMetadata *)m;
    lance_column *out = NULL;
    if (cm->n_pages > UINT32_MAX)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: column %u has %zu pages", df->name, column,
                      cm->n_pages);
    else if (!(out = calloc(cm->n_pages + 1, sizeof *out)))
        rc = cdx_fail(err, CDX_ENOMEM, "%s: out of memory for %zu pages", df->name, cm->n_pages);
    uint64_t rows = 0;
    size_t done = 0;
    for (; !rc && done < cm->n_pages; done++) {
        rc = df_decode_page(df, column, (uint32_t)done, cm->pages[done], type, dim, &out[done],
                            err);
        rows += rc ? 0 : out[done].length;
    }
    if (!rc && rows != df->desc->length)
        rc = cdx_fail(err, CDX_ECORRUPT, "%s: column %u has %llu rows, the file %llu", df->name,
                      column, (unsigned long long)rows, (unsigned long long)df->desc->length);
    protobuf_c_message_free_unpacked(m, NULL);
    if (rc) {
        lance_datafile_free_pages(out, done);
        return rc;
    }
    *pages = out;
    *npages = done;
    return 0;
}

int lance_datafile_read_column(const lance_datafile *df, uint32_t column, lance_type type,
                               uint32_t dim, lance_column *out, cdx_error *err)
{
    lance_column *pages;
    size_t npages;
    memset(out, 0, sizeof *out);
    int rc = lance_datafile_read_pages(df, column, type, dim, &pages, &npages, err);
    if (rc) return rc;
    if (npages == 1) { /* the page is the column: no join copy */
        *out = pages[0];
        memset(&pages[0], 0, sizeof pages[0]);
    } else {
        rc = lance_column_alloc(out, type, dim, 0, err);
        for (size_t i = 0; i < npages && !rc; i++) rc = lance_column_append(out, &pages[i], NULL, err);
    }
    if (!rc) rc = lance_column_own(out, err);
    lance_datafile_free_pages(pages, npages);
    if (rc) lance_column_free(out);
    return rc;
}
