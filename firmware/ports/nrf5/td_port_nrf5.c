/* td_port for Nordic nRF51/nRF52 (QEMU microbit = nRF51822): legacy UART0 (the non-DMA
 * block, same registers on the nRF52840), SysTick timer, optional GPIO marker.
 *
 * Board macros (td_board.h):
 *   TD_BOARD_CPU_HZ            core clock = SysTick clock (QEMU microbit: 16 MHz)
 *   TD_BOARD_BAUD              line rate: one of the BAUDRATE table values below
 *   TD_PORT_INSTR_PER_TICK     instructions per SysTick tick under QEMU -icount shift=0, as a
 *   TD_PORT_INSTR_PER_TICK_DEN fraction: 1e9 / 16 MHz = 125 / 2 on microbit; if
 *                              TD_PORT_INSTR_PER_TICK is undefined, td_port_timer() counts
 *                              microseconds from TD_BOARD_CPU_HZ
 *   TD_PORT_UART_TX_PIN        optional, default 24 (micro:bit v1); pins count 32 per port on
 *   TD_PORT_UART_RX_PIN        optional, default 25  the nRF52840 (P1.03 = 35)
 *   TD_PORT_UART_RX_IRQ        optional: UART0 IRQ number (2 on nRF51 and nRF52840); when
 *                              given, RX goes through an interrupt-fed ring
 *   TD_PORT_MARKER_PIN         optional: GPIO driven by td_port_marker()
 * Real nRF51 parts have no SysTick (QEMU models one); there the timer would have to come
 * from a TIMER peripheral.
 */
#include <stdint.h>

#include "td_board.h"
#include "td_cortexm.h"
#include "td_port.h"
#include "td_rx_ring.h"

#ifndef TD_PORT_UART_TX_PIN
#define TD_PORT_UART_TX_PIN 24
#endif
#ifndef TD_PORT_UART_RX_PIN
#define TD_PORT_UART_RX_PIN 25
#endif

#define TD_UART_BASE 0x40002000u
#define TD_UART_STARTRX TD_REG(TD_UART_BASE + 0x000u)
#define TD_UART_STARTTX TD_REG(TD_UART_BASE + 0x008u)
#define TD_UART_RXDRDY TD_REG(TD_UART_BASE + 0x108u)
#define TD_UART_TXDRDY TD_REG(TD_UART_BASE + 0x11Cu)
#define TD_UART_INTENSET TD_REG(TD_UART_BASE + 0x304u)
#define TD_UART_INTENCLR TD_REG(TD_UART_BASE + 0x308u)
#define TD_UART_ENABLE TD_REG(TD_UART_BASE + 0x500u)
#define TD_UART_PSELTXD TD_REG(TD_UART_BASE + 0x50Cu)
#define TD_UART_PSELRXD TD_REG(TD_UART_BASE + 0x514u)
#define TD_UART_RXD TD_REG(TD_UART_BASE + 0x518u)
#define TD_UART_TXD TD_REG(TD_UART_BASE + 0x51Cu)
#define TD_UART_BAUDRATE TD_REG(TD_UART_BASE + 0x524u)
#define TD_UART_CONFIG TD_REG(TD_UART_BASE + 0x56Cu)
#define TD_UART_INT_RXDRDY (1u << 2)
#define TD_UART_ENABLE_UART 4u

/* GPIO: P0 at 0x50000000, P1 (nRF52840) at 0x50000300; pin n is port n / 32. */
#define TD_GPIO_BASE(pin) (0x50000000u + 0x300u * ((uint32_t)(pin) >> 5))
#define TD_GPIO_OUTSET(pin) TD_REG(TD_GPIO_BASE(pin) + 0x508u)
#define TD_GPIO_OUTCLR(pin) TD_REG(TD_GPIO_BASE(pin) + 0x50Cu)
#define TD_GPIO_PIN_CNF(pin) TD_REG(TD_GPIO_BASE(pin) + 0x700u + 4u * ((uint32_t)(pin) & 31u))
#define TD_GPIO_CNF_OUTPUT 1u /* DIR=output, input buffer connected */
#define TD_GPIO_CNF_INPUT 0u  /* DIR=input, input buffer connected */
#define TD_GPIO_BIT(pin) (1u << ((uint32_t)(pin) & 31u))

/* BAUDRATE register values (nRF51 RM / nRF52840 PS: not a linear function of the rate). */
#if TD_BOARD_BAUD == 9600
#define TD_UART_BAUD_REG 0x00275000u
#elif TD_BOARD_BAUD == 19200
#define TD_UART_BAUD_REG 0x004EA000u
#elif TD_BOARD_BAUD == 38400
#define TD_UART_BAUD_REG 0x009D5000u
#elif TD_BOARD_BAUD == 57600
#define TD_UART_BAUD_REG 0x00EBF000u
#elif TD_BOARD_BAUD == 115200
#define TD_UART_BAUD_REG 0x01D7E000u
#elif TD_BOARD_BAUD == 230400
#define TD_UART_BAUD_REG 0x03AFB000u
#elif TD_BOARD_BAUD == 460800
#define TD_UART_BAUD_REG 0x075F7000u
#elif TD_BOARD_BAUD == 921600
#define TD_UART_BAUD_REG 0x0EBED000u
#elif TD_BOARD_BAUD == 1000000
#define TD_UART_BAUD_REG 0x10000000u
#else
#error "nRF UART: TD_BOARD_BAUD must be 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600 or 1000000"
#endif

/* td_port_timer() and SysTick_Handler: startup/td_systick_timer.c */

/* ---- UART ------------------------------------------------------------------------------ */
/* Under QEMU the UART's small RX FIFO only takes bytes from the host while it has room, so
 * polling loses nothing while the CPU is busy. A real UART at line rate would overrun its
 * 6-byte FIFO during an inference; with TD_PORT_UART_RX_IRQ the RXDRDY interrupt moves
 * bytes into a ring. RXDRDY is the only "data waiting" flag, so when the ring is full the
 * interrupt is switched off with the event left set; td_port_getc() collects the byte and
 * switches the interrupt back on. Order as the manuals ask: clear RXDRDY, then read RXD. */

static int td_uart_read(void)
{
    if (!TD_UART_RXDRDY) {
        return -1;
    }
    TD_UART_RXDRDY = 0u;
    return (int)(TD_UART_RXD & 0xFFu);
}

#ifdef TD_PORT_UART_RX_IRQ
static td_rx_ring_t td_rx;

static void td_rx_drain(void)
{
    while (TD_UART_RXDRDY) {
        if (td_rx_ring_full(&td_rx)) {
            TD_UART_INTENCLR = TD_UART_INT_RXDRDY;
            return;
        }
        td_rx_ring_put(&td_rx, (uint8_t)td_uart_read());
    }
}

void TD_IRQ_HANDLER(TD_PORT_UART_RX_IRQ)(void);
void TD_IRQ_HANDLER(TD_PORT_UART_RX_IRQ)(void)
{
    td_rx_drain();
}
#endif

void td_port_init(void)
{
    /* TXD idles high as an output, RXD is an input, before the UART takes the pins. */
    TD_GPIO_OUTSET(TD_PORT_UART_TX_PIN) = TD_GPIO_BIT(TD_PORT_UART_TX_PIN);
    TD_GPIO_PIN_CNF(TD_PORT_UART_TX_PIN) = TD_GPIO_CNF_OUTPUT;
    TD_GPIO_PIN_CNF(TD_PORT_UART_RX_PIN) = TD_GPIO_CNF_INPUT;
    TD_UART_ENABLE = 0u;
    TD_UART_PSELTXD = TD_PORT_UART_TX_PIN;
    TD_UART_PSELRXD = TD_PORT_UART_RX_PIN;
    TD_UART_BAUDRATE = TD_UART_BAUD_REG;
    TD_UART_CONFIG = 0u; /* no parity, no flow control */
    TD_UART_ENABLE = TD_UART_ENABLE_UART;
    TD_UART_RXDRDY = 0u;
    TD_UART_TXDRDY = 0u;
    TD_UART_STARTTX = 1u;
    TD_UART_STARTRX = 1u;
#ifdef TD_PORT_UART_RX_IRQ
    TD_UART_INTENSET = TD_UART_INT_RXDRDY;
    td_nvic_enable(TD_PORT_UART_RX_IRQ);
#endif
#ifdef TD_PORT_MARKER_PIN
    TD_GPIO_PIN_CNF(TD_PORT_MARKER_PIN) = TD_GPIO_CNF_OUTPUT;
    td_port_marker(0);
#endif
    td_systick_start();
}

void td_port_putc(char c)
{
    TD_UART_TXD = (uint8_t)c;
    while (!TD_UART_TXDRDY) {
    }
    TD_UART_TXDRDY = 0u;
}

int td_port_getc(void)
{
#ifdef TD_PORT_UART_RX_IRQ
    int c;
    uint32_t saved = td_irq_save();
    td_rx_drain();
    c = td_rx_ring_get(&td_rx);
    if (c >= 0) {
        TD_UART_INTENSET = TD_UART_INT_RXDRDY;
    }
    td_irq_restore(saved);
    return c;
#else
    return td_uart_read();
#endif
}

void td_port_marker(int level)
{
#ifdef TD_PORT_MARKER_PIN
    if (level) {
        TD_GPIO_OUTSET(TD_PORT_MARKER_PIN) = TD_GPIO_BIT(TD_PORT_MARKER_PIN);
    } else {
        TD_GPIO_OUTCLR(TD_PORT_MARKER_PIN) = TD_GPIO_BIT(TD_PORT_MARKER_PIN);
    }
#else
    (void)level;
#endif
}
