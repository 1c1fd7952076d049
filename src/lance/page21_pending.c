/*
 * page21_pending.c — placeholder for the Lance 2.1 page decoders until they land (they live in
 * page21_*.c / codec_*.c). Delete this file when lance_page21_decode is implemented there.
 */
#include "core/error.h"
#include "lance/page21.h"

int lance_page21_decode(const lance_page_ctx *ctx, lance_column *out, cdx_error *err)
{
    (void)out;
    return cdx_fail(err, CDX_EUNSUPPORTED, "%s: column %u page %u: Lance 2.1 pages not supported yet",
                    ctx->file, ctx->column, ctx->page);
}
