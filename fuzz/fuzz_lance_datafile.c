/*
 * fuzz_lance_datafile.c — libFuzzer target for the Lance v2 data-file reader and page decoders
 * (src/lance/datafile.c, page20.c, page21*.c): opens the bytes and decodes every column with the
 * type its own schema declares. Seeds: fuzz/corpus/lance_datafile/.
 */
#include <stddef.h>
#include <stdint.h>

#include "lance/datafile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cdx_error err = {0};
    lance_datafile *df;
    if (lance_datafile_open_mem("fuzz", data, size, &df, &err)) return 0;
    const Lance__File__Schema *s = lance_datafile_schema(df);
    uint32_t col = 0;
    for (size_t i = 0; i < s->n_fields && col < lance_datafile_num_columns(df); i++) {
        const Lance__File__Field *f = s->fields[i];
        lance_type type;
        uint32_t dim;
        if (f->parent_id != -1) continue;
        if (!f->logical_type || lance_type_parse(f->logical_type, &type, &dim)) {
            col++;
            continue;
        }
        if (dim > 4096) break;
        lance_column c = {0};
        (void)lance_datafile_read_column(df, col++, type, dim, &c, &err);
        lance_column_free(&c);
    }
    lance_datafile_close(df);
    return 0;
}
