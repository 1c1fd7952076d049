/*
 * pbuf.h — safe protobuf unpacking for the Lance reader. protobuf-c recurses once per nesting
 * level without a limit, so hostile bytes could exhaust the stack; lance_pb_unpack first walks
 * the wire format against the message descriptor and refuses nesting deeper than a fixed bound.
 */
#ifndef CDX_LANCE_PBUF_H
#define CDX_LANCE_PBUF_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "clipdex.h"

/* Deepest message nesting accepted (Lance encodings nest about 6 levels). */
#define LANCE_PB_MAX_DEPTH 40

/* Unpacks `len` bytes as message `desc` into *out (free with protobuf_c_message_free_unpacked).
 * `what` names the input in error messages ("<file>: manifest"). */
int lance_pb_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                    const char *what, ProtobufCMessage **out, cdx_error *err);

/* Unwraps a serialized google.protobuf.Any whose type_url must end in "/<type_name>" and
 * unpacks its value as `desc`. */
int lance_pb_unpack_any(const ProtobufCMessageDescriptor *desc, const char *type_name,
                        const uint8_t *data, size_t len, const char *what, ProtobufCMessage **out,
                        cdx_error *err);

#endif
