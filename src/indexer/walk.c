/*
 * walk.c — cdx_walk: turns the paths a user names into the files to index, in a deterministic
 * order (arguments as given, directory entries sorted bytewise). Hidden names and OS junk are
 * skipped; symlinks are followed, with the (device, inode) pairs of the directories open on the
 * current branch kept so that a link back up the tree is reported once instead of walked forever.
 */
#include "clipdex.h"
#include "core/error.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef struct walk_dir_id {
    dev_t dev;
    ino_t ino;
} walk_dir_id;

typedef struct walk_ctx {
    int include_hidden;
    cdx_walk_fn fn;
    void *user;
    cdx_error *err;
    char *path; /* the path being visited, NUL-terminated */
    size_t path_len, path_cap;
    walk_dir_id *open_dirs; /* directories open on the current branch, outermost first */
    size_t open_count, open_cap;
} walk_ctx;

/* Names a photo folder collects from macOS, Windows and Synology that are never images. */
static int walk_is_skipped_name(const char *name, int include_hidden) {
    if (!strcmp(name, ".") || !strcmp(name, "..")) return 1;
    if (include_hidden) return 0;
    return name[0] == '.' || !strcmp(name, "@eaDir") || !strcasecmp(name, "Thumbs.db") ||
           !strcasecmp(name, "desktop.ini");
}

static int walk_reserve_path(walk_ctx *ctx, size_t need) {
    if (need <= ctx->path_cap) return 0;
    size_t cap = ctx->path_cap ? ctx->path_cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) return cdx_fail(ctx->err, CDX_ENOMEM, "walk: path too long");
        cap *= 2;
    }
    char *p = realloc(ctx->path, cap);
    if (!p) return cdx_fail(ctx->err, CDX_ENOMEM, "walk: out of memory");
    ctx->path = p;
    ctx->path_cap = cap;
    return 0;
}

/* Appends `s` to the current path, collapsing runs of '/' (also across the seam). */
static int walk_append(walk_ctx *ctx, const char *s) {
    size_t n = strlen(s);
    if (n > SIZE_MAX - ctx->path_len - 1)
        return cdx_fail(ctx->err, CDX_ENOMEM, "walk: path too long");
    int rc = walk_reserve_path(ctx, ctx->path_len + n + 1);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/' && ctx->path_len > 0 && ctx->path[ctx->path_len - 1] == '/') continue;
        ctx->path[ctx->path_len++] = s[i];
    }
    ctx->path[ctx->path_len] = 0;
    return 0;
}

static void walk_truncate(walk_ctx *ctx, size_t len) {
    ctx->path_len = len;
    ctx->path[len] = 0;
}

static int walk_emit_file(walk_ctx *ctx, const struct stat *st) {
    cdx_walk_entry e = {ctx->path, CDX_OK, "", (uint64_t)st->st_size, (int64_t)st->st_mtime,
                        (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec};
    return ctx->fn(&e, ctx->user);
}

static int walk_emit_error(walk_ctx *ctx, int status, const char *reason) {
    cdx_error msg = {0};
    cdx_fail(&msg, status, "%s: %s", ctx->path, reason);
    cdx_walk_entry e = {ctx->path, status, msg.message, 0, 0, 0};
    return ctx->fn(&e, ctx->user);
}

static int walk_push_dir(walk_ctx *ctx, const struct stat *st) {
    if (ctx->open_count == ctx->open_cap) {
        size_t cap = ctx->open_cap ? ctx->open_cap * 2 : 16;
        walk_dir_id *d = realloc(ctx->open_dirs, cap * sizeof *d);
        if (!d) return cdx_fail(ctx->err, CDX_ENOMEM, "walk: out of memory");
        ctx->open_dirs = d;
        ctx->open_cap = cap;
    }
    ctx->open_dirs[ctx->open_count++] = (walk_dir_id){st->st_dev, st->st_ino};
    return 0;
}

static int walk_is_open_dir(const walk_ctx *ctx, const struct stat *st) {
    for (size_t i = 0; i < ctx->open_count; i++)
        if (ctx->open_dirs[i].dev == st->st_dev && ctx->open_dirs[i].ino == st->st_ino) return 1;
    return 0;
}

static int walk_compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_free_names(char **names, size_t count) {
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* Reads the visible names of the directory at ctx->path, sorted. *names is NULL when the
 * directory could not be read (already reported through the callback; *cb_rc holds its answer). */
static int walk_list_dir(walk_ctx *ctx, char ***names, size_t *count, int *cb_rc) {
    *names = NULL;
    *count = 0;
    *cb_rc = 0;
    DIR *dir = opendir(ctx->path);
    if (!dir) {
        *cb_rc = walk_emit_error(ctx, CDX_EIO, strerror(errno));
        return 0;
    }
    char **list = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(dir)) != NULL) {
        if (walk_is_skipped_name(de->d_name, ctx->include_hidden)) continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **l = realloc(list, ncap * sizeof *l);
            if (!l) goto oom;
            list = l;
            cap = ncap;
        }
        if (!(list[n] = strdup(de->d_name))) goto oom;
        n++;
        errno = 0;
    }
    int read_errno = errno;
    closedir(dir);
    if (read_errno) {
        walk_free_names(list, n);
        *cb_rc = walk_emit_error(ctx, CDX_EIO, strerror(read_errno));
        return 0;
    }
    if (n) qsort(list, n, sizeof *list, walk_compare_names);
    *names = list ? list : calloc(1, sizeof *list);
    *count = n;
    if (!*names) return cdx_fail(ctx->err, CDX_ENOMEM, "walk: out of memory");
    return 0;
oom:
    closedir(dir);
    walk_free_names(list, n);
    return cdx_fail(ctx->err, CDX_ENOMEM, "walk: out of memory");
}

static int walk_dir(walk_ctx *ctx, const struct stat *st);

/* Visits one name inside a directory; ctx->path already ends with it. */
/* Recursion: one frame pair per directory level; stat() fails with ENAMETOOLONG past
 * PATH_MAX, which bounds the depth. */
// NOLINTNEXTLINE(misc-no-recursion): bounded by PATH_MAX, see above.
static int walk_child(walk_ctx *ctx) {
    struct stat st;
    if (stat(ctx->path, &st) != 0) {
        struct stat lst;
        if (lstat(ctx->path, &lst) == 0 && S_ISLNK(lst.st_mode))
            return walk_emit_error(ctx, CDX_EIO, "broken symbolic link");
        return walk_emit_error(ctx, CDX_EIO, strerror(errno));
    }
    if (S_ISREG(st.st_mode)) return walk_emit_file(ctx, &st);
    if (S_ISDIR(st.st_mode)) return walk_dir(ctx, &st);
    return 0; /* FIFOs, sockets, devices: never images, and opening a FIFO would block */
}

// NOLINTNEXTLINE(misc-no-recursion): bounded by PATH_MAX, see walk_child.
static int walk_dir(walk_ctx *ctx, const struct stat *st) {
    if (walk_is_open_dir(ctx, st))
        return walk_emit_error(ctx, CDX_EUNSUPPORTED,
                               "directory loop (a symbolic link leads back to a parent)");
    char **names;
    size_t count;
    int cb_rc;
    int rc = walk_list_dir(ctx, &names, &count, &cb_rc);
    if (rc) return rc;
    if (!names) return cb_rc;
    if ((rc = walk_push_dir(ctx, st)) != 0) {
        walk_free_names(names, count);
        return rc;
    }
    size_t base = ctx->path_len;
    for (size_t i = 0; i < count && !rc; i++) {
        rc = walk_append(ctx, "/");
        if (!rc) rc = walk_append(ctx, names[i]);
        if (!rc) rc = walk_child(ctx);
        walk_truncate(ctx, base);
    }
    ctx->open_count--;
    walk_free_names(names, count);
    return rc;
}

static int walk_argument(walk_ctx *ctx, const char *arg) {
    int rc = walk_reserve_path(ctx, 1);
    if (rc) return rc;
    walk_truncate(ctx, 0);
    if ((rc = walk_append(ctx, arg)) != 0) return rc;
    struct stat st;
    if (stat(ctx->path, &st) != 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return walk_emit_error(ctx, CDX_ENOTFOUND, "no such file or directory");
        return walk_emit_error(ctx, CDX_EIO, strerror(e));
    }
    if (S_ISREG(st.st_mode)) return walk_emit_file(ctx, &st);
    if (S_ISDIR(st.st_mode)) {
        /* "dir/" joins as "dir/a.png": drop the trailing slash, keeping a lone "/". */
        if (ctx->path_len > 1 && ctx->path[ctx->path_len - 1] == '/')
            walk_truncate(ctx, ctx->path_len - 1);
        return walk_dir(ctx, &st);
    }
    return walk_emit_error(ctx, CDX_EUNSUPPORTED, "not a regular file or directory");
}

int cdx_walk(const char *const *paths, size_t n, const cdx_walk_opts *opts, cdx_walk_fn fn,
             void *user, cdx_error *err) {
    if ((n && !paths) || !fn) return cdx_fail(err, CDX_EINVAL, "cdx_walk: no paths or callback");
    walk_ctx ctx = {0};
    ctx.include_hidden = opts ? opts->include_hidden : 0;
    ctx.fn = fn;
    ctx.user = user;
    ctx.err = err;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!paths[i]) {
            rc = cdx_fail(err, CDX_EINVAL, "cdx_walk: path %zu is NULL", i + 1);
            break;
        }
        rc = walk_argument(&ctx, paths[i]);
    }
    free(ctx.path);
    free(ctx.open_dirs);
    return rc;
}
