/*
 * manifest_write.c — building manifest messages for commits (manifest_write.h). Field and
 * fragment layouts follow what LanceDB 0.31 writes (research/lance.md §2.2): top-level fields
 * with parent_id -1, one DataFile per fragment with fields == column order.
 */
#include "lance/manifest_write.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "google/protobuf/timestamp.pb-c.h"

Lance__File__Field *lance_field_msg_new(const lance_field_desc *f)
{
    char logical[64];
    if (lance_logical_type(f, logical, sizeof logical)) return NULL;
    Lance__File__Field *m = malloc(sizeof *m);
    if (!m) return NULL;
    lance__file__field__init(m);
    m->name = strdup(f->name);
    m->logical_type = strdup(logical);
    if (!m->name || !m->logical_type) {
        lance__file__field__free_unpacked(m, NULL);
        return NULL;
    }
    m->id = f->id;
    m->parent_id = -1;
    m->nullable = f->nullable != 0;
    /* The legacy v1 encoding hint LanceDB still writes: PLAIN for numbers, VAR_BINARY strings. */
    m->encoding = f->type == LANCE_TYPE_UTF8 ? LANCE__FILE__ENCODING__VAR_BINARY
                                             : LANCE__FILE__ENCODING__PLAIN;
    return m;
}

Lance__Table__DataFragment *lance_fragment_msg_new(uint64_t id, const lance_new_file *file,
                                                   const lance_field_desc *fields, size_t n)
{
    Lance__Table__DataFragment *f = malloc(sizeof *f);
    if (!f) return NULL;
    lance__table__data_fragment__init(f);
    f->id = id;
    f->physical_rows = file->rows;
    f->files = calloc(1, sizeof *f->files);
    Lance__Table__DataFile *d = f->files ? malloc(sizeof *d) : NULL;
    if (d) {
        f->files[0] = d;
        f->n_files = 1;
        lance__table__data_file__init(d);
        d->path = strdup(file->name);
        d->fields = calloc(n + 1, sizeof *d->fields);
        d->column_indices = calloc(n + 1, sizeof *d->column_indices);
        d->file_major_version = file->major;
        d->file_minor_version = file->minor;
        d->file_size_bytes = file->size;
    }
    if (!d || !d->path || !d->fields || !d->column_indices) {
        lance__table__data_fragment__free_unpacked(f, NULL);
        return NULL;
    }
    d->n_fields = d->n_column_indices = n;
    for (size_t i = 0; i < n; i++) {
        d->fields[i] = fields[i].id;
        d->column_indices[i] = (int32_t)i;
    }
    return f;
}

Lance__Table__Manifest *lance_manifest_new(const lance_field_desc *fields, size_t n, int minor)
{
    Lance__Table__Manifest *m = malloc(sizeof *m);
    if (!m) return NULL;
    lance__table__manifest__init(m);
    m->fields = calloc(n + 1, sizeof *m->fields);
    m->data_format = malloc(sizeof *m->data_format);
    if (m->data_format) {
        lance__table__manifest__data_storage_format__init(m->data_format);
        m->data_format->file_format = strdup("lance");
        m->data_format->version = strdup(minor ? "2.1" : "2.0");
    }
    int ok = m->fields && m->data_format && m->data_format->file_format &&
             m->data_format->version;
    for (size_t i = 0; ok && i < n; i++) {
        if (!(m->fields[i] = lance_field_msg_new(&fields[i]))) ok = 0;
        else m->n_fields++;
    }
    if (!ok) {
        lance__table__manifest__free_unpacked(m, NULL);
        return NULL;
    }
    return m;
}

int lance_manifest_push_fragment(Lance__Table__Manifest *m, Lance__Table__DataFragment *frag)
{
    Lance__Table__DataFragment **nf =
        realloc(m->fragments, (m->n_fragments + 1) * sizeof *m->fragments);
    if (!nf) {
        lance__table__data_fragment__free_unpacked(frag, NULL);
        return -1;
    }
    m->fragments = nf;
    m->fragments[m->n_fragments++] = frag;
    if (m->_max_fragment_id_case != LANCE__TABLE__MANIFEST___MAX_FRAGMENT_ID_MAX_FRAGMENT_ID ||
        m->max_fragment_id < frag->id) {
        m->_max_fragment_id_case = LANCE__TABLE__MANIFEST___MAX_FRAGMENT_ID_MAX_FRAGMENT_ID;
        m->max_fragment_id = (uint32_t)frag->id;
    }
    return 0;
}

static void replace_string(char **slot, const char *value, int *ok)
{
    char *s = strdup(value);
    if (!s) {
        *ok = 0;
        return;
    }
    if (*slot && *slot != protobuf_c_empty_string) free(*slot);
    *slot = s;
}

int lance_manifest_stamp(Lance__Table__Manifest *m, uint64_t version, const char *txn_file)
{
    int ok = 1;
    m->version = version;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (!m->timestamp) {
        if (!(m->timestamp = malloc(sizeof *m->timestamp))) return -1;
        google__protobuf__timestamp__init(m->timestamp);
    }
    m->timestamp->seconds = ts.tv_sec;
    m->timestamp->nanos = (int32_t)ts.tv_nsec;
    if (!m->writer_version) {
        if (!(m->writer_version = malloc(sizeof *m->writer_version))) return -1;
        lance__table__manifest__writer_version__init(m->writer_version);
    }
    Lance__Table__Manifest__WriterVersion *w = m->writer_version;
    replace_string(&w->library, "clipdex", &ok);
    replace_string(&w->version, CDX_VERSION_STRING, &ok);
    if (w->_prerelease_case && w->prerelease != protobuf_c_empty_string) free(w->prerelease);
    if (w->_build_metadata_case && w->build_metadata != protobuf_c_empty_string)
        free(w->build_metadata);
    w->_prerelease_case = LANCE__TABLE__MANIFEST__WRITER_VERSION___PRERELEASE__NOT_SET;
    w->_build_metadata_case = LANCE__TABLE__MANIFEST__WRITER_VERSION___BUILD_METADATA__NOT_SET;
    replace_string(&m->transaction_file, txn_file ? txn_file : "", &ok);
    return ok ? 0 : -1;
}

uint64_t lance_manifest_next_fragment_id(const Lance__Table__Manifest *m)
{
    uint64_t next = 0;
    if (m->_max_fragment_id_case == LANCE__TABLE__MANIFEST___MAX_FRAGMENT_ID_MAX_FRAGMENT_ID)
        next = (uint64_t)m->max_fragment_id + 1;
    for (size_t i = 0; i < m->n_fragments; i++)
        if (m->fragments[i]->id >= next) next = m->fragments[i]->id + 1;
    return next;
}

void lance_txn_free_shallow(Lance__Table__Transaction *t)
{
    switch (t->operation_case) {
    case LANCE__TABLE__TRANSACTION__OPERATION_APPEND:
        free(t->append->fragments);
        free(t->append);
        break;
    case LANCE__TABLE__TRANSACTION__OPERATION_DELETE:
        free(t->delete_->updated_fragments);
        free(t->delete_->deleted_fragment_ids);
        free(t->delete_);
        break;
    case LANCE__TABLE__TRANSACTION__OPERATION_OVERWRITE:
        free(t->overwrite->fragments);
        free(t->overwrite->schema);
        free(t->overwrite);
        break;
    default: break;
    }
    t->operation_case = LANCE__TABLE__TRANSACTION__OPERATION__NOT_SET;
}
