/*
 * install_example.c — a user's program built against an installed libclipdex through
 * pkg-config (tests/cli/test_install.sh): the header, the libraries and clipdex.pc must work.
 */
#include <clipdex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    size_t n = 0;
    char *b64 = cdx_base64_encode("clip", 4, &n);
    int ok = b64 && n == 8 && strcmp(b64, "Y2xpcA==") == 0 &&
             strcmp(cdx_strerror(CDX_ETRUNCATED), "truncated") == 0 &&
             cdx_jina_image_tokens(225, 224) == 2000;
    printf("%s %s\n", ok ? "ok" : "FAIL", b64 ? b64 : "(null)");
    free(b64);
    return ok ? 0 : 1;
}
