/*
 * manifest.h — Lance table versions and manifests: listing `_versions/` (both naming schemes),
 * finding the latest or a given version, and decoding the manifest container (16-byte footer,
 * u32-length-prefixed lance.table.Manifest protobuf).
 */
#ifndef CDX_LANCE_MANIFEST_H
#define CDX_LANCE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"
#include "table.pb-c.h"

/* The committed versions of a table, ascending. */
typedef struct lance_versions {
    uint64_t *versions;
    char **files; /* manifest file names under _versions/, parallel to versions */
    size_t count;
} lance_versions;

/* Lists `<table_dir>/_versions/`: V2 names (20 digits = u64::MAX - version) or V1 names
 * (`{version}.manifest`); detached (`d…`) and other files are ignored; mixing schemes fails. */
int lance_versions_list(const char *table_dir, lance_versions *out, cdx_error *err);
void lance_versions_free(lance_versions *v);

/* Parses a manifest file's bytes (`name` for messages). *out is freed with
 * lance__table__manifest__free_unpacked(*out, NULL). */
int lance_manifest_parse(const char *name, const uint8_t *data, size_t len,
                         Lance__Table__Manifest **out, cdx_error *err);

/* Reads and parses the manifest of `version` (0 = latest) of the table at `table_dir`, checking
 * that the manifest's own version matches its file name. */
int lance_manifest_load(const char *table_dir, uint64_t version, Lance__Table__Manifest **out,
                        cdx_error *err);

#endif
