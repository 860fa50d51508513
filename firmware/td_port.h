/* The port interface: the only functions the harness needs from a board.
 * One implementation per MCU family in ports/<family>/td_port_<family>.c.
 *
 * Timing contract: td_port_timer() is a free-running 32-bit counter in the unit named by
 * TD_PORT_TIMER_UNIT (from the board header): "us" on real hardware (DWT CYCCNT or a
 * microsecond timer), "instructions" on emulated boards, where QEMU runs with
 * -icount shift=0 and the port derives executed instructions from SysTick. It wraps at 2^32.
 */
#ifndef TD_PORT_H
#define TD_PORT_H

#include <stdint.h>

void td_port_init(void);              /* clocks, UART at TD_BOARD_BAUD, timer, marker pin */
void td_port_putc(char c);            /* blocking transmit of one byte */
int td_port_getc(void);               /* one received byte, or -1 if none is waiting */
uint32_t td_port_timer(void);         /* see the timing contract above */
void td_port_marker(int level);       /* energy-mode GPIO marker; a no-op where absent */

#endif
