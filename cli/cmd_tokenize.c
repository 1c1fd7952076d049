/*
 * cmd_tokenize.c — `clipdex tokenize`: the ids jina-clip-v1's text tower sees for each text, as
 * JSON Lines {"text":…, "ids":[…]}. Texts come from the arguments, or one per line from stdin.
 */
#include "cli.h"
#include "clipdex.h"
#include "json_lines.h"
#include "model_dir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tokenize_usage(FILE *out) {
    fprintf(out,
            "usage: clipdex tokenize [--model DIR] [--max-len N] [TEXT...]\n\n"
            "Prints the token ids of each TEXT as the jina-clip-v1 text tower sees them\n"
            "(BERT uncased WordPiece, [CLS] ... [SEP]), one JSON object per line:\n"
            "  {\"text\":\"A photo of a cat.\",\"ids\":[101,1037,6302,1997,1037,4937,1012,102]}\n"
            "With no TEXT, reads one text per line from standard input.\n\n"
            "options:\n"
            "  --model DIR   model directory with tokenizer.json or vocab.txt (default:\n"
            "                $CLIPDEX_MODEL, else $XDG_CACHE_HOME/clipdex/jina-clip-v1;\n"
            "                get one with 'clipdex model fetch')\n"
            "  --max-len N   truncate to N ids, [CLS] and [SEP] included (default 512)\n"
            "  -h, --help    show this help\n\n"
            "exit status: 0 success, 1 a text could not be tokenized, 2 usage error\n");
}

static int tokenize_print(const cdx_tokenizer *tok, const char *text, size_t len, int max_len,
                          int32_t *ids) {
    size_t n = 0;
    cdx_error err = {0};
    if (cdx_tokenize(tok, text, len, (size_t)max_len, ids, &n, &err)) {
        cli_errorf("%s", err.message);
        return -1;
    }
    fputs("{\"text\":", stdout);
    cli_json_string(stdout, text, len);
    fputs(",\"ids\":[", stdout);
    for (size_t i = 0; i < n; i++)
        printf(i ? ",%d" : "%d", ids[i]);
    fputs("]}\n", stdout);
    return 0;
}

/* One text per line of stdin (a trailing '\r' is kept: it is whitespace to the tokenizer). */
static int tokenize_stdin(const cdx_tokenizer *tok, int max_len, int32_t *ids) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int failed = 0;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        size_t len = (size_t)got;
        if (len && line[len - 1] == '\n') len--;
        failed |= tokenize_print(tok, line, len, max_len, ids) != 0;
    }
    free(line);
    return failed;
}

int cmd_tokenize(int argc, char **argv) {
    const char *model = NULL;
    int max_len = CDX_TOKENIZER_MAX_LEN, first_text = argc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            tokenize_usage(stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--model") && has_value) {
            model = argv[++i];
        } else if (!strcmp(a, "--max-len")) {
            if (cli_parse_int(a, has_value ? argv[i + 1] : NULL, 2, 1 << 20, &max_len))
                return CLI_EXIT_USAGE;
            i++;
        } else if (!strcmp(a, "--")) {
            first_text = i + 1;
            break;
        } else if (a[0] == '-' && a[1] == '-') {
            cli_errorf("tokenize: unknown option '%s' (see 'clipdex tokenize --help')", a);
            return CLI_EXIT_USAGE;
        } else {
            first_text = i;
            break;
        }
    }
    char *dir = cli_model_dir(model);
    if (!dir) return CLI_EXIT_USAGE;
    static const char *const files[] = {"tokenizer.json", "vocab.txt"};
    cdx_tokenizer *tok = NULL;
    cdx_error err = {0};
    int rc = CLI_EXIT_PARTIAL;
    if (cli_model_require(dir, files, 2) == 0) {
        if (cdx_tokenizer_open(dir, &tok, &err)) cli_errorf("%s", err.message);
    }
    int32_t *ids = tok ? malloc((size_t)max_len * sizeof *ids) : NULL;
    if (ids) {
        int failed = 0;
        if (first_text >= argc) failed = tokenize_stdin(tok, max_len, ids);
        for (int i = first_text; i < argc; i++)
            failed |= tokenize_print(tok, argv[i], strlen(argv[i]), max_len, ids) != 0;
        rc = failed ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
    } else if (tok) {
        cli_errorf("out of memory");
    }
    free(ids);
    cdx_tokenizer_free(tok);
    free(dir);
    return rc;
}
