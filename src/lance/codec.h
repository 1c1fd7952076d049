/*
 * codec.h — the pure byte-level codecs of Lance file format 2.1 (no protobuf, no I/O): FastLanes
 * bit-unpacking (inline and out-of-line), RLE, FSST, variable-width offsets, dictionary gather,
 * u16 definition levels and per-value zstd. Each function checks every length and count it reads
 * against the bytes it was given; `ctx` names the input (file, column, page, chunk) in errors.
 */
#ifndef CDX_LANCE_CODEC_H
#define CDX_LANCE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

/* FastLanes packs values in blocks of this many (lance `ELEMS_PER_CHUNK`). */
#define LANCE_FL_BLOCK 1024u

/* ---- codec_fastlanes.c ------------------------------------------------------------------- */

/* Unpacks one FastLanes block: 1024 values of `type_bits` (8/16/32/64) bits each, packed at
 * `width` bits (0..type_bits) in `packed` (exactly 1024*width/8 bytes, little-endian words).
 * `out` receives 1024 values of type_bits bits. Caller guarantees the sizes (internal helper). */
void lance_fl_unpack(unsigned type_bits, unsigned width, const uint8_t *packed, void *out);

/* Decodes one InlineBitpacking mini-block chunk: a `type_bits`-wide little-endian bit width,
 * then one FastLanes block. Writes the first `num_values` (<= 1024) values to `out`. */
int lance_bitpack_inline_decode(unsigned type_bits, const uint8_t *buf, size_t len,
                                size_t num_values, void *out, const char *ctx, cdx_error *err);

/* ---- codec_bitpack_outofline.c ------------------------------------------------------------ */

/* Decodes an OutOfLineBitpacking block of `num_values` values of `type_bits` bits packed at
 * `width` bits: whole 1024-blocks, then a tail that is either one more padded block or raw
 * values (raw exactly when the length says so, as lance decides). */
int lance_bitpack_outofline_decode(unsigned type_bits, unsigned width, const uint8_t *buf,
                                   size_t len, size_t num_values, void *out, const char *ctx,
                                   cdx_error *err);

/* ---- codec_rle.c --------------------------------------------------------------------------- */

/* Expands RLE runs: `values` holds runs of `value_bytes` (1/2/4/8) bytes each, `lengths` one u8
 * run length per run. Writes exactly num_values values to out (extra run length is cut off, as
 * lance does); too few values is an error. */
int lance_rle_decode(unsigned value_bytes, const uint8_t *values, size_t values_len,
                     const uint8_t *lengths, size_t lengths_len, size_t num_values, void *out,
                     const char *ctx, cdx_error *err);

/* ---- codec_fsst.c -------------------------------------------------------------------------- */

typedef struct lance_fsst_table {
    int enabled;        /* encoder_switch: 0 means the strings are stored uncompressed */
    unsigned n_symbols; /* codes 0..n_symbols-1; code 255 escapes one literal byte */
    uint8_t len[256];
    uint8_t sym[256][8];
} lance_fsst_table;

/* Parses lance's serialized FSST symbol table (u64 header with "FSST" magic, n u64 symbols, n
 * u8 lengths; 2312 bytes as written). */
int lance_fsst_table_parse(const uint8_t *buf, size_t len, lance_fsst_table *table,
                           const char *ctx, cdx_error *err);

/* Decodes one FSST-compressed string. With out == NULL only measures: *out_len = decoded size.
 * Otherwise writes at most `cap` bytes (too small a cap is an error) and sets *out_len. */
int lance_fsst_decode(const lance_fsst_table *table, const uint8_t *in, size_t len,
                      uint8_t *out, size_t cap, size_t *out_len, const char *ctx,
                      cdx_error *err);

/* ---- codec_variable.c ---------------------------------------------------------------------- */

/* Parses a mini-block `variable` value buffer: (n+1) u32 (bits_per_offset 32) or u64 (64)
 * offsets from the start of `buf`, then the bytes. Fills offsets[0..n] with absolute positions
 * in buf, checked to be non-decreasing and within buf. */
int lance_variable_chunk_parse(unsigned bits_per_offset, const uint8_t *buf, size_t len,
                               size_t n, uint64_t *offsets, const char *ctx, cdx_error *err);

/* Parses a `variable` block (mini-block dictionary): u32 bits_per_offset, u32 bytes_start,
 * (n+1) offsets relative to bytes_start, bytes. Fills offsets[0..n] with absolute positions. */
int lance_variable_block_parse(const uint8_t *buf, size_t len, size_t n, uint64_t *offsets,
                               const char *ctx, cdx_error *err);

/* ---- codec_dict.c -------------------------------------------------------------------------- */

/* Total bytes of the strings that `indices` select from a dictionary of `dict_n` items whose
 * absolute offsets into its buffer are dict_offsets[0..dict_n]; an index >= dict_n is an error. */
int lance_dict_measure(const uint32_t *indices, size_t n, const uint64_t *dict_offsets,
                       size_t dict_n, uint64_t *total, const char *ctx, cdx_error *err);

/* ---- codec_deflevels.c --------------------------------------------------------------------- */

/* Turns one layer of u16 definition levels (0 = valid, 1 = null) into an LSB-first validity
 * bitmap (bit set = valid; bits start at bit `first` of `validity`), counting nulls. A level
 * above 1 is an error (our single-layer columns have no other meaning). */
int lance_deflevels_to_validity(const uint16_t *levels, size_t n, uint8_t *validity,
                                size_t first, size_t *null_count, const char *ctx,
                                cdx_error *err);

/* ---- codec_zstd.c -------------------------------------------------------------------------- */

/* Largest single value lance_zstd_value_decode will inflate (guards against length bombs). */
#define LANCE_ZSTD_MAX_VALUE ((uint64_t)1 << 31)

/* Decodes one `general{zstd}` value: u64 LE uncompressed length, then a zstd frame. With
 * out == NULL only reads the length into *out_len; otherwise inflates exactly that many bytes
 * into out (cap must be at least that). */
int lance_zstd_value_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                            size_t *out_len, const char *ctx, cdx_error *err);

#endif
