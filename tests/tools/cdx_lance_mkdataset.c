/*
 * cdx_lance_mkdataset.c — test tool: writes a one-fragment Lance table with the data-file writer
 * (rows from tests/lance/lance_rows.h) plus a minimal V2 manifest (fields, fragment, version 1,
 * data_format), so LanceDB can be asked to read what our writer wrote. The manifest part is a
 * stand-in until the table layer exists.
 *   cdx_lance_mkdataset DB TABLE MINOR(0|1) ROWS BATCH DIM NULLS_MOD LONG_STRINGS(0|1)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lance/writer.h"
#include "table.pb-c.h"
#include "../lance/lance_rows.h"

#define NF 6

static int die(const char *what, const cdx_error *err)
{
    fprintf(stderr, "cdx_lance_mkdataset: %s: %s\n", what, err ? err->message : strerror(errno));
    return 1;
}

static int write_manifest(const char *table_dir, const lance_field_desc *f, const char *data_name,
                          const lance_write_info *info)
{
    Lance__File__Field fields[NF], *fp[NF];
    char lts[NF][64];
    int32_t ids[NF];
    for (int i = 0; i < NF; i++) {
        Lance__File__Field init = LANCE__FILE__FIELD__INIT;
        fields[i] = init;
        fields[i].name = (char *)f[i].name;
        fields[i].id = f[i].id;
        fields[i].parent_id = -1;
        lance_logical_type(&f[i], lts[i], sizeof lts[i]);
        fields[i].logical_type = lts[i];
        fields[i].nullable = f[i].nullable != 0;
        fp[i] = &fields[i];
        ids[i] = i;
    }
    Lance__Table__DataFile df = LANCE__TABLE__DATA_FILE__INIT, *dfp = &df;
    df.path = (char *)data_name;
    df.n_fields = df.n_column_indices = NF;
    df.fields = df.column_indices = ids;
    df.file_major_version = info->major;
    df.file_minor_version = info->minor;
    df.file_size_bytes = info->file_size;
    Lance__Table__DataFragment frag, *fragp = &frag;
    lance__table__data_fragment__init(&frag);
    frag.n_files = 1;
    frag.files = &dfp;
    frag.physical_rows = info->rows;
    Lance__Table__Manifest__DataStorageFormat fmt = LANCE__TABLE__MANIFEST__DATA_STORAGE_FORMAT__INIT;
    fmt.file_format = "lance";
    fmt.version = info->minor ? "2.1" : "2.0";
    Lance__Table__Manifest m = LANCE__TABLE__MANIFEST__INIT;
    m.n_fields = NF;
    m.fields = fp;
    m.n_fragments = 1;
    m.fragments = &fragp;
    m.version = 1;
    m.data_format = &fmt;
    m._max_fragment_id_case = LANCE__TABLE__MANIFEST___MAX_FRAGMENT_ID_MAX_FRAGMENT_ID;
    m.max_fragment_id = 0;
    size_t n = lance__table__manifest__get_packed_size(&m);
    uint8_t *buf = malloc(n + 20);
    if (!buf) return 1;
    buf[0] = (uint8_t)n, buf[1] = (uint8_t)(n >> 8), buf[2] = (uint8_t)(n >> 16), buf[3] = (uint8_t)(n >> 24);
    lance__table__manifest__pack(&m, buf + 4);
    uint8_t foot[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 'L', 'A', 'N', 'C'}; /* pos 0, 0.2 */
    memcpy(buf + 4 + n, foot, 16);
    char path[8192];
    snprintf(path, sizeof path, "%s/_versions", table_dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/_versions/18446744073709551614.manifest", table_dir);
    FILE *fo = fopen(path, "wb");
    int bad = !fo || fwrite(buf, 1, n + 20, fo) != n + 20;
    if (fo && fclose(fo)) bad = 1;
    free(buf);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: cdx_lance_mkdataset DB TABLE MINOR ROWS BATCH DIM NULLS_MOD LONG\n");
        return 2;
    }
    int minor = atoi(argv[3]), lng = atoi(argv[8]);
    uint64_t rows = strtoull(argv[4], NULL, 10), batch = strtoull(argv[5], NULL, 10);
    uint32_t dim = (uint32_t)atoi(argv[6]);
    uint64_t mod = strtoull(argv[7], NULL, 10);
    lance_field_desc f[NF] = {
        {"file_id", 0, LANCE_TYPE_INT64, 1, 1}, {"n32", 1, LANCE_TYPE_INT32, 1, 1},
        {"f64", 2, LANCE_TYPE_FLOAT64, 1, 1},   {"f32", 3, LANCE_TYPE_FLOAT32, 1, 1},
        {"file_name", 4, LANCE_TYPE_UTF8, 1, 1}, {"vector", 5, LANCE_TYPE_FSL_F32, dim, 1}};
    rows_spec s[NF] = {{LANCE_TYPE_INT64, 1, mod, 1, 0},   {LANCE_TYPE_INT32, 1, mod, 2, 0},
                       {LANCE_TYPE_FLOAT64, 1, mod, 0, 0}, {LANCE_TYPE_FLOAT32, 1, mod, 3, 0},
                       {LANCE_TYPE_UTF8, 1, mod, 2, lng},  {LANCE_TYPE_FSL_F32, dim, mod, 4, 0}};
    char dir[4096], path[4200], name[64];
    snprintf(dir, sizeof dir, "%s", argv[1]);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/%s.lance", argv[1], argv[2]);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/data", dir);
    mkdir(path, 0755);
    snprintf(name, sizeof name, "cdx-%s-%d.lance", argv[2], minor);
    snprintf(path, sizeof path, "%s/data/%s", dir, name);
    lance_writer *w;
    cdx_error err = {0};
    if (lance_writer_open(path, f, NF, minor, &w, &err)) return die("open", &err);
    for (uint64_t start = 0; start < rows; start += batch) {
        uint64_t n = rows - start < batch ? rows - start : batch;
        lance_column cols[NF];
        memset(cols, 0, sizeof cols);
        for (int i = 0; i < NF; i++) rows_fill(&s[i], start, n, &cols[i]);
        int rc = lance_writer_add(w, cols, &err);
        for (int i = 0; i < NF; i++) lance_column_free(&cols[i]);
        if (rc) {
            lance_writer_abort(w);
            return die("add", &err);
        }
    }
    lance_write_info info;
    if (lance_writer_finish(w, &info, &err)) return die("finish", &err);
    if (write_manifest(dir, f, name, &info)) return die("manifest", NULL);
    return 0;
}
