/*
 * fake_server.h — starts and stops tests/tools/fake_jina from a cmocka test (fork + exec of the
 * tool built beside the test executables), reads its request log, and recomputes its vectors
 * (the recipe in fake_jina.c's header comment) so tests can check every row.
 */
#ifndef CDX_TEST_FAKE_SERVER_H
#define CDX_TEST_FAKE_SERVER_H

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* fake_vector: the fake's vector for "text:" + text or "image:" + base64 */
#include "../tools/fake_vector.h"
#include "support.h"

typedef struct fake_server {
    pid_t pid;
    char *dir;
    char url[64];
    char log[4200];
} fake_server;

/* One line of the fake's --log. */
typedef struct fake_log_line {
    unsigned long n;
    int status;
    size_t inputs, images, texts;
    uint64_t tokens;
    size_t bytes;
} fake_log_line;

/* The fake a test started last and has not stopped (for a teardown after a failed assert). */
static fake_server fake_current; /* a copy: the test's own may be on a dead stack frame */

/* The fake_jina binary: tools/fake_jina beside this test executable. */
static const char *fake_tool_path(void) {
    static char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
    if (n <= 0) fail_msg("cannot find the test executable");
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    snprintf(slash, 32, "/tools/fake_jina");
    return path;
}

static double fake_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts the fake with `key` and the extra arguments (NULL-terminated); waits for its port. */
static void fake_start(fake_server *f, const char *key, const char *const *extra) {
    memset(f, 0, sizeof *f);
    f->dir = make_temp_dir();
    char port_file[4200];
    snprintf(port_file, sizeof port_file, "%s/port", f->dir);
    snprintf(f->log, sizeof f->log, "%s/log", f->dir);
    const char *argv[64] = {fake_tool_path(), "--port-file", port_file, "--key", key,
                            "--log",          f->log};
    size_t argc = 7;
    for (size_t i = 0; extra && extra[i] && argc < 63; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    f->pid = fork();
    if (f->pid < 0) fail_msg("fork failed");
    if (f->pid == 0) {
        /* not holding the test's output open, and gone when the test dies */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (int tries = 0; tries < 500; tries++) {
        FILE *p = fopen(port_file, "r");
        unsigned port = 0;
        if (p && fscanf(p, "%u", &port) == 1 && port) {
            fclose(p);
            snprintf(f->url, sizeof f->url, "http://127.0.0.1:%u", port);
            fake_current = *f;
            return;
        }
        if (p) fclose(p);
        usleep(10000);
    }
    fail_msg("fake_jina did not start (%s)", argv[0]);
}

static void fake_stop(fake_server *f) {
    if (fake_current.pid == f->pid) memset(&fake_current, 0, sizeof fake_current);
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        int status = 0;
        waitpid(f->pid, &status, 0);
        f->pid = 0;
    }
    if (f->dir) remove_tree(f->dir);
    free(f->dir);
    f->dir = NULL;
}

static void fake_stop_current(void) {
    fake_server f = fake_current;
    if (f.pid > 0) fake_stop(&f);
}

/* Reads up to `cap` log lines; returns how many there are. */
static size_t fake_read_log(const fake_server *f, fake_log_line *lines, size_t cap) {
    FILE *p = fopen(f->log, "r");
    if (!p) return 0;
    char buf[512];
    size_t n = 0;
    while (fgets(buf, sizeof buf, p)) {
        fake_log_line l = {0};
        if (sscanf(buf,
                   "{\"n\":%lu,\"status\":%d,\"inputs\":%zu,\"images\":%zu,\"texts\":%zu,"
                   "\"tokens\":%" SCNu64 ",\"bytes\":%zu}",
                   &l.n, &l.status, &l.inputs, &l.images, &l.texts, &l.tokens, &l.bytes) != 7)
            fail_msg("bad log line: %s", buf);
        if (n < cap) lines[n] = l;
        n++;
    }
    fclose(p);
    return n;
}

#endif
