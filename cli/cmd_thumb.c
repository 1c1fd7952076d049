/*
 * cmd_thumb.c — `clipdex thumb IN OUT.png`: writes the PNG thumbnail the Jina API path sends
 * (cdx_thumbnail_file + cdx_png_encode). The file appears atomically: the bytes go to OUT.tmp,
 * which is renamed over OUT only once complete, so a reader never sees half a PNG.
 */
#include "cli.h"
#include "clipdex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void thumb_usage(FILE *out) {
    fprintf(
        out,
        "usage: clipdex thumb IN OUT.png [--size N] [--no-exif] [--level 0-9]\n\n"
        "Writes the PNG thumbnail clipdex sends to the Jina API: IN shrunk as Pillow's\n"
        "thumbnail((N, N), LANCZOS) does (never enlarged), EXIF orientation applied.\n\n"
        "options:\n"
        "  --size N      bounding box in pixels (default 224)\n"
        "  --no-exif     ignore the EXIF orientation tag\n"
        "  --level L     zlib compression level 0-9 (default 1: what clipdex sends to the API;\n"
        "                6 gives byte-for-byte the PNG Pillow writes; pixels are identical)\n"
        "  -h, --help    show this help\n\n"
        "exit status: 0 written, 1 the image could not be read or OUT written, 2 usage error\n");
}

/* Writes `len` bytes to `path` via `path`.tmp + rename. Prints an error naming the file. */
static int thumb_write_atomically(const char *path, const uint8_t *data, size_t len) {
    size_t n = strlen(path);
    char *tmp = malloc(n + 5);
    if (!tmp) {
        cli_errorf("out of memory");
        return -1;
    }
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        cli_errorf("%s: cannot create: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    int ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int saved = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        cli_errorf("%s: cannot rename %s over it: %s", path, tmp, strerror(errno));
        unlink(tmp);
        free(tmp);
        return -1;
    }
    if (!ok) {
        cli_errorf("%s: cannot write: %s", tmp, strerror(saved));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

int cmd_thumb(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    int size = 224, level = CDX_PNG_LEVEL_FAST, only_paths = 0;
    cdx_image_opts opts = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_paths || a[0] != '-' || !strcmp(a, "-")) {
            if (!in)
                in = a;
            else if (!out)
                out = a;
            else {
                cli_errorf("thumb: unexpected argument '%s' (see 'clipdex thumb --help')", a);
                return CLI_EXIT_USAGE;
            }
        } else if (!strcmp(a, "--"))
            only_paths = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            thumb_usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--no-exif"))
            opts.no_exif = 1;
        else if (!strcmp(a, "--size")) {
            if (cli_parse_int(a, i + 1 < argc ? argv[++i] : NULL, 1, 65535, &size))
                return CLI_EXIT_USAGE;
        } else if (!strcmp(a, "--level")) {
            if (cli_parse_int(a, i + 1 < argc ? argv[++i] : NULL, 0, 9, &level))
                return CLI_EXIT_USAGE;
        } else {
            cli_errorf("thumb: unknown option '%s' (see 'clipdex thumb --help')", a);
            return CLI_EXIT_USAGE;
        }
    }
    if (!in || !out) {
        cli_errorf("thumb: needs IN and OUT.png");
        thumb_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    cdx_error err = {0};
    cdx_image *img = NULL;
    if (cdx_thumbnail_file(in, size, &opts, &img, &err) != CDX_OK) {
        cli_errorf("%s", err.message[0] ? err.message : cdx_strerror(err.code));
        return CLI_EXIT_PARTIAL;
    }
    uint8_t *png = NULL;
    size_t png_len = 0;
    int rc = cdx_png_encode(img, level, &png, &png_len, &err);
    cdx_image_free(img);
    if (rc != CDX_OK) {
        cli_errorf("%s: cannot encode the thumbnail as PNG: %s", in,
                   err.message[0] ? err.message : cdx_strerror(rc));
        return CLI_EXIT_PARTIAL;
    }
    rc = thumb_write_atomically(out, png, png_len);
    free(png);
    return rc ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}
