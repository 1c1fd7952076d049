/*
 * index_lock.c — one index run per table at a time: an exclusive flock(2) on
 * "<db>/.<table>.clipdex-index.lock", a file beside the table directory (LanceDB lists only
 * "*.lance" directories, so it never sees it). The holder writes its pid there for the message
 * a waiting run shows. The kernel drops the lock when the holder exits or crashes; the file is
 * never unlinked, since unlinking a lock file lets two runs lock two different inodes. On a
 * read-only file system without the file no run can write, so none is needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "indexer/index.h"

/* The pid the holder recorded, or 0 when the file holds none (yet). */
static long lock_holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = 0;
    char *end;
    long pid = strtol(buf, &end, 10);
    return end != buf && pid > 0 ? pid : 0;
}

static void lock_record_pid(int fd)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    /* best effort: the pid only makes a waiting run's message more helpful */
    if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) != n) (void)ftruncate(fd, 0);
}

static void lock_describe(char *out, size_t cap, const char *table, long pid)
{
    if (pid) snprintf(out, cap, "another clipdex index on table '%s' (pid %ld)", table, pid);
    else snprintf(out, cap, "another clipdex index on table '%s'", table);
}

int index_lock_acquire(const char *db, const char *table, int no_wait, index_lock_wait_fn fn,
                       void *user, int *fd_out, int *busy, cdx_error *err)
{
    *fd_out = -1;
    *busy = 0;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/.%s.clipdex-index.lock", db, table) >= sizeof path)
        return cdx_fail(err, CDX_EINVAL, "%s: path too long", db);
    struct stat st;
    if (mkdir(db, 0777) != 0 && stat(db, &st) != 0)
        return cdx_fail(err, CDX_EIO, "%s: %s", db, strerror(errno));
    if (stat(db, &st) != 0 || !S_ISDIR(st.st_mode))
        return cdx_fail(err, CDX_EINVAL, "%s: not a directory (a database is a directory)", db);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
        int why = errno; /* a database we may read: flock works on a read-only descriptor */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && why == EROFS) return 0; /* nobody can write there: nothing to keep apart */
        if (fd < 0) errno = why;
    }
    if (fd < 0) return cdx_fail(err, CDX_EIO, "%s: cannot create the index lock: %s", path,
                                strerror(errno));
    int rc = flock(fd, LOCK_EX | LOCK_NB);
    if (rc != 0 && errno == EWOULDBLOCK) {
        char who[600];
        lock_describe(who, sizeof who, table, lock_holder_pid(fd));
        if (no_wait) {
            close(fd);
            *busy = 1;
            return cdx_fail(err, CDX_ECONFLICT, "%s: %s is running (lock %s)", db, who, path);
        }
        char msg[700];
        snprintf(msg, sizeof msg, "waiting for %s", who);
        if (fn) fn(msg, user);
        while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR) {}
    }
    if (rc != 0) {
        int e = errno;
        close(fd);
        return cdx_fail(err, CDX_EIO, "%s: cannot lock: %s", path, strerror(e));
    }
    lock_record_pid(fd);
    *fd_out = fd;
    return 0;
}

void index_lock_release(int fd)
{
    if (fd >= 0) close(fd); /* closing the last descriptor drops the flock */
}
