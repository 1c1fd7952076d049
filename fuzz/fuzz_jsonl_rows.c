/*
 * fuzz_jsonl_rows.c — libFuzzer target over the JSON Lines row tokenizer that `clipdex import`
 * feeds untrusted input to: every line of the input is parsed with one reused row, as the importer
 * does. Any crash, leak, UB or read past a line's end is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/jsonl_rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    store_jsonl_row row = {0};
    cdx_error err = {0};
    uint64_t line_no = 0;
    size_t start = 0;
    while (start <= size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        /* a private copy of exactly the line, so ASan sees any read past its end */
        char *line = malloc(end - start + 1);
        if (!line) break;
        memcpy(line, data + start, end - start);
        int blank = 0;
        (void)store_jsonl_parse_row(&row, line, end - start, "fuzz", ++line_no, &blank, &err);
        free(line);
        if (!nl) break;
        start = end + 1;
    }
    store_jsonl_row_free(&row);
    return 0;
}
