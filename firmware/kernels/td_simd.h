/* The SIMD steps of the Arm DSP extension as inline functions with a portable twin.
 *
 * With __ARM_FEATURE_DSP (Cortex-M4/M7/M33) each function is one instruction; elsewhere
 * (Cortex-M0/M3, the host) it is plain C with the same result, so every kernel built on
 * these compiles and is tested on the host too. Packed values: a uint32_t holds two
 * int16 halves, low half first (element 0 in bits 0-15). */
#ifndef TD_SIMD_H
#define TD_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define TD_HAVE_DSP 1
#else
#define TD_HAVE_DSP 0
#endif
#if TD_HAVE_DSP || (defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT)
#include <arm_acle.h>   /* SSAT/USAT exist from ARMv7-M on, DSP or not */
#endif

/* GCC's first scheduling pass hoists the loads of an unrolled multiply loop ahead of the
 * multiplies it feeds and runs out of registers on some cores (Cortex-M33: spills in the
 * inner loop); the hot loops are written in the order they should run. */
#if defined(__GNUC__) && !defined(__clang__)
#define TD_NO_SCHED __attribute__((optimize("no-schedule-insns")))
#else
#define TD_NO_SCHED
#endif

/* Kernels choose their inner loops with TD_USE_SIMD: the packed (SMLAD) loops on DSP
 * cores, scalar loops elsewhere. -DTD_SIMD_EMULATE=1 selects the packed loops with the
 * portable twins below, so host tests run the very code the DSP cores run. */
#ifndef TD_SIMD_EMULATE
#define TD_SIMD_EMULATE 0
#endif
#define TD_USE_SIMD (TD_HAVE_DSP || TD_SIMD_EMULATE)

/* 4 bytes from any alignment (one LDR on cores that allow unaligned word loads). */
static inline uint32_t td_read_u32(const void *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void td_write_u32(void *p, uint32_t v) { memcpy(p, &v, 4); }

/* Word access where the address is known to be 4-byte aligned (build-time layouts, planned
 * scratch): lets the compiler pair loads into LDRD/LDM. */
#if defined(__GNUC__) || defined(__clang__)
typedef uint32_t __attribute__((may_alias, aligned(4))) td_word_t;
static inline uint32_t td_load_a32(const void *p) { return *(const td_word_t *)p; }

static inline void td_store_a32(void *p, uint32_t v) { *(td_word_t *)p = v; }
#else
static inline uint32_t td_load_a32(const void *p) { return td_read_u32(p); }
static inline void td_store_a32(void *p, uint32_t v) { td_write_u32(p, v); }
#endif

static inline uint32_t td_ror8(uint32_t x) { return (x >> 8) | (x << 24); }

static inline uint32_t td_pack16(int32_t lo, int32_t hi) {
    return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16);
}

static inline int32_t td_lo16(uint32_t x) { return (int32_t)(int16_t)(x & 0xFFFFu); }
static inline int32_t td_hi16(uint32_t x) { return (int32_t)(int16_t)(x >> 16); }

#if TD_HAVE_DSP
/* bytes 0 and 2, sign-extended into the two halves */
static inline uint32_t td_sxtb16(uint32_t x) { return __sxtb16(x); }
/* a + sign-extended bytes 0 and 2 of b, per half (wrapping) */
static inline uint32_t td_sxtab16(uint32_t a, uint32_t b) { return __sxtab16(a, b); }
/* acc + lo(a)*lo(b) + hi(a)*hi(b) */
static inline int32_t td_smlad(uint32_t a, uint32_t b, int32_t acc) {
    return __smlad(a, b, acc);
}
static inline int32_t td_smlabb(uint32_t a, uint32_t b, int32_t acc) { return __smlabb(a, b, acc); }
static inline int32_t td_smlatt(uint32_t a, uint32_t b, int32_t acc) { return __smlatt(a, b, acc); }
static inline int32_t td_smlabt(uint32_t a, uint32_t b, int32_t acc) { return __smlabt(a, b, acc); }
static inline int32_t td_smlatb(uint32_t a, uint32_t b, int32_t acc) { return __smlatb(a, b, acc); }
#else
static inline uint32_t td_sxtb16(uint32_t x) {
    return td_pack16((int8_t)(x & 0xFFu), (int8_t)((x >> 16) & 0xFFu));
}
static inline uint32_t td_sxtab16(uint32_t a, uint32_t b) {
    return td_pack16(td_lo16(a) + (int8_t)(b & 0xFFu), td_hi16(a) + (int8_t)((b >> 16) & 0xFFu));
}
static inline int32_t td_smlad(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(td_lo16(a) * td_lo16(b))
                     + (uint32_t)(td_hi16(a) * td_hi16(b)));
}
static inline int32_t td_smlabb(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(td_lo16(a) * td_lo16(b)));
}
static inline int32_t td_smlatt(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(td_hi16(a) * td_hi16(b)));
}
static inline int32_t td_smlabt(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(td_lo16(a) * td_hi16(b)));
}
static inline int32_t td_smlatb(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)(td_hi16(a) * td_lo16(b)));
}
#endif

/* int8 saturation: one SSAT where the core has it (ARMv7-M and later, DSP or not) */
static inline int32_t td_ssat8(int32_t x) {
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
    return __ssat(x, 8);
#else
    return x < -128 ? -128 : (x > 127 ? 127 : x);
#endif
}

/* Two words from *p (4-byte aligned) and p advanced by 8: one LDRD with post-increment.
 * GCC 12 does not pair such loads by itself reliably. */
#if TD_HAVE_DSP
#define TD_LDRD_INC(lo, hi, p)                                                           \
    __asm__("ldrd %0, %1, [%2], #8" : "=r"(lo), "=r"(hi), "+r"(p)                       \
            : "m"(*(const struct { uint32_t w[2]; } *)(const void *)(p)))
#else
#define TD_LDRD_INC(lo, hi, p)                                                           \
    do {                                                                                 \
        (lo) = td_read_u32(p);                                                           \
        (hi) = td_read_u32((const int8_t *)(const void *)(p) + 4);                       \
        (p) = (const void *)((const int8_t *)(const void *)(p) + 8);                     \
    } while (0)
#endif

/* Four words from *p (4-byte aligned) and p advanced by 16: one LDM, 1+4 cycles on
 * Cortex-M4 against 6 for two LDRD. LDM fills its registers in ascending order, so the
 * four values are pinned to r8-r11 in that order. */
#if TD_HAVE_DSP
#define TD_LDM4_INC(a, b, c, d, p)                                                       \
    do {                                                                                 \
        register uint32_t a_ __asm__("r8");                                              \
        register uint32_t b_ __asm__("r9");                                              \
        register uint32_t c_ __asm__("r10");                                             \
        register uint32_t d_ __asm__("r11");                                             \
        __asm__("ldmia %4!, {%0, %1, %2, %3}"                                            \
                : "=r"(a_), "=r"(b_), "=r"(c_), "=r"(d_), "+r"(p)                        \
                : "m"(*(const struct { uint32_t w[4]; } *)(const void *)(p)));           \
        (a) = a_;                                                                        \
        (b) = b_;                                                                        \
        (c) = c_;                                                                        \
        (d) = d_;                                                                        \
    } while (0)
#else
#define TD_LDM4_INC(a, b, c, d, p)                                                       \
    do {                                                                                 \
        TD_LDRD_INC(a, b, p);                                                            \
        TD_LDRD_INC(c, d, p);                                                            \
    } while (0)
#endif

/* bytes 1 and 3, sign-extended into the two halves (SXTB16 with ROR #8; GCC 12 does not
 * fold the rotation into the instruction by itself) */
#if TD_HAVE_DSP
static inline uint32_t td_sxtb16_hi(uint32_t x) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t td_sxtab16_hi(uint32_t a, uint32_t b) {
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
#else
static inline uint32_t td_sxtb16_hi(uint32_t x) { return td_sxtb16(td_ror8(x)); }
static inline uint32_t td_sxtab16_hi(uint32_t a, uint32_t b) { return td_sxtab16(a, td_ror8(b)); }
#endif

/* pos + byte k (0-3, a literal) of x (one UXTAB; GCC 12 splits the masked add into UBFX and ADD) and
 * the halves lo, hi packed into a word (one PKHBT; GCC 12 makes UXTH and ORR of it) */
#if TD_HAVE_DSP
#define TD_ADD_BYTE(pos, x, k) TD_ADD_BYTE_##k(pos, x)
#define TD_ADD_BYTE_0(pos, x) __asm__("uxtab %0, %0, %1" : "+r"(pos) : "r"(x))
#define TD_ADD_BYTE_1(pos, x) __asm__("uxtab %0, %0, %1, ror #8" : "+r"(pos) : "r"(x))
#define TD_ADD_BYTE_2(pos, x) __asm__("uxtab %0, %0, %1, ror #16" : "+r"(pos) : "r"(x))
#define TD_ADD_BYTE_3(pos, x) __asm__("uxtab %0, %0, %1, ror #24" : "+r"(pos) : "r"(x))
static inline uint32_t td_pkhbt(uint32_t lo, uint32_t hi) {
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}
#else
#define TD_ADD_BYTE(pos, x, k) ((pos) += ((x) >> (8 * (k))) & 0xFFu)
static inline uint32_t td_pkhbt(uint32_t lo, uint32_t hi) { return td_pack16((int32_t)lo, (int32_t)hi); }
#endif

#endif
