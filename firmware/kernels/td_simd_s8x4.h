/* Byte-lane SIMD steps (four int8 values in a word, byte 0 first) for the output side of
 * the fast kernels, with portable twins like td_simd.h: pack four bytes,
 * per-lane signed max/min (SSUB8 + SEL on DSP cores). */
#ifndef TD_SIMD_S8X4_H
#define TD_SIMD_S8X4_H

#include <stdint.h>

#include "td_simd.h"

#if TD_HAVE_DSP
/* per byte lane: signed max(a, b) / min(a, b) */
static inline uint32_t td_max_s8x4(uint32_t a, uint32_t b) {
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}
static inline uint32_t td_min_s8x4(uint32_t a, uint32_t b) {
    uint32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b) : "cc");
    return r;
}
#else
static inline uint32_t td_lane_sel_(uint32_t a, uint32_t b, int want_max) {
    uint32_t r = 0;
    int i;
    for (i = 0; i < 32; i += 8) {
        const int32_t x = (int8_t)(a >> i), y = (int8_t)(b >> i);
        const int32_t v = (want_max ? x >= y : x < y) ? x : y;
        r |= ((uint32_t)v & 0xFFu) << i;
    }
    return r;
}
static inline uint32_t td_max_s8x4(uint32_t a, uint32_t b) { return td_lane_sel_(a, b, 1); }
static inline uint32_t td_min_s8x4(uint32_t a, uint32_t b) { return td_lane_sel_(a, b, 0); }
#endif

/* four int8 values (already in range) -> one word, a in byte 0 */
#if TD_HAVE_DSP
static inline uint32_t td_pack_s8x4(int32_t a, int32_t b, int32_t c, int32_t d) {
    uint32_t r = (uint32_t)a;
    __asm__("bfi %0, %1, #8, #8\n\tbfi %0, %2, #16, #8\n\tbfi %0, %3, #24, #8"
            : "+r"(r) : "r"(b), "r"(c), "r"(d));
    return r;
}
#else
static inline uint32_t td_pack_s8x4(int32_t a, int32_t b, int32_t c, int32_t d) {
    return ((uint32_t)a & 0xFFu) | (((uint32_t)b & 0xFFu) << 8) | (((uint32_t)c & 0xFFu) << 16)
           | ((uint32_t)d << 24);
}
#endif

/* Two words from an 8-byte aligned address in one LDRD (constant tables and scratch
 * buffers are 8-byte aligned). */
#if defined(__GNUC__)
typedef uint64_t __attribute__((may_alias)) td_u64_alias_t;
static inline uint64_t td_load_w2(const void *p) { return *(const td_u64_alias_t *)p; }
#else
static inline uint64_t td_load_w2(const void *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
#endif

/* Hide a value's origin from the optimizer (keeps a constant in a register, stops GCC
 * from turning one pointer into many induction variables). */
#if defined(__GNUC__)
#define TD_OPAQUE(v) __asm__("" : "+r"(v))
#else
#define TD_OPAQUE(v) ((void)0)
#endif

/* Halfword packing (PKHBT / PKHTB): low half of a with low half of b on top; high half of
 * a with high half of b below. */
#if TD_HAVE_DSP
static inline uint32_t td_pkhbt16(uint32_t a, uint32_t b) {
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline uint32_t td_pkhtb16(uint32_t a, uint32_t b) {
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
#else
static inline uint32_t td_pkhbt16(uint32_t a, uint32_t b) { return (a & 0xFFFFu) | (b << 16); }
static inline uint32_t td_pkhtb16(uint32_t a, uint32_t b) { return (a & 0xFFFF0000u) | (b >> 16); }
#endif

/* a word with the same byte in all four lanes */
static inline uint32_t td_splat_s8x4(int32_t v) { return ((uint32_t)v & 0xFFu) * 0x01010101u; }

#endif
