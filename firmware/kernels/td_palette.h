/* Private to the palette kernels (td_fully_connected_palette_s8.c,
 * td_conv2d_1x1_palette_s8.c): where a channel's value table and index row are, and the
 * packing of two looked-up weights into one SMLAD operand. Layout in td_kernels.h. */
#ifndef TD_PALETTE_H
#define TD_PALETTE_H

#include "td_kernels.h"
#include "td_simd.h"

/* Fully unrolled loops over the indices of a word: the shifts become constants (UBFX). */
#if defined(__GNUC__)
#define TD_PAL_UNROLL _Pragma("GCC unroll 16")
#else
#define TD_PAL_UNROLL
#endif

/* Index words of one row: the depth rounded up to a whole word of indices. */
static inline int32_t td_pal_row_words(int32_t depth, int32_t bits) {
    return (depth * bits + 31) / 32;
}

/* Channel c's table number where the tables are shared (table_step 0). */
static inline int32_t td_pal_tnum(const int8_t *table_of, int32_t c) {
    return table_of ? (int32_t)((const uint8_t *)table_of)[c] : 0;
}

/* Channel c's value table. */
static inline const int8_t *td_pal_table(const int8_t *tables, const int8_t *table_of,
                                         int32_t step, int32_t c, int32_t bits) {
    const int32_t t = table_of ? (int32_t)((const uint8_t *)table_of)[c] : c * step;
    return tables + (t << bits);
}

/* Two weights, table[index at bit sh] and table[index at bit sh + bits], as an int16 pair
 * (low half first): the SMLAD operand for two consecutive inputs. */
static inline uint32_t td_pal_pair(const int8_t *t, uint32_t word, int sh, int bits) {
    const uint32_t m = (1u << bits) - 1u;
    const int32_t lo = t[(word >> sh) & m], hi = t[(word >> (sh + bits)) & m];
#if TD_HAVE_DSP
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
#else
    return td_pack16(lo, hi);
#endif
}

#endif
