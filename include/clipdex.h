/*
 * clipdex.h — the public API of libclipdex.
 *
 * clipdex turns folders of images into LanceDB tables of jina-clip-v1 embeddings and searches
 * them. Conventions (see docs in README.md): every public symbol starts with `cdx_`; objects are
 * opaque handles with new/free or open/close function pairs; a function that can fail returns an
 * int status (CDX_OK == 0) and, when given a non-NULL `cdx_error *`, fills it with a message that
 * names the input (file, field, byte offset) and the reason. The library never prints or exits.
 */
#ifndef CLIPDEX_H
#define CLIPDEX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CDX_VERSION_STRING "0.1.0"

/* ---- Status codes and errors ------------------------------------------------------------- */

typedef enum cdx_status {
    CDX_OK = 0,
    CDX_EINVAL = 1,       /* invalid argument (a bug in the caller or a bad option value) */
    CDX_ENOMEM = 2,       /* out of memory */
    CDX_EIO = 3,          /* the file could not be opened, read or written */
    CDX_EEMPTY = 4,       /* the input has zero bytes */
    CDX_EUNSUPPORTED = 5, /* not a format (or feature of a format) clipdex can read */
    CDX_ETRUNCATED = 6,   /* the input ends before its own structures say it should */
    CDX_ECORRUPT = 7,     /* the input is malformed */
    CDX_ETOOLARGE = 8,    /* the input exceeds a configured limit (e.g. the pixel limit) */
    CDX_ENOTFOUND = 9,    /* a named thing does not exist */
    CDX_EEXIST = 10,      /* a named thing exists already */
    CDX_ECONFLICT = 11,   /* a concurrent writer won; retry */
    CDX_ENETWORK = 12,    /* a network or remote service failure */
    CDX_EAUTH = 13,       /* a remote service refused the credentials (invalid or missing key) */
    CDX_ECREDIT = 14,     /* a remote service refused for want of credit (out of credits) */
    CDX_EREJECTED = 15,   /* a remote service rejected the request itself (its detail says why) */
} cdx_status;

/* An error object: a status code plus a human-readable message naming the input and reason.
 * Zero-initialise it (`cdx_error err = {0};`); every failing call overwrites it. */
typedef struct cdx_error {
    int code;
    char message[512];
} cdx_error;

/* A short, static description of a status code ("unsupported format", ...). Never NULL. */
const char *cdx_strerror(int status);

/* ---- Images --------------------------------------------------------------------------------- */

/* Pixel layouts, named as Pillow names them. 8-bit samples, interleaved, rows `stride` bytes
 * apart; CDX_MODE_1 stores one byte per pixel (0 or 255); CDX_MODE_I stores native int32. */
typedef enum cdx_mode {
    CDX_MODE_1,
    CDX_MODE_L,
    CDX_MODE_LA,
    CDX_MODE_P,
    CDX_MODE_RGB,
    CDX_MODE_RGBA,
    CDX_MODE_CMYK,
    CDX_MODE_I,
} cdx_mode;

/* "1", "L", "LA", "P", "RGB", "RGBA", "CMYK" or "I". */
const char *cdx_mode_name(cdx_mode mode);

typedef enum cdx_format {
    CDX_FORMAT_UNKNOWN,
    CDX_FORMAT_JPEG,
    CDX_FORMAT_PNG,
    CDX_FORMAT_WEBP,
    CDX_FORMAT_GIF,
    CDX_FORMAT_BMP,
} cdx_format;

/* "JPEG", "PNG", "WEBP", "GIF", "BMP" or "unknown". */
const char *cdx_format_name(cdx_format format);

/* Default decompression-bomb limit: twice Pillow's MAX_IMAGE_PIXELS warning threshold. */
#define CDX_DEFAULT_MAX_PIXELS UINT64_C(178956970)

/* How images are loaded. Zero-initialised options are the defaults (EXIF applied, default
 * pixel limit). */
typedef struct cdx_image_opts {
    int no_exif;         /* nonzero: ignore the EXIF orientation tag */
    uint64_t max_pixels; /* refuse images with more pixels than this; 0 = default */
} cdx_image_opts;

/* What a header says about an image, read without decoding its pixels. */
typedef struct cdx_image_info {
    cdx_format format;
    int width, height;   /* after EXIF orientation (unless no_exif) */
    int stored_width;    /* as stored in the file */
    int stored_height;
    int orientation;     /* EXIF orientation 1..8 (1 when absent or when no_exif) */
} cdx_image_info;

typedef struct cdx_image cdx_image;

/* Reads only the header (and EXIF) of a file and fills `info`. Fails on unreadable, empty,
 * unsupported, truncated-header or over-limit files. */
int cdx_image_probe_file(const char *path, const cdx_image_opts *opts, cdx_image_info *info,
                         cdx_error *err);

/* Decodes a whole image file (first frame), with EXIF orientation applied unless opts->no_exif.
 * The mode is the one Pillow 9.4 would give. The caller frees *out with cdx_image_free. */
int cdx_image_load_file(const char *path, const cdx_image_opts *opts, cdx_image **out,
                        cdx_error *err);

/* Same, from memory; `name` is used in error messages. */
int cdx_image_load_mem(const void *data, size_t size, const char *name, const cdx_image_opts *opts,
                       cdx_image **out, cdx_error *err);

void cdx_image_free(cdx_image *img);

int cdx_image_width(const cdx_image *img);
int cdx_image_height(const cdx_image *img);
cdx_mode cdx_image_mode(const cdx_image *img);
size_t cdx_image_stride(const cdx_image *img);
const uint8_t *cdx_image_pixels(const cdx_image *img);
/* Palette of a CDX_MODE_P image: `*count` RGB triples (NULL for other modes). */
const uint8_t *cdx_image_palette(const cdx_image *img, int *count);

/* Loads a file and shrinks it exactly as Pillow 9.4's `Image.thumbnail((size, size), LANCZOS)`
 * does (JPEG DCT draft scaling, reduce() step, NEAREST for palette images, premultiplied alpha;
 * images that already fit are returned unchanged). With EXIF orientation 2..8 applied, the result
 * is that of `ImageOps.exif_transpose(img)` followed by `thumbnail`. Caller frees *out. */
int cdx_thumbnail_file(const char *path, int size, const cdx_image_opts *opts, cdx_image **out,
                       cdx_error *err);

/* Same, from memory; `name` is used in error messages. */
int cdx_thumbnail_mem(const void *data, size_t len, const char *name, int size,
                      const cdx_image_opts *opts, cdx_image **out, cdx_error *err);

/* zlib levels for cdx_png_encode. CDX_PNG_LEVEL_PILLOW (6, also chosen by -1) reproduces
 * Pillow 9.4's PNG bytes exactly (same filter choice and zlib settings, so the same base64 as the
 * Python recipe); CDX_PNG_LEVEL_FAST is what clipdex sends to the API by default: identical
 * pixels, about 3x less encoding time, roughly 20% more bytes. */
#define CDX_PNG_LEVEL_PILLOW 6
#define CDX_PNG_LEVEL_FAST 1

/* Encodes an image as PNG the way Pillow saves it (mode → colour type and bit depth; CMYK is
 * converted to RGB first, as Pillow's convert("RGB") does). `level` is the zlib level 0..9, or
 * -1 for CDX_PNG_LEVEL_PILLOW. On success *png is malloc'd; the caller frees it. */
int cdx_png_encode(const cdx_image *img, int level, uint8_t **png, size_t *png_len,
                   cdx_error *err);

/* RFC 4648 base64 (standard alphabet, '=' padding, no line breaks). Returns a malloc'd,
 * NUL-terminated string (length in *out_len if non-NULL), or NULL when out of memory. */
char *cdx_base64_encode(const void *data, size_t len, size_t *out_len);

/* Jina's image token bill: ceil(w/224) * ceil(h/224) tiles of 1,000 tokens each. */
int64_t cdx_jina_image_tokens(int width, int height);

/* The size Pillow's thumbnail((size, size)) gives an image of width x height (never larger). */
void cdx_thumbnail_size(int width, int height, int size, int *thumb_w, int *thumb_h);

/* ---- Walking ------------------------------------------------------------------------------ */

/* One thing cdx_walk found: a regular file (status CDX_OK) or a path it could not walk. */
typedef struct cdx_walk_entry {
    const char *path;    /* the argument as given joined with the relative path inside it, runs
                          * of '/' collapsed ("dir/" + "a.png" -> "dir/a.png"); valid only
                          * during the callback */
    int status;          /* CDX_OK for a file; else why: CDX_ENOTFOUND (missing argument),
                          * CDX_EIO (unreadable directory, stat failure), CDX_EUNSUPPORTED
                          * (a directory loop through a symlink, or an argument that is neither
                          * a file nor a directory) */
    const char *message; /* "<path>: <reason>" when status != CDX_OK, "" otherwise */
    uint64_t size;       /* file size in bytes (0 for errors) */
    int64_t mtime;       /* modification time, seconds since the epoch (0 for errors) */
    int64_t mtime_ns;    /* the same in nanoseconds (0 for errors) */
} cdx_walk_entry;

/* Called once per entry, in walk order. Return 0 to go on; any other value stops the walk and
 * becomes cdx_walk's return value. */
typedef int (*cdx_walk_fn)(const cdx_walk_entry *entry, void *user);

/* How cdx_walk walks. Zero-initialised options (or NULL) are the defaults. */
typedef struct cdx_walk_opts {
    int include_hidden; /* nonzero: also visit names starting with '.' and OS junk files */
} cdx_walk_opts;

/* Walks `n` paths in the order given: a file is reported as is; a directory recursively, its
 * entries sorted by name (bytewise), skipping hidden names (leading '.') and junk (`._*`,
 * `.DS_Store`, `@eaDir`, `Thumbs.db`, `desktop.ini`). Symlinks are followed, but a directory
 * already open higher up the same branch is reported as a loop instead of entered; other
 * non-regular files inside directories (FIFOs, sockets, devices) are skipped. Problems with one
 * path are reported to `fn` as entries with a nonzero status and do not stop the walk. Returns 0
 * when the walk finished, the callback's nonzero value if it stopped it, or CDX_ENOMEM/CDX_EINVAL
 * (filled into `err`). */
int cdx_walk(const char *const *paths, size_t n, const cdx_walk_opts *opts, cdx_walk_fn fn,
             void *user, cdx_error *err);

/* ---- Lance tables (reading) ------------------------------------------------------------- */

/* A LanceDB table opened at one version (read-only). Tables live in a database directory as
 * `<db>/<name>.lance/`. */
typedef struct cdx_table cdx_table;

/* Column types clipdex reads: integers, floats, UTF-8 strings and float32 vectors (Arrow
 * fixed_size_list<float32, dim>). */
typedef enum cdx_column_type {
    CDX_COLUMN_INT32,
    CDX_COLUMN_INT64,
    CDX_COLUMN_FLOAT32,
    CDX_COLUMN_FLOAT64,
    CDX_COLUMN_UTF8,
    CDX_COLUMN_VECTOR_F32,
} cdx_column_type;

/* Lists the tables of database directory `db_dir` (entries `<name>.lance/`), sorted by name.
 * *names is a malloc'd array of *count malloc'd strings; free it with cdx_db_free_names. */
int cdx_db_list_tables(const char *db_dir, char ***names, size_t *count, cdx_error *err);
void cdx_db_free_names(char **names, size_t count);

/* Opens table `name` of `db_dir` at `version` (0 = the latest). Columns of types clipdex cannot
 * read are left out of the schema. Close with cdx_table_close. */
int cdx_table_open(const char *db_dir, const char *name, uint64_t version, cdx_table **out,
                   cdx_error *err);
void cdx_table_close(cdx_table *t);

/* The version the table was opened at, and the newest version on disk when it was opened. */
uint64_t cdx_table_version(const cdx_table *t);
uint64_t cdx_table_latest_version(const cdx_table *t);
/* Live rows (deleted rows excluded). */
uint64_t cdx_table_num_rows(const cdx_table *t);

/* Schema: column count, and each column's name, type, vector dimension (1 for scalars) and
 * whether it is nullable. `i` is in [0, cdx_table_num_columns). */
size_t cdx_table_num_columns(const cdx_table *t);
const char *cdx_table_column_name(const cdx_table *t, size_t i);
cdx_column_type cdx_table_column_type(const cdx_table *t, size_t i);
uint32_t cdx_table_column_dim(const cdx_table *t, size_t i);
int cdx_table_column_nullable(const cdx_table *t, size_t i);
/* Index of the column called `name`, or -1. */
long cdx_table_column_index(const cdx_table *t, const char *name);

/* A scan yields the live rows of the table in batches (one per fragment). */
typedef struct cdx_scan cdx_scan;
typedef struct cdx_batch cdx_batch;

/* Starts a scan of all columns. Close with cdx_scan_close. */
int cdx_scan_open(const cdx_table *t, cdx_scan **out, cdx_error *err);
/* Reads the next batch into *batch (owned by the scan, valid until the next cdx_scan_next or
 * cdx_scan_close; its values may point into the table's mapped files, so keep the table open
 * and unchanged by this handle meanwhile); *batch is NULL at the end. */
int cdx_scan_next(cdx_scan *s, const cdx_batch **batch, cdx_error *err);
void cdx_scan_close(cdx_scan *s);

/* Rows in the batch, and each row's LanceDB `_rowid` (fragment id << 32 | row offset). */
uint64_t cdx_batch_num_rows(const cdx_batch *b);
uint64_t cdx_batch_row_id(const cdx_batch *b, uint64_t row);
/* Whether the value of column `col` at `row` is null. */
int cdx_batch_is_null(const cdx_batch *b, size_t col, uint64_t row);
/* The values of column `col` when it has that type (else NULL): num_rows elements, or
 * num_rows * dim floats for vectors (row-major). Null slots hold 0. */
const int32_t *cdx_batch_int32(const cdx_batch *b, size_t col);
const int64_t *cdx_batch_int64(const cdx_batch *b, size_t col);
const float *cdx_batch_float32(const cdx_batch *b, size_t col);
const double *cdx_batch_float64(const cdx_batch *b, size_t col);
/* The string at `row` of a UTF8 column (not NUL-terminated; length in *len), or NULL when the
 * column is not UTF8. Null rows give "" with length 0. */
const char *cdx_batch_utf8(const cdx_batch *b, size_t col, uint64_t row, size_t *len);

/* ---- Lance tables (writing) ------------------------------------------------------------- */

/* One column of a table schema, declared in C like the recipe's LanceModel:
 *   static const cdx_field recipe[] = {{"file_id", CDX_COLUMN_INT64},
 *       {"file_name", CDX_COLUMN_UTF8}, {"vector", CDX_COLUMN_VECTOR_F32, 768}};
 * `dim` is the vector dimension (ignored for scalars); columns are nullable unless not_null. */
typedef struct cdx_field {
    const char *name;
    cdx_column_type type;
    uint32_t dim;
    int not_null;
} cdx_field;

/* What cdx_table_create does when the table exists: fail (CDX_EEXIST), commit a new empty
 * version with the new schema (older versions stay readable), or open it (the schema must be
 * the same, else CDX_EEXIST). */
typedef enum cdx_create_mode {
    CDX_CREATE,
    CDX_OVERWRITE,
    CDX_EXIST_OK,
} cdx_create_mode;

/* Creates table `name` in `db_dir` (made if missing) with `n` columns, as Lance data storage
 * `storage` "2.1" (NULL: the default, as LanceDB 0.31) or "2.0". The new version has no rows.
 * *out is opened at the resulting version; close it with cdx_table_close. */
int cdx_table_create(const char *db_dir, const char *name, const cdx_field *fields, size_t n,
                     cdx_create_mode mode, const char *storage, cdx_table **out, cdx_error *err);

/* A batch of rows to append, column-wise, shaped by a table's schema. Every set column must
 * have the same row count; columns never set are all null (an error for not-null columns).
 * Values are copied. Free with cdx_rows_free. */
typedef struct cdx_rows cdx_rows;

int cdx_rows_new(const cdx_table *t, cdx_rows **out, cdx_error *err);
void cdx_rows_free(cdx_rows *r);
/* Forgets all values so the builder can take the next batch. */
void cdx_rows_clear(cdx_rows *r);
/* Sets column `col` (by name) to `n` values of its type. */
int cdx_rows_set_int32(cdx_rows *r, const char *col, const int32_t *v, size_t n, cdx_error *err);
int cdx_rows_set_int64(cdx_rows *r, const char *col, const int64_t *v, size_t n, cdx_error *err);
int cdx_rows_set_float32(cdx_rows *r, const char *col, const float *v, size_t n, cdx_error *err);
int cdx_rows_set_float64(cdx_rows *r, const char *col, const double *v, size_t n,
                         cdx_error *err);
/* `n` NUL-terminated strings; a NULL pointer is a null value. */
int cdx_rows_set_utf8(cdx_rows *r, const char *col, const char *const *v, size_t n,
                      cdx_error *err);
/* `n` vectors of the column's dimension, row-major (n * dim floats). */
int cdx_rows_set_vector_f32(cdx_rows *r, const char *col, const float *v, size_t n,
                            cdx_error *err);
/* Marks rows of an already set column null: `valid` is an LSB-first bitmap of its n rows (bit
 * clear = null). */
int cdx_rows_set_validity(cdx_rows *r, const char *col, const uint8_t *valid, cdx_error *err);
/* Rows in the batch (0 until a column is set). */
size_t cdx_rows_count(const cdx_rows *r);

/* Appends the rows as one new version (data files are written, and fsync'd unless CDX_NO_SYNC,
 * before the manifest appears, so a failed or interrupted add leaves no trace a reader sees). Concurrent writers,
 * clipdex or LanceDB, are rebased on; `t` is moved to the new version. */
int cdx_table_add(cdx_table *t, const cdx_rows *rows, cdx_error *err);

/* Streams many batches into ONE commit with bounded memory: rows go to data files as they
 * come (a new fragment every max_rows_per_file rows); nothing is visible until commit. */
typedef struct cdx_appender cdx_appender;

int cdx_appender_open(cdx_table *t, cdx_appender **out, cdx_error *err);
/* Rows per data file (fragment) from now on; default 1,048,576 as LanceDB. */
void cdx_appender_set_max_rows_per_file(cdx_appender *a, uint64_t rows);
int cdx_appender_add(cdx_appender *a, const cdx_rows *rows, cdx_error *err);
/* Commits every added row as one new version and frees `a` (also on failure, when nothing is
 * committed). The table handle given to open is moved to the new version. */
int cdx_appender_commit(cdx_appender *a, cdx_error *err);
/* Discards the rows added so far and frees `a`. Safe on NULL. */
void cdx_appender_abort(cdx_appender *a);

/* How a table handle's commits (add, appender, delete) reach the disk. CDX_DURABLE, the default:
 * a commit that returned survives power loss (its files are fdatasync'd, their directories
 * fsync'd, before the manifest is linked). CDX_NO_SYNC, as LanceDB on a local disk: no fsync at
 * all; commits stay atomic and survive a crash of the process (versions still appear whole),
 * but the OS may lose the latest commits on power loss. cdx_table_create always syncs. */
typedef enum cdx_durability {
    CDX_DURABLE = 0,
    CDX_NO_SYNC = 1,
} cdx_durability;

/* Sets how later commits through `t` sync (kept across the versions `t` moves to). */
void cdx_table_set_durability(cdx_table *t, cdx_durability d);

/* Deletes the rows whose int64 column `col` holds one of the `n` ids (one new version, with a
 * deletion file per touched fragment; nothing is committed when no row matches). *deleted (may
 * be NULL) gets the number of rows deleted. `t` is moved to the latest version. */
int cdx_table_delete_ids(cdx_table *t, const char *col, const int64_t *ids, size_t n,
                         uint64_t *deleted, cdx_error *err);
/* Deletes the rows whose utf8 column `col` equals `value` (as SQL `col = 'value'`). */
int cdx_table_delete_eq_utf8(cdx_table *t, const char *col, const char *value,
                             uint64_t *deleted, cdx_error *err);

/* ---- Vector search: distance types --------------------------------------------------------- */

/* The distance types LanceDB offers, with `_distance` defined as LanceDB 0.31 defines it:
 * L2 = squared Euclidean distance, COSINE = 1 - cos(angle), DOT = 1 - dot product. */
typedef enum cdx_metric {
    CDX_METRIC_L2 = 0,
    CDX_METRIC_COSINE = 1,
    CDX_METRIC_DOT = 2,
} cdx_metric;

/* "l2", "cosine" or "dot" (the names LanceDB's distanceType takes); "unknown" otherwise. */
const char *cdx_metric_name(cdx_metric metric);

/* Parses a metric name as LanceDB spells it ("l2", "cosine", "dot"; case-insensitive, and
 * "euclidean" for l2). Fails with CDX_EINVAL naming the string when it is none of those. */
int cdx_metric_parse(const char *name, cdx_metric *out, cdx_error *err);

/* ---- Vector search over a table ----------------------------------------------------------- */

/* One search result: the row's LanceDB `_rowid` (fragment id << 32 | row offset), its position
 * among the table's live rows in scan order (0 .. cdx_table_num_rows - 1, the order
 * cdx_scan_next yields them), and its `_distance` from the query. */
typedef struct cdx_search_hit {
    uint64_t row_id;
    uint64_t position;
    float distance;
} cdx_search_hit;

/* Exact top-k search of vector column `column` (NULL: the table's only vector column) for the
 * `dim` floats of `query`, as LanceDB's flat search answers it: the k live rows of smallest
 * `_distance`, ascending (ties by position). Deleted rows and null vectors are never returned.
 * The handle keeps the column's pages for later queries: views into the mapped data files when
 * stored flat (no memory), decoded copies otherwise. threads <= 0 means
 * one per CPU. *hits (malloc'd; free with cdx_search_hits_free) gets *count <= k hits. */
int cdx_table_search(const cdx_table *t, const char *column, const float *query, size_t dim,
                     cdx_metric metric, size_t k, int threads, cdx_search_hit **hits,
                     size_t *count, cdx_error *err);
void cdx_search_hits_free(cdx_search_hit *hits);

/* ---- Importing rows (JSON Lines) ----------------------------------------------------------- */

/* What an import does with the table: create it (CDX_EEXIST if it exists), append to it (it must
 * exist; rows must fit its schema) or overwrite it (a new version with the new schema and only
 * the imported rows; older versions stay readable). */
typedef enum cdx_import_mode {
    CDX_IMPORT_CREATE,
    CDX_IMPORT_APPEND,
    CDX_IMPORT_OVERWRITE,
} cdx_import_mode;

/* Zero-initialised options are the defaults: create, dimension from the data, 8192-row batches. */
typedef struct cdx_import_opts {
    cdx_import_mode mode;
    uint32_t dim;      /* create/overwrite: every vector column's dimension (0: the length of
                        * its first non-null array); must be 0 for append */
    size_t batch_rows; /* rows parsed and written per batch; the schema of a new table comes
                        * from the first batch (0: 8192) */
} cdx_import_opts;

/* Imports JSON Lines from `fd` (read to its end; blank lines skipped, CRLF accepted) into table
 * `name` of `db_dir`. Each line is one flat object keyed by column name: integer literals are
 * int64 (exact), other numbers float64, strings utf8, arrays of numbers float32 vectors, null a
 * null (a missing key too). A new table's columns and types come from the first batch (a column
 * null throughout it is an error). Bad input fails with a message naming `src_name`, the line
 * and the column; a failed import commits nothing (and creates no table). On success *rows and
 * *version (either may be NULL) get the rows imported and the table's new version. */
int cdx_table_import_jsonl(const char *db_dir, const char *name, int fd, const char *src_name,
                           const cdx_import_opts *opts, uint64_t *rows, uint64_t *version,
                           cdx_error *err);

/* ---- Embedders: jina-clip-v1 through Jina's API or the local model --------------------------- */

/* An embedder turns texts and images into L2-normalised vectors of one model. Backends: "jina"
 * (Jina's HTTP API) and "local" (the model run in-process). Not thread-safe: one call at a time. */
typedef struct cdx_embedder cdx_embedder;

/* An input held in memory: `name` (a path, for messages) and its bytes. */
typedef struct cdx_blob {
    const char *name;
    const void *data;
    size_t size;
} cdx_blob;

/* Options of the Jina backend; zero-initialised fields take the defaults shown. */
typedef struct cdx_jina_opts {
    const char *base_url;     /* NULL: $CLIPDEX_JINA_URL, else "https://api.jina.ai" */
    const char *api_key;      /* NULL: $JINA_API_KEY; never printed, logged or stored */
    int batch_size;           /* inputs per request (0: 32; at most 2048) */
    size_t max_request_bytes; /* request body size limit (0: 8 MB) */
    int in_flight;            /* requests in flight at once (0: 2) */
    double timeout_s;         /* per-request timeout in seconds (0: 60) */
    int max_retries;          /* retries of a 429/5xx/timeout/bad response (0: 6; -1: none),
                               * after 0.5 s doubling to 30 s, jittered, at least Retry-After
                               * ($CLIPDEX_RETRY_BASE_MS sets the 0.5 s: a testing knob) */
} cdx_jina_opts;

/* Opens the Jina backend (model "jina-clip-v1", 768 dimensions). Fails with CDX_EAUTH when no
 * key is given or found; makes no request until something is embedded. */
int cdx_embedder_open_jina(const cdx_jina_opts *opts, cdx_embedder **out, cdx_error *err);

/* Options of the local backend; zero-initialised fields take the defaults shown. */
typedef struct cdx_local_opts {
    int threads;     /* threads the model runs on (0: one per online CPU) */
    int text_batch;  /* texts per forward pass, padded to the longest (0: 16; at most 256) */
    int image_batch; /* images per forward pass (0: 8; at most 256) */
    const char *precision; /* linear layers: "fp32", "int10" (cosine >= 0.999 vs fp32, faster)
                              or "int8"; NULL: $CLIPDEX_PRECISION, else "fp32" */
} cdx_local_opts;

/* Opens the local backend on a jina-clip-v1 model directory (config.json, model.safetensors,
 * tokenizer.json or vocab.txt; `clipdex model fetch` downloads them): model "jina-clip-v1",
 * dimension from config.json. Fails with CDX_ENOTFOUND, saying how to get a model, when a file is
 * missing. Each tower's weights are bound on its first use (the file is memory-mapped). */
int cdx_embedder_open_local(const char *model_dir, const cdx_local_opts *opts, cdx_embedder **out,
                            cdx_error *err);
void cdx_embedder_free(cdx_embedder *e);

/* The model's name ("jina-clip-v1"), the backend's ("jina", "local") and the vector length. */
const char *cdx_embedder_model(const cdx_embedder *e);
const char *cdx_embedder_backend(const cdx_embedder *e);
size_t cdx_embedder_dim(const cdx_embedder *e);
/* Tokens billed so far by a remote backend (usage.total_tokens summed); 0 for local ones. */
uint64_t cdx_embedder_tokens(const cdx_embedder *e);

/* Embeds n texts into out (n * dim floats, row i for texts[i]). done (n bytes, may be NULL) gets
 * 1 for each row that holds a vector. A nonzero return stops the run (bad key, no credit,
 * rejected request, retries exhausted): rows marked done are still valid. */
int cdx_embed_texts(cdx_embedder *e, const char *const *texts, size_t n, float *out, uint8_t *done,
                    cdx_error *err);

/* Embeds n encoded images (any format cdx_image_load_mem reads; opts as there, NULL: defaults)
 * like cdx_embed_texts. An image that cannot be decoded fails alone: its done byte stays 0 and
 * item_errs[i] (n entries, may be NULL) says why; the call still returns CDX_OK. */
int cdx_embed_images(cdx_embedder *e, const cdx_blob *images, size_t n, const cdx_image_opts *opts,
                     float *out, uint8_t *done, cdx_error *item_errs, cdx_error *err);

/* ---- Indexing: table metadata, replace commits, the index job ----------------------------- */

/* The value of table metadata `key` (Lance manifest `table_metadata`) in the version `t` is at,
 * or the value staged on `t` by cdx_table_set_metadata; NULL when absent. Valid until `t` moves
 * to another version or is closed. clipdex records "clipdex.model", "clipdex.backend",
 * "clipdex.dim" and "clipdex.next_file_id" on the tables it indexes. */
const char *cdx_table_metadata(const cdx_table *t, const char *key);

/* Stages metadata `key` = `value` on `t`: the next commit through `t` (add, appender, delete)
 * writes it into the new version; later commits (clipdex's or LanceDB's) carry it forward. */
int cdx_table_set_metadata(cdx_table *t, const char *key, const char *value, cdx_error *err);

/* Like cdx_appender_commit, but the same new version also deletes the rows of the table (as it
 * was before this commit) whose utf8 column `col` equals one of the `n` values: a Lance Update,
 * so readers see either the old rows or the new ones, never neither. *deleted (may be NULL)
 * gets the number of rows deleted. Frees `a`, also on failure (nothing committed then). */
int cdx_appender_commit_replace(cdx_appender *a, const char *col, const char *const *values,
                                size_t n, uint64_t *deleted, cdx_error *err);

/* How cdx_index_run indexes. Zero-initialised options are the defaults. */
typedef struct cdx_index_opts {
    const char *table;      /* NULL: "images" */
    size_t batch;           /* images embedded and committed together (0: 256) */
    size_t max_batch_bytes; /* file bytes held for one batch (0: 64 MiB) */
    double commit_seconds;  /* also commit pending rows this often (0: 30 s) */
    int dry_run;            /* nonzero: embed and write nothing, report what would be embedded */
    int prune;              /* nonzero: delete rows whose files no longer exist (stat: ENOENT),
                               except all rows under a path where the walk found no file:
                               those are kept and reported as a failure naming the path */
    cdx_image_opts image;   /* how images are read (EXIF, pixel limit) */
    cdx_walk_opts walk;     /* how paths are walked */
    int no_wait;            /* nonzero: fail (CDX_ECONFLICT, summary busy) rather than wait when
                               another run holds the table's index lock */
    int reembed;            /* nonzero: embed every file found, even those whose row looks
                               unchanged (tables without size/mtime columns); no vector reuse */
} cdx_index_opts;

/* Counts of an index run (so far, or in total at the end). */
typedef struct cdx_index_summary {
    uint64_t files;        /* files found by the walk */
    uint64_t todo;         /* of those, new or changed (known once the walk is done) */
    uint64_t indexed;      /* embedded and committed */
    uint64_t unchanged;    /* same path, size and mtime as their row: nothing done */
    uint64_t reused;       /* same content as a stored row: its vector copied, no embedding */
    uint64_t pruned;       /* rows deleted because their files are gone (with prune) */
    uint64_t failed;       /* files that could not be read, decoded or embedded */
    uint64_t tokens;       /* tokens the embedder billed during the run */
    int64_t dry_run_tokens;/* dry run: estimated tokens of the images that would be embedded */
    int api_stopped;       /* nonzero: the embedder stopped the run (rows done were committed) */
    uint64_t unverified;   /* of unchanged: files with a row in a table that has no size/mtime
                              columns, so a change could not be seen (see reembed) */
    int busy;              /* nonzero: no_wait and another run held the index lock */
} cdx_index_summary;

/* What an index run reports as it goes. */
typedef enum cdx_index_event_kind {
    CDX_INDEX_FAILED,      /* one file failed: path and message say which and why */
    CDX_INDEX_WOULD_EMBED, /* dry run: path would be embedded, for `tokens` tokens */
    CDX_INDEX_COMMITTED,   /* a batch was committed (summary so far) */
    CDX_INDEX_PROGRESS,    /* a file was handled (summary so far) */
    CDX_INDEX_WAITING,     /* another run holds the table's index lock: message says which */
    CDX_INDEX_WOULD_REUSE, /* dry run: path has the content of stored row `message`: its vector
                              would be copied (no tokens) */
} cdx_index_event_kind;

typedef struct cdx_index_event {
    cdx_index_event_kind kind;
    const char *path;                 /* FAILED, WOULD_EMBED, WOULD_REUSE */
    const char *message;              /* FAILED: "<path>: <reason>"; WAITING; WOULD_REUSE */
    int64_t tokens;                   /* WOULD_EMBED */
    const cdx_index_summary *summary; /* the counts so far */
} cdx_index_event;

typedef void (*cdx_index_fn)(const cdx_index_event *ev, void *user);

/* Indexes the images under `n` paths (walked as cdx_walk does) into table opts->table of
 * `db_dir` (created when missing) with embedder `e` (may be NULL for a dry run): one row per
 * image with file_id, file_name, vector, size, mtime_ns, content_hash (SHA-256 hex), width and
 * height. Unchanged files are skipped, changed ones re-embedded and their rows replaced in one
 * version each batch, moved or copied ones reuse a stored vector; rows are committed every
 * batch, so an interrupted run loses at most one batch and a rerun does only what is missing.
 * A table made with only file_id, file_name and vector (the recipe's schema) is appended to,
 * its rows matched by file_name. Refuses (CDX_EINVAL) a table whose model differs from e's.
 * Per-file failures are reported to `fn` and counted, not returned. A run (not a dry run) holds
 * an exclusive flock on "<db_dir>/.<table>.clipdex-index.lock" from before it reads the table
 * until it returns, so concurrent runs on one table take turns (a waiting run reports
 * CDX_INDEX_WAITING, then sees what the first committed); a crashed run's lock is released by
 * the kernel. In a dry run, files whose content a stored row has count in `reused` as well as
 * `todo`, and their tokens are not in dry_run_tokens, as the real run would copy their vectors.
 * Returns 0, or the error that stopped the run (an embedder error sets summary->api_stopped). */
int cdx_index_run(const char *db_dir, const char *const *paths, size_t n, cdx_embedder *e,
                  const cdx_index_opts *opts, cdx_index_fn fn, void *user,
                  cdx_index_summary *summary, cdx_error *err);

/* ---- Model files: jina-clip-v1's tokenizer, and downloading the model ---------------------- */

/* A BERT uncased WordPiece tokenizer, identical in its ids to Hugging Face's fast tokenizer for
 * jina-clip-v1. Read-only once opened: one handle may serve several threads at once. */
typedef struct cdx_tokenizer cdx_tokenizer;

/* The text tower's longest input, [CLS] and [SEP] included. */
#define CDX_TOKENIZER_MAX_LEN 512

/* Opens a tokenizer from a model directory (its tokenizer.json, else its vocab.txt) or from one
 * such file. Settings the tokenizer would not reproduce exactly fail with CDX_EUNSUPPORTED. */
int cdx_tokenizer_open(const char *path, cdx_tokenizer **out, cdx_error *err);
void cdx_tokenizer_free(cdx_tokenizer *tok);

/* The number of ids, the token of an id (NULL when out of range) and the padding id. */
size_t cdx_tokenizer_vocab_size(const cdx_tokenizer *tok);
const char *cdx_tokenizer_token(const cdx_tokenizer *tok, int32_t id);
int32_t cdx_tokenizer_pad_id(const cdx_tokenizer *tok);

/* Encodes `len` bytes of UTF-8 as [CLS] ... [SEP], truncated to max_len ids (0: 512; at least 2),
 * into ids (room for max_len) and sets *n_ids. Special tokens typed in the text ("[MASK]") are
 * matched case-sensitively; bytes that are not UTF-8 are dropped like U+FFFD. */
int cdx_tokenize(const cdx_tokenizer *tok, const char *text, size_t len, size_t max_len,
                 int32_t *ids, size_t *n_ids, cdx_error *err);

/* Encodes n NUL-terminated texts like cdx_tokenize and right-pads them with [PAD] to the longest,
 * *seq_len ids each: row i is ids[i * *seq_len ...]. ids needs room for n * max_len entries
 * (max_len 0: 512); mask (may be NULL) gets n * *seq_len entries, 1 for tokens and 0 for padding. */
int cdx_tokenize_batch(const cdx_tokenizer *tok, const char *const *texts, size_t n,
                       size_t max_len, int32_t *ids, int32_t *mask, size_t *seq_len,
                       cdx_error *err);

/* What cdx_model_fetch reports about each file. */
typedef enum cdx_fetch_event {
    CDX_FETCH_PRESENT,  /* already complete and verified: not downloaded */
    CDX_FETCH_START,    /* a download starts (done > 0: resuming a partial file) */
    CDX_FETCH_PROGRESS, /* bytes arrived: done of total are on disk */
    CDX_FETCH_DONE,     /* downloaded, size and checksum verified, in place */
} cdx_fetch_event;

/* Progress callback: the event, the file's name in the repository, bytes on disk, its size.
 * Return nonzero to cancel the fetch (it then fails with CDX_EINVAL, partial files kept). */
typedef int (*cdx_fetch_progress)(cdx_fetch_event event, const char *file, uint64_t done,
                                  uint64_t total, void *user);

/* Where and what cdx_model_fetch downloads; zero-initialised fields take the defaults shown. */
typedef struct cdx_fetch_opts {
    const char *endpoint; /* NULL: $HF_ENDPOINT, else "https://huggingface.co" */
    const char *repo;     /* NULL: "jinaai/jina-clip-v1" */
    const char *revision; /* NULL: "main" (a branch, tag or commit) */
    int max_retries;      /* resumed retries of an interrupted transfer (0: 3; -1: none) */
} cdx_fetch_opts;

/* Downloads the files the local model needs (config.json, model.safetensors, tokenizer.json and,
 * when the repository has them, vocab.txt and the tokenizer/preprocessor configs) into dir,
 * creating it. Sizes and checksums (sha256 for LFS files, the git blob id otherwise) come from
 * the repository's file list; each file is written to FILE.part, resumed with an HTTP Range
 * request after an interruption, verified, then renamed into place. Verified files are kept. */
int cdx_model_fetch(const char *dir, const cdx_fetch_opts *opts, cdx_fetch_progress progress,
                    void *user, cdx_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CLIPDEX_H */
