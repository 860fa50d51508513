/* td_port_timer() for the bare-metal ports: SysTick extended to 56 bits by its wrap
 * interrupt, scaled to executed instructions under QEMU (TD_PORT_INSTR_PER_TICK[_DEN]:
 * -icount shift=0 runs one instruction per virtual ns) or to microseconds on hardware
 * (SysTick clocked by the CPU at TD_BOARD_CPU_HZ). Ports call td_systick_start() in
 * td_port_init(). */
#include <stdint.h>

#include "td_board.h"
#include "td_cortexm.h"
#include "td_port.h"

#ifdef TD_PORT_INSTR_PER_TICK
#define TD_TIMER_NUM ((uint32_t)TD_PORT_INSTR_PER_TICK)
#ifdef TD_PORT_INSTR_PER_TICK_DEN
#define TD_TIMER_DEN ((uint32_t)TD_PORT_INSTR_PER_TICK_DEN)
#else
#define TD_TIMER_DEN 1u
#endif
#else
#define TD_TIMER_NUM 1u
#define TD_TIMER_DEN ((uint32_t)(TD_BOARD_CPU_HZ / 1000000u))
#endif

static volatile uint32_t td_systick_wraps;

void SysTick_Handler(void)
{
    td_systick_wraps++;
}

uint32_t td_port_timer(void)
{
    uint64_t ticks = td_systick_ticks(&td_systick_wraps);
    if (TD_TIMER_DEN == 1u) {
        return (uint32_t)ticks * TD_TIMER_NUM; /* the low 32 bits need only the low 32 bits */
    }
    return (uint32_t)(ticks * TD_TIMER_NUM / TD_TIMER_DEN);
}
