/*
 * pbuf.c — depth-checked protobuf unpacking and google.protobuf.Any unwrapping (pbuf.h).
 * The pre-walk reads only tags, varints and lengths; protobuf-c still validates everything else.
 */
#include "lance/pbuf.h"

#include <string.h>

#include "core/error.h"
#include "google/protobuf/any.pb-c.h"

static int pb_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= len) return -1;
        uint8_t b = p[(*pos)++];
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

/* 0 when the wire bytes are well-formed enough and nest at most LANCE_PB_MAX_DEPTH deep. */
// NOLINTNEXTLINE(misc-no-recursion): depth-checked against LANCE_PB_MAX_DEPTH.
static int pb_walk(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len, int depth)
{
    if (depth > LANCE_PB_MAX_DEPTH) return -1;
    size_t pos = 0;
    while (pos < len) {
        uint64_t tag, v;
        if (pb_varint(p, len, &pos, &tag)) return -1;
        switch (tag & 7) {
        case 0:
            if (pb_varint(p, len, &pos, &v)) return -1;
            break;
        case 1:
            if (len - pos < 8) return -1;
            pos += 8;
            break;
        case 5:
            if (len - pos < 4) return -1;
            pos += 4;
            break;
        case 2: {
            if (pb_varint(p, len, &pos, &v) || v > len - pos) return -1;
            const ProtobufCFieldDescriptor *f =
                desc && tag >> 3 <= UINT32_MAX
                    ? protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3))
                    : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                pb_walk(f->descriptor, p + pos, (size_t)v, depth + 1))
                return -1;
            pos += (size_t)v;
            break;
        }
        default:
            return -1; /* groups (3, 4) are not used by Lance */
        }
    }
    return 0;
}

int lance_pb_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                    const char *what, ProtobufCMessage **out, cdx_error *err)
{
    *out = NULL;
    if (pb_walk(desc, data, len, 0))
        return cdx_fail(err, CDX_ECORRUPT, "%s: malformed or too deeply nested %s protobuf", what,
                        desc->name);
    *out = protobuf_c_message_unpack(desc, NULL, len, data);
    if (!*out) return cdx_fail(err, CDX_ECORRUPT, "%s: invalid %s protobuf", what, desc->name);
    return 0;
}

int lance_pb_unpack_any(const ProtobufCMessageDescriptor *desc, const char *type_name,
                        const uint8_t *data, size_t len, const char *what, ProtobufCMessage **out,
                        cdx_error *err)
{
    ProtobufCMessage *m;
    *out = NULL;
    int rc = lance_pb_unpack(&google__protobuf__any__descriptor, data, len, what, &m, err);
    if (rc) return rc;
    Google__Protobuf__Any *any = (Google__Protobuf__Any *)m;
    const char *url = any->type_url ? any->type_url : "";
    const char *slash = strrchr(url, '/');
    const char *name = slash ? slash + 1 : url;
    if (strcmp(name, type_name) != 0) {
        rc = cdx_fail(err, CDX_EUNSUPPORTED, "%s: encoding is '%s', expected %s", what, url,
                      type_name);
    } else {
        rc = lance_pb_unpack(desc, any->value.data, any->value.len, what, out, err);
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}
