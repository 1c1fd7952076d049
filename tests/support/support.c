/*
 * test_support.c — see support.h.
 */
#include "support.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

const char *fixture_path(const char *rel) {
    static char buf[4096];
    const char *root = getenv("CDX_FIXTURES");
    if (!root) fail_msg("CDX_FIXTURES is not set (run the tests through ctest)");
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    return buf;
}

uint8_t *read_whole_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) fail_msg("cannot read %s", path);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

void write_whole_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) fail_msg("cannot create %s", path);
    if (fwrite(data, 1, len, f) != len) fail_msg("cannot write %s", path);
    if (fclose(f) != 0) fail_msg("cannot close %s", path);
}

void copy_fixture_file(const char *rel, const char *path) {
    size_t len;
    uint8_t *d = read_whole_file(fixture_path(rel), &len);
    write_whole_file(path, d, len);
    free(d);
}

char *make_temp_dir(void) {
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/cdxtest.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) fail_msg("mkdtemp failed");
    return strdup(tmpl);
}

void remove_tree(const char *path) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) { /* best effort */ } // NOLINT(cert-env33-c): test cleanup, path is ours
}
