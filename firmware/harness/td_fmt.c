/* Text output without printf (see td_fmt.h).
 *
 * Floats are printed from their exact decimal expansion: a float is m * 2^e with m < 2^24,
 * so |f| = m * 5^-e / 10^-e (e < 0) or m * 2^e (e >= 0), an integer of at most 112 decimal
 * digits with a known decimal point. Building it takes only digit-by-small-number
 * multiplications (no division, no double arithmetic: cheap on a Cortex-M0), and rounding
 * the exact digits gives the same text as a correct printf. */
#include <string.h>

#include "td_fmt.h"
#include "td_port.h"

#define TD_DEC_DIGITS 120   /* 2^24 * 5^149 < 10^112; 2^128 < 10^39 */

typedef struct {
    uint8_t d[TD_DEC_DIGITS];  /* decimal digits, least significant first */
    int n;                     /* digits in use; no leading zeros (0 for the value 0) */
    int frac;                  /* value = digits * 10^-frac */
} td_dec_t;

static void td_putc_safe(char c) {
    unsigned char u = (unsigned char)c;
    td_port_putc((u >= 0x20 && u < 0x7f) ? c : '?');
}

void td_put_str(const char *s) {
    while (*s) td_putc_safe(*s++);
}

void td_put_mem(const char *s, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) td_putc_safe(s[i]);
}

void td_put_eol(void) {
    td_port_putc('\r');
    td_port_putc('\n');
}

void td_put_line(const char *s) {
    td_put_str(s);
    td_put_eol();
}

void td_put_u32(uint32_t v) {
    char buf[10];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    while (n > 0) td_port_putc(buf[--n]);
}

void td_put_i32(int32_t v) {
    if (v < 0) {
        td_port_putc('-');
        /* -(v + 1) + 1 avoids overflow at INT32_MIN */
        td_put_u32((uint32_t)(-(v + 1)) + 1u);
    } else {
        td_put_u32((uint32_t)v);
    }
}

void td_put_hex8(uint8_t v) {
    static const char hex[] = "0123456789abcdef";
    td_port_putc(hex[v >> 4]);
    td_port_putc(hex[v & 15u]);
}

static void td_dec_trim(td_dec_t *x) {
    while (x->n > 0 && x->d[x->n - 1] == 0) x->n--;
}

/* x *= k for k in {2, 5}: each step stays below 50, so the carry needs no division. */
static void td_dec_mul_small(td_dec_t *x, unsigned k) {
    unsigned carry = 0;
    int i;
    for (i = 0; i < x->n; i++) {
        unsigned v = x->d[i] * k + carry;
        carry = 0;
        while (v >= 10u) {
            v -= 10u;
            carry++;
        }
        x->d[i] = (uint8_t)v;
    }
    while (carry != 0u && x->n < TD_DEC_DIGITS) {
        x->d[x->n++] = (uint8_t)(carry % 10u);
        carry /= 10u;
    }
}

/* Drop the r lowest digits, rounding half to even. */
static void td_dec_round(td_dec_t *x, int r) {
    int first, rest = 0, keep, i, n;
    if (r <= 0) return;
    first = (r - 1 < x->n) ? x->d[r - 1] : 0;
    for (i = 0; i < r - 1 && i < x->n; i++) {
        if (x->d[i] != 0) {
            rest = 1;
            break;
        }
    }
    keep = (r < x->n) ? x->d[r] : 0;
    n = (x->n > r) ? x->n - r : 0;
    for (i = 0; i < n; i++) x->d[i] = x->d[i + r];
    x->n = n;
    x->frac -= r;
    if (first > 5 || (first == 5 && (rest || (keep & 1)))) {
        for (i = 0; i < x->n; i++) {
            if (x->d[i] < 9) {
                x->d[i]++;
                break;
            }
            x->d[i] = 0;
        }
        if (i == x->n && x->n < TD_DEC_DIGITS) x->d[x->n++] = 1;
    }
    td_dec_trim(x);
}

/* Exact |f| into x. Returns 0 for finite values, 1 for infinities, 2 for NaN; *neg is the
 * sign bit. */
static int td_dec_from_float(float f, td_dec_t *x, int *neg) {
    uint32_t bits, m;
    int ex, e, i;
    memcpy(&bits, &f, sizeof bits);
    *neg = (int)(bits >> 31);
    ex = (int)((bits >> 23) & 0xffu);
    m = bits & 0x7fffffu;
    if (ex == 0xff) return m != 0u ? 2 : 1;
    if (ex == 0) {
        e = -149;
    } else {
        m |= 0x800000u;
        e = ex - 150;
    }
    x->n = 0;
    x->frac = 0;
    while (m != 0u) {
        x->d[x->n++] = (uint8_t)(m % 10u);
        m /= 10u;
    }
    if (e > 0) {
        for (i = 0; i < e; i++) td_dec_mul_small(x, 2u);
    } else {
        for (i = 0; i < -e; i++) td_dec_mul_small(x, 5u);
        x->frac = -e;
    }
    td_dec_trim(x);
    return 0;
}

/* Prints "nan"/"inf"/"-" as needed; returns 1 when the value is finite and still to print. */
static int td_put_special(int cls, int neg) {
    if (cls == 2) {
        td_put_str("nan");
        return 0;
    }
    if (neg) td_port_putc('-');
    if (cls == 1) {
        td_put_str("inf");
        return 0;
    }
    return 1;
}

void td_put_fixed(float f, int decimals) {
    td_dec_t x;
    int neg, i, cls;
    if (decimals < 0) decimals = 0;
    if (decimals > 9) decimals = 9;
    cls = td_dec_from_float(f, &x, &neg);
    if (!td_put_special(cls, neg)) return;
    if (x.frac > decimals) td_dec_round(&x, x.frac - decimals);
    /* integer part: digits at index >= frac */
    if (x.n <= x.frac) {
        td_port_putc('0');
    } else {
        for (i = x.n - 1; i >= x.frac; i--) td_port_putc((char)('0' + x.d[i]));
    }
    if (decimals == 0) return;
    td_port_putc('.');
    for (i = 1; i <= decimals; i++) {
        int idx = x.frac - i;   /* digit for 10^-i */
        td_port_putc((char)('0' + ((idx >= 0 && idx < x.n) ? x.d[idx] : 0)));
    }
}

void td_put_sci(float f, int sig) {
    td_dec_t x;
    int neg, i, cls, exp10;
    if (sig < 1) sig = 1;
    if (sig > 9) sig = 9;
    cls = td_dec_from_float(f, &x, &neg);
    if (!td_put_special(cls, neg)) return;
    if (x.n == 0) {
        exp10 = 0;
    } else {
        if (x.n > sig) td_dec_round(&x, x.n - sig);
        if (x.n > sig) td_dec_round(&x, x.n - sig);   /* carry made 99..9 into 100..0 */
        exp10 = (x.n - 1) - x.frac;
    }
    for (i = 0; i < sig; i++) {
        int idx = x.n - 1 - i;
        td_port_putc((char)('0' + (idx >= 0 ? x.d[idx] : 0)));
        if (i == 0 && sig > 1) td_port_putc('.');
    }
    td_port_putc('e');
    td_port_putc(exp10 < 0 ? '-' : '+');
    if (exp10 < 0) exp10 = -exp10;
    if (exp10 < 10) td_port_putc('0');
    td_put_u32((uint32_t)exp10);
}
