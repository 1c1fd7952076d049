/*
 * codec_fsst.c — FSST string decompression with Lance's symbol-table serialization (lance
 * `rust/compression/fsst`): a u64 header ("FSST" magic << 32 | encoder_switch << 24 |
 * suffix_lim << 16 | terminator << 8 | n_symbols), n u64 symbols, n u8 symbol lengths.
 * Code 255 escapes the next byte; every other code emits its symbol.
 */
#include "lance/codec.h"

#include <string.h>

#include "core/error.h"

#define LANCE_FSST_MAGIC 0x46535354u
#define LANCE_FSST_ESCAPE 255u

int lance_fsst_table_parse(const uint8_t *buf, size_t len, lance_fsst_table *table,
                           const char *ctx, cdx_error *err) {
    memset(table, 0, sizeof *table);
    if (len < 8)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: FSST symbol table of %zu bytes", ctx, len);
    uint64_t info;
    memcpy(&info, buf, 8);
    if ((uint32_t)(info >> 32) != LANCE_FSST_MAGIC)
        return cdx_fail(err, CDX_ECORRUPT, "%s: FSST symbol table lacks its magic", ctx);
    table->enabled = (int)((info >> 24) & 1);
    table->n_symbols = (unsigned)(info & 255);
    const size_t n = table->n_symbols;
    if (len < 8 + 9 * n)
        return cdx_fail(err, CDX_ETRUNCATED, "%s: FSST table of %zu bytes holds no %zu symbols",
                        ctx, len, n);
    for (size_t i = 0; i < n; i++) {
        const uint8_t l = buf[8 + 8 * n + i];
        if (l < 1 || l > 8)
            return cdx_fail(err, CDX_ECORRUPT, "%s: FSST symbol %zu has length %u", ctx, i, l);
        table->len[i] = l;
        memcpy(table->sym[i], buf + 8 + 8 * i, 8);
    }
    return CDX_OK;
}

int lance_fsst_decode(const lance_fsst_table *table, const uint8_t *in, size_t len,
                      uint8_t *out, size_t cap, size_t *out_len, const char *ctx,
                      cdx_error *err) {
    size_t o = 0;
    if (!table->enabled) { /* lance left the input uncompressed */
        if (out && len > cap)
            return cdx_fail(err, CDX_EINVAL, "%s: FSST output buffer too small", ctx);
        if (out && len)
            memcpy(out, in, len);
        *out_len = len;
        return CDX_OK;
    }
    for (size_t i = 0; i < len; i++) {
        const unsigned code = in[i];
        const uint8_t *src;
        size_t n;
        if (code == LANCE_FSST_ESCAPE) {
            if (++i >= len)
                return cdx_fail(err, CDX_ECORRUPT, "%s: FSST escape at the end of a string",
                                ctx);
            src = in + i;
            n = 1;
        } else if (code < table->n_symbols) {
            src = table->sym[code];
            n = table->len[code];
        } else {
            return cdx_fail(err, CDX_ECORRUPT, "%s: FSST code %u beyond %u symbols", ctx, code,
                            table->n_symbols);
        }
        if (out) {
            if (n > cap - o)
                return cdx_fail(err, CDX_EINVAL, "%s: FSST output buffer too small", ctx);
            memcpy(out + o, src, n);
        }
        o += n;
    }
    *out_len = o;
    return CDX_OK;
}
