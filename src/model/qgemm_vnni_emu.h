/*
 * qgemm_vnni_emu.h — plain-C stand-ins for the AVX-512 intrinsics qgemm_vnni.c uses, following
 * the Intel SDM's definitions of VPDPBUSD and VPDPWSSD (wrap-around int32 sums). Only
 * tests/model/test_qgemm_vnni_emu.c uses them, to check the VNNI kernels' packing and tiling on
 * CPUs without AVX-512; the library never includes this header.
 */
#ifndef CDX_MODEL_QGEMM_VNNI_EMU_H
#define CDX_MODEL_QGEMM_VNNI_EMU_H

#include <stdint.h>
#include <string.h>

typedef struct emu_m512i {
    int32_t v[16];
} emu_m512i;

static inline int32_t emu_wrap_add(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline emu_m512i emu_setzero(void) {
    emu_m512i r;
    memset(&r, 0, sizeof r);
    return r;
}

static inline emu_m512i emu_set1_epi32(int32_t x) {
    emu_m512i r;
    for (int i = 0; i < 16; i++) r.v[i] = x;
    return r;
}

static inline emu_m512i emu_loadu(const void *p) {
    emu_m512i r;
    memcpy(&r, p, sizeof r);
    return r;
}

static inline void emu_storeu(void *p, emu_m512i a) { memcpy(p, &a, sizeof a); }

static inline emu_m512i emu_add_epi32(emu_m512i a, emu_m512i b) {
    for (int i = 0; i < 16; i++) a.v[i] = emu_wrap_add(a.v[i], b.v[i]);
    return a;
}

/* Each int32 lane j: src + Σ_{i<4} u8(a byte 4j+i) · s8(b byte 4j+i). */
static inline emu_m512i emu_dpbusd_epi32(emu_m512i src, emu_m512i a, emu_m512i b) {
    uint8_t ua[64];
    int8_t sb[64];
    memcpy(ua, a.v, sizeof ua);
    memcpy(sb, b.v, sizeof sb);
    for (int j = 0; j < 16; j++) {
        int32_t t = 0;
        for (int i = 0; i < 4; i++) t += (int32_t)ua[4 * j + i] * (int32_t)sb[4 * j + i];
        src.v[j] = emu_wrap_add(src.v[j], t);
    }
    return src;
}

/* Each int32 lane j: src + Σ_{i<2} s16(a word 2j+i) · s16(b word 2j+i). */
static inline emu_m512i emu_dpwssd_epi32(emu_m512i src, emu_m512i a, emu_m512i b) {
    int16_t sa[32], sb[32];
    memcpy(sa, a.v, sizeof sa);
    memcpy(sb, b.v, sizeof sb);
    for (int j = 0; j < 16; j++) {
        int32_t t = 0;
        for (int i = 0; i < 2; i++) t += (int32_t)sa[2 * j + i] * (int32_t)sb[2 * j + i];
        src.v[j] = emu_wrap_add(src.v[j], t);
    }
    return src;
}

#endif
