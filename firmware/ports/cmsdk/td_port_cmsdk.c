/* td_port for Arm MPS2 FPGA images (mps2-an385/an386/an500/an505): CMSDK APB UART,
 * SysTick instruction timer, optional CMSDK GPIO marker.
 *
 * Board macros (td_board.h):
 *   TD_BOARD_CPU_HZ            UART PCLK = SysTick clock (QEMU: 25 MHz an385/386/500, 20 MHz an505)
 *   TD_BOARD_BAUD              line rate; BAUDDIV = TD_BOARD_CPU_HZ / TD_BOARD_BAUD (>= 16)
 *   TD_PORT_INSTR_PER_TICK     instructions per SysTick tick under QEMU -icount shift=0
 *                              (1e9 / SysTick Hz: 40 at 25 MHz, 50 at 20 MHz); if undefined,
 *                              td_port_timer() counts microseconds from TD_BOARD_CPU_HZ
 *   TD_PORT_INSTR_PER_TICK_DEN optional denominator of the above (default 1)
 *   TD_PORT_UART_BASE          optional, default 0x40004000 (UART0 an385/386/500);
 *                              an505 (Secure): 0x50200000
 *   TD_PORT_UART_RX_IRQ        optional: UART0 RX interrupt number (an385/386/500: 0,
 *                              an505: 32); when given, RX goes through an interrupt-fed ring
 *   TD_PORT_MARKER_PIN         optional: CMSDK GPIO pin driven by td_port_marker()
 *   TD_PORT_GPIO_BASE          optional, default 0x40010000 (GPIO0 an385/386/500)
 */
#include <stdint.h>

#include "td_board.h"
#include "td_cortexm.h"
#include "td_port.h"
#include "td_rx_ring.h"

#ifndef TD_PORT_UART_BASE
#define TD_PORT_UART_BASE 0x40004000u
#endif
#ifndef TD_PORT_GPIO_BASE
#define TD_PORT_GPIO_BASE 0x40010000u
#endif

#define TD_UART_DATA TD_REG(TD_PORT_UART_BASE + 0x00u)
#define TD_UART_STATE TD_REG(TD_PORT_UART_BASE + 0x04u)
#define TD_UART_CTRL TD_REG(TD_PORT_UART_BASE + 0x08u)
#define TD_UART_INTCLEAR TD_REG(TD_PORT_UART_BASE + 0x0Cu)
#define TD_UART_BAUDDIV TD_REG(TD_PORT_UART_BASE + 0x10u)
#define TD_UART_STATE_TXFULL (1u << 0)
#define TD_UART_STATE_RXFULL (1u << 1)
#define TD_UART_CTRL_TXEN (1u << 0)
#define TD_UART_CTRL_RXEN (1u << 1)
#define TD_UART_CTRL_RXINTEN (1u << 3)
#define TD_UART_INT_RX (1u << 1)

#define TD_GPIO_DATAOUT TD_REG(TD_PORT_GPIO_BASE + 0x04u)
#define TD_GPIO_OUTENSET TD_REG(TD_PORT_GPIO_BASE + 0x10u)

#if TD_BOARD_CPU_HZ / TD_BOARD_BAUD < 16
#error "CMSDK UART: BAUDDIV = TD_BOARD_CPU_HZ / TD_BOARD_BAUD must be at least 16"
#endif

/* td_port_timer() and SysTick_Handler: startup/td_systick_timer.c */

/* ---- UART ------------------------------------------------------------------------------ */
/* Under QEMU the UART only takes the next byte from the host once RXFULL is cleared, so
 * polling loses nothing while the CPU is busy. A real UART at line rate would overrun its
 * one-byte buffer during an inference; with TD_PORT_UART_RX_IRQ the RX interrupt moves
 * bytes into a ring. When the ring is full the byte stays in the UART (QEMU then holds
 * the rest back) and td_port_getc() collects it once there is room. */

#ifdef TD_PORT_UART_RX_IRQ
static td_rx_ring_t td_rx;

static void td_rx_drain(void)
{
    while (!td_rx_ring_full(&td_rx) && (TD_UART_STATE & TD_UART_STATE_RXFULL)) {
        td_rx_ring_put(&td_rx, (uint8_t)TD_UART_DATA);
    }
}

void TD_IRQ_HANDLER(TD_PORT_UART_RX_IRQ)(void);
void TD_IRQ_HANDLER(TD_PORT_UART_RX_IRQ)(void)
{
    TD_UART_INTCLEAR = TD_UART_INT_RX;
    td_rx_drain();
}
#endif

void td_port_init(void)
{
    TD_UART_CTRL = 0u;
    TD_UART_BAUDDIV = TD_BOARD_CPU_HZ / TD_BOARD_BAUD;
#ifdef TD_PORT_UART_RX_IRQ
    TD_UART_CTRL = TD_UART_CTRL_TXEN | TD_UART_CTRL_RXEN | TD_UART_CTRL_RXINTEN;
    td_nvic_enable(TD_PORT_UART_RX_IRQ);
#else
    TD_UART_CTRL = TD_UART_CTRL_TXEN | TD_UART_CTRL_RXEN;
#endif
#ifdef TD_PORT_MARKER_PIN
    TD_GPIO_OUTENSET = 1u << TD_PORT_MARKER_PIN;
    td_port_marker(0);
#endif
    td_systick_start();
}

void td_port_putc(char c)
{
    while (TD_UART_STATE & TD_UART_STATE_TXFULL) {
    }
    TD_UART_DATA = (uint8_t)c;
}

int td_port_getc(void)
{
#ifdef TD_PORT_UART_RX_IRQ
    int c;
    uint32_t saved = td_irq_save();
    td_rx_drain();
    c = td_rx_ring_get(&td_rx);
    td_irq_restore(saved);
    return c;
#else
    if (TD_UART_STATE & TD_UART_STATE_RXFULL) {
        return (int)(TD_UART_DATA & 0xFFu);
    }
    return -1;
#endif
}

void td_port_marker(int level)
{
#ifdef TD_PORT_MARKER_PIN
    uint32_t saved = td_irq_save();
    if (level) {
        TD_GPIO_DATAOUT |= 1u << TD_PORT_MARKER_PIN;
    } else {
        TD_GPIO_DATAOUT &= ~(1u << TD_PORT_MARKER_PIN);
    }
    td_irq_restore(saved);
#else
    (void)level;
#endif
}
