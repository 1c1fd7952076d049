/*
 * model_dir.h — where the CLI finds the local jina-clip-v1 model: --model/--dir, else
 * $CLIPDEX_MODEL, else $XDG_CACHE_HOME/clipdex/jina-clip-v1 (~/.cache/... without it), and the
 * one message that tells a user how to get a model when there is none (model_dir.c).
 */
#ifndef CDX_CLI_MODEL_DIR_H
#define CDX_CLI_MODEL_DIR_H

#include <stddef.h>

/* The model directory: `given` when non-NULL, else the environment's choice. Returns a malloc'd
 * path, or NULL (with a message printed) when no location can be worked out. */
char *cli_model_dir(const char *given);

/* Checks that dir holds at least one of `files` (n names); otherwise prints what is missing and
 * how to get a model (`clipdex model fetch`), and returns -1. */
int cli_model_require(const char *dir, const char *const *files, size_t n);

#endif
