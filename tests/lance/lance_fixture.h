/*
 * lance_fixture.h — test helper: the path of the single data file of a LanceDB 0.31 fixture
 * table (tests/fixtures/lancedb-0.31/db/<table>.lance/data/<file>.lance).
 */
#ifndef CDX_TEST_LANCE_FIXTURE_H
#define CDX_TEST_LANCE_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* malloc'd path of the first data file of `table`, or NULL. */
static char *lance_fixture_datafile(const char *table) {
    char rel[512];
    snprintf(rel, sizeof rel, "lancedb-0.31/db/%s.lance/data", table);
    const char *dir = fixture_path(rel);
    char *dircopy = strdup(dir);
    DIR *d = opendir(dircopy);
    char *found = NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 6 && strcmp(e->d_name + n - 6, ".lance") == 0) {
            found = malloc(strlen(dircopy) + n + 2);
            sprintf(found, "%s/%s", dircopy, e->d_name);
            break;
        }
    }
    if (d)
        closedir(d);
    free(dircopy);
    return found;
}

#endif
