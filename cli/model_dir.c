/*
 * model_dir.c — resolves the local model directory for every command that runs the model and
 * explains, in one place, how to get a model when the directory has none.
 */
#include "model_dir.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MODEL_DIR_TAIL "clipdex/jina-clip-v1"

static char *model_dir_join(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", a, b);
    return p;
}

char *cli_model_dir(const char *given) {
    const char *env = getenv("CLIPDEX_MODEL");
    const char *dir = given && *given ? given : env && *env ? env : NULL;
    char *path = NULL;
    if (dir) {
        path = strdup(dir);
    } else {
        const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        /* XDG Base Directory spec: a relative $XDG_CACHE_HOME is invalid and ignored. */
        if (xdg && xdg[0] == '/') {
            path = model_dir_join(xdg, MODEL_DIR_TAIL);
        } else if (home && *home) {
            path = model_dir_join(home, ".cache/" MODEL_DIR_TAIL);
        } else {
            cli_errorf("no model directory: pass --model DIR or set CLIPDEX_MODEL "
                       "(neither XDG_CACHE_HOME nor HOME is set)");
            return NULL;
        }
    }
    if (!path) cli_errorf("out of memory");
    return path;
}

int cli_model_require(const char *dir, const char *const *files, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char *p = model_dir_join(dir, files[i]);
        struct stat st;
        int ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
        free(p);
        if (ok) return 0;
    }
    char names[256] = "";
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", i ? " or " : "", files[i]);
    }
    cli_errorf("no jina-clip-v1 model in %s (no %s)\n"
               "  download it with:   clipdex model fetch --dir %s\n"
               "  or point to one with --model DIR or CLIPDEX_MODEL=DIR",
               dir, names, dir);
    return -1;
}
