/*
 * cdx_preprocess_dump.c — test tool: runs the vision tower's preprocessing (src/model/preprocess.c)
 * on image files and writes each CHW float32 tensor (little-endian, 3 x SIZE x SIZE) to a file,
 * for tests/model/test_preprocess_vs_pillow.py and the vision end-to-end test.
 * Usage: cdx_preprocess_dump SIZE [--no-exif] IN OUT [IN OUT ...]   (exit 1 on the first error)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/preprocess.h"

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: cdx_preprocess_dump SIZE [--no-exif] IN OUT [IN OUT ...]\n");
        return 2;
    }
    const int size = atoi(argv[1]);
    int i = 2;
    cdx_image_opts opts = {0};
    if (strcmp(argv[i], "--no-exif") == 0) opts.no_exif = 1, i++;
    if (size < 1 || size > 4096 || (argc - i) % 2 != 0) {
        fprintf(stderr, "cdx_preprocess_dump: bad size or unpaired IN/OUT\n");
        return 2;
    }
    const size_t n = (size_t)3 * (size_t)size * (size_t)size;
    float *buf = malloc(n * sizeof *buf);
    if (!buf) return 1;
    int rc = 0;
    for (; i + 1 < argc && rc == 0; i += 2) {
        cdx_error err = {0};
        if (mdl_preprocess_file(argv[i], &opts, size, buf, &err) != CDX_OK) {
            fprintf(stderr, "%s\n", err.message);
            rc = 1;
            break;
        }
        FILE *f = fopen(argv[i + 1], "wb");
        if (!f || fwrite(buf, sizeof *buf, n, f) != n) rc = 1;
        if (f && fclose(f) != 0) rc = 1;
        if (rc) fprintf(stderr, "cdx_preprocess_dump: cannot write %s\n", argv[i + 1]);
    }
    free(buf);
    return rc;
}
