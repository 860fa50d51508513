/* Text output for the serial harness without printf: strings, integers, hex and exactly
 * rounded decimals of floats. Everything goes out through td_port_putc(); no buffers, no
 * malloc. Only printable ASCII ever leaves the device (other bytes become '?'), because
 * hosts decode the stream as text and a stray byte must not break them. */
#ifndef TD_FMT_H
#define TD_FMT_H

#include <stddef.h>
#include <stdint.h>

void td_put_str(const char *s);               /* NUL-terminated, sanitized */
void td_put_mem(const char *s, size_t n);     /* n bytes (may hold NUL), sanitized */
void td_put_u32(uint32_t v);                  /* decimal */
void td_put_i32(int32_t v);                   /* decimal, '-' when negative */
void td_put_hex8(uint8_t v);                  /* two lowercase hex digits */
void td_put_eol(void);                        /* "\r\n" */
void td_put_line(const char *s);              /* s then "\r\n" */

/* printf("%.*f", decimals, (double)f): the exact binary value rounded to `decimals`
 * digits (ties to even, as glibc and Python do); '-' whenever the sign bit is set;
 * "inf", "-inf", "nan". decimals <= 9. */
void td_put_fixed(float f, int decimals);

/* printf("%.*e", sig - 1, (double)f), exactly rounded; 1 <= sig <= 9. Nine significant
 * digits read back as the same float. */
void td_put_sci(float f, int sig);

#endif
