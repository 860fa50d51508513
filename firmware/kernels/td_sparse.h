/* Private to the sparse kernels (td_fully_connected_sparse_s8.c, td_conv2d_sparse_s8.c and
 * their _palette_ twins):
 * the weight blob of compiler/encode_sparse.py. Per row, entries of (int8 value, 4-bit gap):
 * entry i reads column pos_i = pos_(i-1) + gap_i, pos_(-1) = 0; a row has an even number
 * of entries; bridging and padding entries have value 0, so every sum is the dense one.
 * Blob: u32 T | WIDE (bit 31), per row its entries / 2 as u8 (u16 with WIDE) padded to
 * whole words, int8 values[T], u8 gaps[T / 2] (entry i of a row in nibble i, low nibble
 * first). Rows start at any even byte: values and gaps are read without alignment. */
#ifndef TD_SPARSE_H
#define TD_SPARSE_H

#include <string.h>

#include "td_simd.h"

typedef struct {
    const uint8_t *n;    /* next row's entry count / 2 (u8, or u16 little-endian if wide) */
    const int8_t *v;     /* next row's values */
    const uint8_t *g;    /* next row's gap nibbles */
} td_sparse_t;

/* Whether the counts are 16-bit: kernels pass it on as a constant (one loop per kind). */
static inline int32_t td_sparse_wide(const int8_t *blob) {
    return (int32_t)(td_read_u32(blob) >> 31);
}

static inline td_sparse_t td_sparse_open(const int8_t *blob, int32_t rows, int32_t wide) {
    td_sparse_t s;
    s.n = (const uint8_t *)blob + 4;
    s.v = blob + 4 + ((rows << wide) + 3) / 4 * 4;
    s.g = (const uint8_t *)s.v + (td_read_u32(blob) & 0x7FFFFFFFu);
    return s;
}

/* The next row's entry count; the count cursor *n moves to the row after. */
static inline int32_t td_sparse_row_count(const uint8_t **n, int32_t wide) {
    int32_t pairs = (*n)[0];
    if (wide) pairs |= (int32_t)(*n)[1] << 8;
    *n += 1 + wide;
    return 2 * pairs;
}

static inline int32_t td_sparse_row(td_sparse_t *s, int32_t wide) {
    return td_sparse_row_count(&s->n, wide);
}

/* The gaps of four entries i..i+3 (two bytes) spread for byte-wise adds: lo holds the gaps
 * of entries i and i+2 in bytes 0 and 1, hi those of i+1 and i+3. With eight entries (a
 * word), bytes 2 and 3 hold entries i+4..i+7 the same way. */
#define TD_GAPS_LO(w) ((w) & 0x0F0F0F0Fu)
#define TD_GAPS_HI(w) (((w) >> 4) & 0x0F0F0F0Fu)

/* The sparse-palette blob (compiler/encode_sparse_palette.py): the same head and counts,
 * then u32 NT, u8 table_of[rows] padded to words (NT > 1 only), int8 tables[NT][16], and
 * one byte an entry: gap in the low nibble, the value's index in its row's table high. */
typedef struct {
    const uint8_t *n;        /* next row's entry count / 2 */
    const uint8_t *e;        /* next row's entries */
    const uint8_t *table_of; /* [rows], or NULL: every row reads table 0 */
    const int8_t *tables;
} td_spal_t;

static inline td_spal_t td_spal_open(const int8_t *blob, int32_t rows, int32_t wide) {
    td_spal_t s;
    const uint8_t *q = (const uint8_t *)blob + 4 + ((rows << wide) + 3) / 4 * 4;
    const uint32_t nt = td_read_u32(q);
    q += 4;
    s.n = (const uint8_t *)blob + 4;
    s.table_of = nt > 1 ? q : NULL;
    if (nt > 1) q += (rows + 3) / 4 * 4;
    s.tables = (const int8_t *)q;
    s.e = q + 16 * nt;
    return s;
}

/* Row r's value table. */
static inline const int8_t *td_spal_table(const td_spal_t *s, int32_t r) {
    return s->table_of ? s->tables + 16 * s->table_of[r] : s->tables;
}

/* td_conv_columns of a sparse conv kernel whose pixel-pair body is K(p, cols, d0, d1, full,
 * wide): one inlined copy per activation-range kind (full: all of int8, one saturation)
 * and count width. */
#define TD_SPARSE_CONV_COLUMNS(K)                                                        \
    static TD_NO_SCHED void td_conv_columns(const td_conv_params_t *p,                  \
                                            const int16_t *cols, int32_t k4w, int8_t *d0, \
                                            int8_t *d1) {                                \
        const int32_t wide_ = td_sparse_wide(p->weights);                                \
        (void)k4w; /* the rows say which elements they read */                          \
        if (p->act_min == -128 && p->act_max == 127) {                                   \
            if (wide_) K(p, cols, d0, d1, 1, 1); else K(p, cols, d0, d1, 1, 0);          \
        } else if (wide_) {                                                              \
            K(p, cols, d0, d1, 0, 1);                                                    \
        } else {                                                                         \
            K(p, cols, d0, d1, 0, 0);                                                    \
        }                                                                                \
    }

static inline uint32_t td_read_u16(const void *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

#endif
