/*
 * support.h — small helpers shared by the unit tests: fixture paths, whole-file reads,
 * temporary directories. Everything here aborts the test (via cmocka) on failure.
 */
#ifndef CDX_TEST_SUPPORT_H
#define CDX_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/* $CDX_FIXTURES/<rel> in a static buffer (valid until the next call). */
const char *fixture_path(const char *rel);

/* Reads a whole file (malloc'd, NUL-terminated for convenience); fails the test if unreadable. */
uint8_t *read_whole_file(const char *path, size_t *len);

/* Writes len bytes to path (created or truncated); fails the test on error. */
void write_whole_file(const char *path, const void *data, size_t len);

/* Copies the fixture $CDX_FIXTURES/<rel> to path. */
void copy_fixture_file(const char *rel, const char *path);

/* Creates a fresh temporary directory and returns its malloc'd path. */
char *make_temp_dir(void);

/* Removes a directory tree (best effort). */
void remove_tree(const char *path);

#endif
