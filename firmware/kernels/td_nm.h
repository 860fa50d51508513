/* Private to the 2:4 kernels (td_fully_connected_nm_s8.c, td_conv2d_nm_s8.c): a table load
 * at a literal offset, so a loop taking two pairs of groups per pass reads the second
 * pair's table entries without another address. */
#ifndef TD_NM_H
#define TD_NM_H

#include "td_simd.h"

/* Two words at byte offset off (a literal, a multiple of 4 up to 1016) of the word pointer
 * p (4-byte aligned): one LDRD. */
#if TD_HAVE_DSP
#define TD_NM_LDRD(lo, hi, p, off)                                                       \
    __asm__("ldrd %0, %1, [%2, #" #off "]" : "=r"(lo), "=r"(hi)                          \
            : "r"(p), "m"(*(const struct { uint32_t w[2]; } *)(const void *)((p) + (off) / 4)))
#else
#define TD_NM_LDRD(lo, hi, p, off)                                                       \
    do {                                                                                 \
        (lo) = (p)[(off) / 4];                                                           \
        (hi) = (p)[(off) / 4 + 1];                                                       \
    } while (0)
#endif

#endif
