/* td_port_timer() and td_port_counter() for the bare-metal ports: SysTick extended to 56
 * bits by its wrap interrupt (td_port.h states the contract). The board header gives the
 * scale as reduced fractions computed by tinydeploy from the board file:
 *   TD_PORT_US_PER_TICK_NUM/_DEN      microseconds per tick. Hardware: 1e6 / CPU_HZ (SysTick
 *                                     runs at the CPU clock). Emulated: instructions per
 *                                     tick * 1e6 / CPU_HZ (the virtual clock).
 *   TD_PORT_INSTR_PER_TICK[_DEN]      emulated boards only: executed instructions per tick
 *                                     (1e9 / SysTick Hz: -icount shift=0 runs one per ns).
 * Ports call td_systick_start() in td_port_init(). */
#include <stdint.h>

#include "td_board.h"
#include "td_cortexm.h"
#include "td_port.h"

#ifndef TD_PORT_US_PER_TICK_NUM
#error "td_board.h must define TD_PORT_US_PER_TICK_NUM and TD_PORT_US_PER_TICK_DEN"
#endif

static volatile uint32_t td_systick_wraps;

void SysTick_Handler(void)
{
    td_systick_wraps++;
}

/* ticks * num / den in 64 bits; the low 32 bits of a whole multiple need only 32 bits. */
static uint32_t td_scale(uint64_t ticks, uint32_t num, uint32_t den)
{
    if (den == 1u) {
        return (uint32_t)ticks * num;
    }
    return (uint32_t)(ticks * num / den);
}

uint32_t td_port_timer(void)
{
    return td_scale(td_systick_ticks(&td_systick_wraps), TD_PORT_US_PER_TICK_NUM,
                    TD_PORT_US_PER_TICK_DEN);
}

uint32_t td_port_counter(void)
{
#ifdef TD_PORT_INSTR_PER_TICK
    return td_scale(td_systick_ticks(&td_systick_wraps), TD_PORT_INSTR_PER_TICK,
                    TD_PORT_INSTR_PER_TICK_DEN);
#else
    return td_port_timer();
#endif
}
