/*
 * test_writer.c — the Lance data-file writer (src/lance/writer.c, encode*.c): files it writes in
 * format 2.0 and 2.1 read back through our reader with exactly the values written, for every
 * column type, nulls (some, all, none), empty and > 32 KiB strings, vector dims 1/8/768, many
 * batches and pages, and zero rows; and bad batches are refused without leaving files behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file2.pb-c.h"
#include "lance/datafile.h"
#include "lance/writer.h"
#include "lance_rows.h"
#include "support.h"

typedef struct wcase {
    size_t n;
    lance_field_desc f[6];
    rows_spec s[6];
} wcase;

/* Asserts that `got` holds rows [0, total) of `s`. */
static void check_column(const rows_spec *s, uint64_t total, const lance_column *got)
{
    lance_column want = {0};
    rows_fill(s, 0, total, &want);
    assert_int_equal(got->length, total);
    size_t es = lance_type_elem_size(s->type) * want.dim;
    for (uint64_t r = 0; r < total; r++) {
        int valid = lance_column_is_valid(&want, r);
        assert_int_equal(lance_column_is_valid(got, r), valid);
        if (!valid) continue;
        if (s->type == LANCE_TYPE_UTF8) {
            uint64_t len = want.offsets[r + 1] - want.offsets[r];
            assert_int_equal(got->offsets[r + 1] - got->offsets[r], len);
            if (len)
                assert_memory_equal(got->data + got->offsets[r], want.data + want.offsets[r], len);
        } else {
            assert_memory_equal((char *)got->values + r * es, (char *)want.values + r * es, es);
        }
    }
    if (s->type == LANCE_TYPE_FSL_F32 && got->item_validity)
        for (uint64_t r = 0; r < total; r++)
            for (uint32_t j = 0; j < want.dim && lance_column_is_valid(got, r); j++) {
                uint64_t bit = r * want.dim + j;
                assert_true((got->item_validity[bit / 8] >> (bit % 8)) & 1);
            }
    lance_column_free(&want);
}

/* Writes `batches` batches of `rows` rows with case `c` in format 2.`minor`, then reads the file
 * back and checks schema, row count and every value. Returns the file path (malloc'd). */
static char *roundtrip(const char *dir, const wcase *c, int minor, uint64_t batches,
                       uint64_t rows, size_t page_bytes)
{
    static int seq;
    char *path = malloc(strlen(dir) + 32);
    sprintf(path, "%s/f%d.lance", dir, seq++);
    lance_writer *w = NULL;
    cdx_error err = {0};
    assert_int_equal(lance_writer_open(path, c->f, c->n, minor, &w, &err), 0);
    if (page_bytes) lance_writer_set_page_bytes(w, page_bytes);
    for (uint64_t b = 0; b < batches; b++) {
        lance_column cols[6];
        memset(cols, 0, sizeof cols);
        for (size_t i = 0; i < c->n; i++) rows_fill(&c->s[i], b * rows, rows, &cols[i]);
        assert_int_equal(lance_writer_add(w, cols, &err), 0);
        for (size_t i = 0; i < c->n; i++) lance_column_free(&cols[i]);
    }
    lance_write_info info;
    int rc = lance_writer_finish(w, &info, &err);
    if (rc) fail_msg("finish: %s", err.message);
    assert_int_equal(info.rows, batches * rows);
    assert_int_equal(info.major, 2);
    assert_int_equal(info.minor, (uint32_t)minor);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, info.file_size);

    lance_datafile *df = NULL;
    rc = lance_datafile_open(path, &df, &err);
    if (rc) fail_msg("open: %s", err.message);
    assert_int_equal(lance_datafile_minor(df), minor);
    assert_int_equal(lance_datafile_num_rows(df), batches * rows);
    assert_int_equal(lance_datafile_num_columns(df), c->n);
    const Lance__File__Schema *schema = lance_datafile_schema(df);
    assert_int_equal(schema->n_fields, c->n);
    for (size_t i = 0; i < c->n; i++) {
        char lt[64];
        assert_int_equal(lance_logical_type(&c->f[i], lt, sizeof lt), 0);
        assert_string_equal(schema->fields[i]->name, c->f[i].name);
        assert_int_equal(schema->fields[i]->id, c->f[i].id);
        assert_int_equal(schema->fields[i]->parent_id, -1);
        assert_string_equal(schema->fields[i]->logical_type, lt);
        assert_int_equal(schema->fields[i]->nullable, c->f[i].nullable != 0);
        lance_type t;
        uint32_t dim;
        assert_int_equal(lance_type_parse(lt, &t, &dim), 0);
        lance_column got = {0};
        rc = lance_datafile_read_column(df, (uint32_t)i, t, dim, &got, &err);
        if (rc) fail_msg("column %zu: %s", i, err.message);
        check_column(&c->s[i], batches * rows, &got);
        lance_column_free(&got);
    }
    lance_datafile_close(df);
    return path;
}

#define F(nm, id_, t, d, nl) {nm, id_, t, d, nl}
#define S(t, d, mod, rem, lng) {t, d, mod, rem, lng}

/* The five scalar types and a vector, with nulls every `mod` rows (0 = none). */
static wcase all_types(uint64_t mod, uint32_t dim)
{
    wcase c = {6,
               {F("i64", 0, LANCE_TYPE_INT64, 1, 1), F("i32", 1, LANCE_TYPE_INT32, 1, 1),
                F("f64", 2, LANCE_TYPE_FLOAT64, 1, 1), F("f32", 3, LANCE_TYPE_FLOAT32, 1, 1),
                F("name", 4, LANCE_TYPE_UTF8, 1, 1), F("vector", 5, LANCE_TYPE_FSL_F32, dim, 1)},
               {S(LANCE_TYPE_INT64, 1, mod, 1, 0), S(LANCE_TYPE_INT32, 1, mod, 2, 0),
                S(LANCE_TYPE_FLOAT64, 1, mod, 0, 0), S(LANCE_TYPE_FLOAT32, 1, mod, 3, 0),
                S(LANCE_TYPE_UTF8, 1, mod, 2, 0), S(LANCE_TYPE_FSL_F32, dim, mod, 4, 0)}};
    return c;
}

static void test_every_type_roundtrips_without_nulls(void **state)
{
    char *dir = make_temp_dir();
    uint32_t dims[] = {1, 8, 768};
    for (int minor = 0; minor <= 1; minor++)
        for (int d = 0; d < 3; d++) {
            wcase c = all_types(0, dims[d]);
            free(roundtrip(dir, &c, minor, 1, 1000, 0));
        }
    remove_tree(dir);
    free(dir);
    (void)state;
}

static void test_nulls_roundtrip_in_every_type_and_dim(void **state)
{
    char *dir = make_temp_dir();
    uint32_t dims[] = {1, 8, 100, 768};
    for (int minor = 0; minor <= 1; minor++)
        for (int d = 0; d < 4; d++) {
            wcase c = all_types(5, dims[d]);
            free(roundtrip(dir, &c, minor, 2, 777, 0));
        }
    remove_tree(dir);
    free(dir);
    (void)state;
}

/* One small page size makes some pages entirely null (every row null when mod == 1 too). */
static void test_all_null_pages_and_columns_roundtrip(void **state)
{
    char *dir = make_temp_dir();
    for (int minor = 0; minor <= 1; minor++) {
        wcase c = all_types(1, 8); /* every row null */
        free(roundtrip(dir, &c, minor, 3, 50, 0));
        wcase d = all_types(2, 768);
        free(roundtrip(dir, &d, minor, 4, 1, 0)); /* single-row pages alternate null/valid */
    }
    remove_tree(dir);
    free(dir);
    (void)state;
}

static void test_empty_and_long_strings_roundtrip(void **state)
{
    char *dir = make_temp_dir();
    wcase c = {2, {F("id", 0, LANCE_TYPE_INT64, 1, 0), F("s", 1, LANCE_TYPE_UTF8, 1, 1)},
               {S(LANCE_TYPE_INT64, 1, 0, 0, 0), S(LANCE_TYPE_UTF8, 1, 11, 4, 1)}};
    for (int minor = 0; minor <= 1; minor++) {
        free(roundtrip(dir, &c, minor, 1, 500, 0));
        free(roundtrip(dir, &c, minor, 7, 60, 100000)); /* several pages, some without long */
    }
    remove_tree(dir);
    free(dir);
    (void)state;
}

static void test_hundred_batches_of_a_thousand_rows_roundtrip_in_many_pages(void **state)
{
    char *dir = make_temp_dir();
    wcase c = all_types(13, 8);
    for (int minor = 0; minor <= 1; minor++) {
        free(roundtrip(dir, &c, minor, 100, 1000, 0));
        free(roundtrip(dir, &c, minor, 100, 1000, 50000)); /* many pages per column */
    }
    wcase v = all_types(0, 768);
    free(roundtrip(dir, &v, 1, 20, 1000, 1 << 20)); /* batches bigger than a page */
    remove_tree(dir);
    free(dir);
    (void)state;
}

static void test_zero_rows_make_a_valid_empty_file(void **state)
{
    char *dir = make_temp_dir();
    wcase c = all_types(0, 768);
    for (int minor = 0; minor <= 1; minor++) {
        free(roundtrip(dir, &c, minor, 0, 0, 0));
        free(roundtrip(dir, &c, minor, 3, 0, 0)); /* empty batches */
    }
    remove_tree(dir);
    free(dir);
    (void)state;
}

/* Null items inside valid vectors (item validity without row nulls, and with them). */
static void test_fsl_item_nulls_roundtrip(void **state)
{
    char *dir = make_temp_dir();
    uint32_t dims[] = {8, 768};
    for (int minor = 0; minor <= 1; minor++)
        for (int d = 0; d < 2; d++)
            for (uint64_t mod = 0; mod <= 4; mod += 4) {
                char path[600];
                snprintf(path, sizeof path, "%s/items%d_%d_%d.lance", dir, minor, d, (int)mod);
                lance_field_desc f = F("v", 0, LANCE_TYPE_FSL_F32, dims[d], 1);
                rows_spec s = S(LANCE_TYPE_FSL_F32, dims[d], mod, 1, 0);
                lance_column col = {0};
                rows_fill(&s, 0, 100, &col);
                size_t bits = 100 * (size_t)dims[d];
                col.item_validity = malloc(bits / 8 + 1);
                memset(col.item_validity, 0xff, bits / 8 + 1);
                for (size_t b = 3; b < bits; b += 37) {
                    col.item_validity[b / 8] &= (uint8_t) ~(1u << (b % 8));
                    ((float *)col.values)[b] = 0;
                }
                lance_writer *w = NULL;
                cdx_error err = {0};
                assert_int_equal(lance_writer_open(path, &f, 1, minor, &w, &err), 0);
                assert_int_equal(lance_writer_add(w, &col, &err), 0);
                assert_int_equal(lance_writer_finish(w, NULL, &err), 0);
                lance_datafile *df = NULL;
                assert_int_equal(lance_datafile_open(path, &df, &err), 0);
                lance_column got = {0};
                int rc = lance_datafile_read_column(df, 0, LANCE_TYPE_FSL_F32, dims[d], &got, &err);
                if (rc) fail_msg("%s", err.message);
                assert_non_null(got.item_validity);
                for (uint64_t r = 0; r < 100; r++) {
                    assert_int_equal(lance_column_is_valid(&got, r), lance_column_is_valid(&col, r));
                    if (!lance_column_is_valid(&col, r)) continue;
                    for (uint32_t j = 0; j < dims[d]; j++) {
                        size_t b = r * dims[d] + j;
                        int want = (col.item_validity[b / 8] >> (b % 8)) & 1;
                        assert_int_equal((got.item_validity[b / 8] >> (b % 8)) & 1, want);
                        if (want)
                            assert_true(((float *)got.values)[b] == ((float *)col.values)[b]);
                    }
                }
                lance_column_free(&got);
                lance_column_free(&col);
                lance_datafile_close(df);
            }
    remove_tree(dir);
    free(dir);
    (void)state;
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* Footer fields, table positions and the 64-byte alignment of every page and global buffer. */
static void test_container_invariants_footer_tables_alignment(void **state)
{
    char *dir = make_temp_dir();
    wcase c = all_types(3, 768);
    for (int minor = 0; minor <= 1; minor++) {
        char *path = roundtrip(dir, &c, minor, 5, 300, 200000);
        size_t len;
        uint8_t *b = read_whole_file(path, &len);
        const uint8_t *f = b + len - 40;
        assert_memory_equal(f + 36, "LANC", 4);
        assert_int_equal(f[32] | f[33] << 8, minor ? 2 : 0);
        assert_int_equal(f[34] | f[35] << 8, minor ? 1 : 3);
        uint64_t cms = le64(f), cmo = le64(f + 8), gbo = le64(f + 16);
        assert_int_equal(f[24], 1);              /* one global buffer */
        assert_int_equal(f[28], c.n);            /* columns */
        assert_int_equal(gbo + 16, len - 40);    /* GBO table right before the footer */
        assert_int_equal(cmo + 16 * c.n, gbo);   /* CMO table right before it */
        assert_int_equal(le64(b + gbo) % 64, 0); /* FileDescriptor aligned */
        assert_int_equal(le64(b + cmo), cms);    /* first column metadata at cms */
        size_t pages = 0;
        for (size_t i = 0; i < c.n; i++) {
            uint64_t pos = le64(b + cmo + 16 * i), n = le64(b + cmo + 16 * i + 8);
            Lance__File__V2__ColumnMetadata *cm =
                lance__file__v2__column_metadata__unpack(NULL, n, b + pos);
            assert_non_null(cm);
            uint64_t rows = 0;
            for (size_t p = 0; p < cm->n_pages; p++, pages++) {
                assert_int_equal(cm->pages[p]->priority, rows);
                rows += cm->pages[p]->length;
                for (size_t k = 0; k < cm->pages[p]->n_buffer_offsets; k++)
                    assert_int_equal(cm->pages[p]->buffer_offsets[k] % 64, 0);
            }
            assert_int_equal(rows, 1500);
            lance__file__v2__column_metadata__free_unpacked(cm, NULL);
        }
        assert_true(pages > c.n); /* 200 KB pages: the vector column needs several */
        free(b);
        free(path);
    }
    remove_tree(dir);
    free(dir);
    (void)state;
}

static size_t count_entries(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r"); // NOLINT(cert-env33-c): test helper, dir is ours
    size_t n = 0;
    assert_int_equal(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

static void test_bad_batches_are_refused_and_abort_leaves_no_file(void **state)
{
    char *dir = make_temp_dir();
    char path[600];
    snprintf(path, sizeof path, "%s/x.lance", dir);
    lance_field_desc f[2] = {F("id", 0, LANCE_TYPE_INT64, 1, 0), F("v", 1, LANCE_TYPE_FSL_F32, 8, 1)};
    rows_spec nul = S(LANCE_TYPE_INT64, 1, 2, 0, 0), vec = S(LANCE_TYPE_FSL_F32, 8, 0, 0, 0);
    rows_spec vec4 = S(LANCE_TYPE_FSL_F32, 4, 0, 0, 0), ok = S(LANCE_TYPE_INT64, 1, 0, 0, 0);
    lance_writer *w = NULL;
    cdx_error err = {0};
    assert_int_equal(lance_writer_open(path, f, 2, 1, &w, &err), 0);
    lance_column cols[2];
    memset(cols, 0, sizeof cols);
    rows_fill(&nul, 0, 10, &cols[0]); /* nulls in a non-nullable field */
    rows_fill(&vec, 0, 10, &cols[1]);
    assert_int_equal(lance_writer_add(w, cols, &err), CDX_EINVAL);
    assert_non_null(strstr(err.message, "not nullable"));
    lance_column_free(&cols[0]);
    rows_fill(&ok, 0, 9, &cols[0]); /* lengths differ */
    assert_int_equal(lance_writer_add(w, cols, &err), CDX_EINVAL);
    lance_column_free(&cols[0]);
    lance_column_free(&cols[1]);
    rows_fill(&ok, 0, 10, &cols[0]);
    rows_fill(&vec4, 0, 10, &cols[1]); /* wrong dim */
    assert_int_equal(lance_writer_add(w, cols, &err), CDX_EINVAL);
    assert_int_equal(count_entries(dir), 1); /* only the temporary file */
    lance_writer_abort(w);
    assert_int_equal(count_entries(dir), 0);
    assert_int_equal(lance_writer_open(path, f, 2, 2, &w, &err), CDX_EUNSUPPORTED);
    lance_column_free(&cols[0]);
    lance_column_free(&cols[1]);
    remove_tree(dir);
    free(dir);
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_roundtrips_without_nulls),
        cmocka_unit_test(test_nulls_roundtrip_in_every_type_and_dim),
        cmocka_unit_test(test_all_null_pages_and_columns_roundtrip),
        cmocka_unit_test(test_empty_and_long_strings_roundtrip),
        cmocka_unit_test(test_hundred_batches_of_a_thousand_rows_roundtrip_in_many_pages),
        cmocka_unit_test(test_zero_rows_make_a_valid_empty_file),
        cmocka_unit_test(test_fsl_item_nulls_roundtrip),
        cmocka_unit_test(test_container_invariants_footer_tables_alignment),
        cmocka_unit_test(test_bad_batches_are_refused_and_abort_leaves_no_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
