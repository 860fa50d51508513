/* The port interface: the only functions the harness needs from a board.
 * One implementation per MCU family in ports/<family>/td_port_<family>.c.
 *
 * Timing contract:
 * td_port_timer() counts microseconds of the device's clock, free-running, 32 bits (it wraps
 * after 71.6 minutes; hosts subtract modulo 2^32). This is what m-lap-us- carries, as the
 * MLPerf Tiny runner expects. On emulated boards (TD_PORT_CLOCK "virtual") the clock is
 * virtual: the board's nominal TD_BOARD_CPU_HZ at one instruction per cycle, counted from
 * QEMU -icount shift=0 (one instruction per virtual ns): us = instructions * 1e6 / CPU_HZ.
 * td_port_counter() is the profiling counter (per inference and per layer), 32 bits, in
 * TD_PORT_COUNTER_UNIT: "instructions" on emulated boards (exact), else "us" (the timer).
 */
#ifndef TD_PORT_H
#define TD_PORT_H

#include <stdint.h>

void td_port_init(void);              /* clocks, UART at TD_BOARD_BAUD, timer, marker pin */
void td_port_putc(char c);            /* blocking transmit of one byte */
int td_port_getc(void);               /* one received byte, or -1 if none is waiting */
uint32_t td_port_timer(void);         /* microseconds; see the timing contract above */
uint32_t td_port_counter(void);       /* TD_PORT_COUNTER_UNIT; see the timing contract */
void td_port_marker(int level);       /* energy-mode GPIO marker; a no-op where absent */

#endif
