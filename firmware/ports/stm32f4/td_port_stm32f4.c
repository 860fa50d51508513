/* td_port for STM32F4 parts (QEMU netduinoplus2 = STM32F405): USART (SR/DR/BRR/CR1),
 * SysTick timer, optional GPIO marker.
 *
 * Board macros (td_board.h):
 *   TD_BOARD_CPU_HZ            core clock = SysTick clock (QEMU netduinoplus2: 168 MHz, fixed)
 *   TD_BOARD_BAUD              line rate
 *   TD_PORT_INSTR_PER_TICK     instructions per SysTick tick under QEMU -icount shift=0, as a
 *   TD_PORT_INSTR_PER_TICK_DEN fraction: 1e9 / 168 MHz = 125 / 21 on netduinoplus2; if
 *                              TD_PORT_INSTR_PER_TICK is undefined, td_port_timer() counts
 *                              microseconds from TD_BOARD_CPU_HZ
 *   TD_PORT_UART_NUM           optional: 1 (default: QEMU wires -serial's first chardev to
 *                              USART1), 2, 3 or 6
 *   TD_PORT_UART_PCLK_HZ       optional: the USART's APB clock for BRR, default TD_BOARD_CPU_HZ
 *                              (QEMU ignores BRR; real parts run APB2 at HCLK/2, APB1 at HCLK/4)
 *   TD_PORT_UART_GPIO, TD_PORT_UART_TX_PIN, TD_PORT_UART_RX_PIN, TD_PORT_UART_AF
 *                              optional: pins muxed to the USART on real parts (port index
 *                              0 = GPIOA); default USART1 on PA9/PA10, AF7
 *   TD_PORT_UART_RX_IRQ        optional: the USART's IRQ number (USART1 37, USART2 38,
 *                              USART3 39, USART6 71); when given, RX goes through an
 *                              interrupt-fed ring
 *   TD_PORT_MARKER_GPIO, TD_PORT_MARKER_PIN
 *                              optional: marker output (port index 0 = GPIOA, pin 0..15)
 * Clock tree (PLL, flash wait states) is left at reset state: QEMU does not model RCC; a real
 * board at 168 MHz needs its clock set up before td_port_init().
 */
#include <stdint.h>

#include "td_board.h"
#include "td_cortexm.h"
#include "td_port.h"
#include "td_rx_ring.h"

#ifndef TD_PORT_UART_NUM
#define TD_PORT_UART_NUM 1
#endif
#ifndef TD_PORT_UART_PCLK_HZ
#define TD_PORT_UART_PCLK_HZ TD_BOARD_CPU_HZ
#endif

#define TD_RCC_BASE 0x40023800u
#define TD_RCC_AHB1ENR TD_REG(TD_RCC_BASE + 0x30u)
#define TD_RCC_APB1ENR TD_REG(TD_RCC_BASE + 0x40u)
#define TD_RCC_APB2ENR TD_REG(TD_RCC_BASE + 0x44u)

#if TD_PORT_UART_NUM == 1
#define TD_UART_BASE 0x40011000u
#define TD_UART_RCC_ENR TD_RCC_APB2ENR
#define TD_UART_RCC_BIT (1u << 4)
#elif TD_PORT_UART_NUM == 2
#define TD_UART_BASE 0x40004400u
#define TD_UART_RCC_ENR TD_RCC_APB1ENR
#define TD_UART_RCC_BIT (1u << 17)
#elif TD_PORT_UART_NUM == 3
#define TD_UART_BASE 0x40004800u
#define TD_UART_RCC_ENR TD_RCC_APB1ENR
#define TD_UART_RCC_BIT (1u << 18)
#elif TD_PORT_UART_NUM == 6
#define TD_UART_BASE 0x40011400u
#define TD_UART_RCC_ENR TD_RCC_APB2ENR
#define TD_UART_RCC_BIT (1u << 5)
#else
#error "TD_PORT_UART_NUM must be 1, 2, 3 or 6"
#endif

#ifndef TD_PORT_UART_GPIO
#define TD_PORT_UART_GPIO 0 /* GPIOA */
#define TD_PORT_UART_TX_PIN 9
#define TD_PORT_UART_RX_PIN 10
#define TD_PORT_UART_AF 7
#endif

#define TD_UART_SR TD_REG(TD_UART_BASE + 0x00u)
#define TD_UART_DR TD_REG(TD_UART_BASE + 0x04u)
#define TD_UART_BRR TD_REG(TD_UART_BASE + 0x08u)
#define TD_UART_CR1 TD_REG(TD_UART_BASE + 0x0Cu)
#define TD_UART_SR_RXNE (1u << 5)
#define TD_UART_SR_TXE (1u << 7)
#define TD_UART_CR1_RE (1u << 2)
#define TD_UART_CR1_TE (1u << 3)
#define TD_UART_CR1_RXNEIE (1u << 5)
#define TD_UART_CR1_UE (1u << 13)

#define TD_GPIO_BASE(port) (0x40020000u + 0x400u * (uint32_t)(port))
#define TD_GPIO_MODER(port) TD_REG(TD_GPIO_BASE(port) + 0x00u)
#define TD_GPIO_BSRR(port) TD_REG(TD_GPIO_BASE(port) + 0x18u)
#define TD_GPIO_AFR(port, pin) TD_REG(TD_GPIO_BASE(port) + 0x20u + 4u * ((uint32_t)(pin) >> 3))

/* td_port_timer() and SysTick_Handler: startup/td_systick_timer.c */

/* ---- GPIO ------------------------------------------------------------------------------ */

static void td_gpio_mode(uint32_t port, uint32_t pin, uint32_t mode)
{
    TD_RCC_AHB1ENR |= 1u << port;
    (void)TD_RCC_AHB1ENR; /* a read-back covers the two-cycle delay after a clock enable */
    TD_GPIO_MODER(port) = (TD_GPIO_MODER(port) & ~(3u << (2u * pin))) | (mode << (2u * pin));
}

static void td_gpio_af(uint32_t port, uint32_t pin, uint32_t af)
{
    uint32_t shift = 4u * (pin & 7u);
    TD_GPIO_AFR(port, pin) = (TD_GPIO_AFR(port, pin) & ~(15u << shift)) | (af << shift);
    td_gpio_mode(port, pin, 2u);
}

/* ---- UART ------------------------------------------------------------------------------ */
/* Under QEMU the USART only takes the next byte from the host once RXNE is cleared, so
 * polling loses nothing while the CPU is busy. A real USART at line rate would overrun
 * during an inference; with TD_PORT_UART_RX_IRQ the RXNE interrupt moves bytes into a ring.
 * RXNE is a level: when the ring is full the interrupt is switched off and the byte stays
 * in the USART; td_port_getc() collects it and switches the interrupt back on. */

#ifdef TD_PORT_UART_RX_IRQ
static td_rx_ring_t td_rx;

static void td_rx_drain(void)
{
    while (TD_UART_SR & TD_UART_SR_RXNE) {
        if (td_rx_ring_full(&td_rx)) {
            TD_UART_CR1 &= ~TD_UART_CR1_RXNEIE;
            return;
        }
        td_rx_ring_put(&td_rx, (uint8_t)TD_UART_DR);
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
    TD_UART_RCC_ENR |= TD_UART_RCC_BIT;
    (void)TD_UART_RCC_ENR;
    td_gpio_af(TD_PORT_UART_GPIO, TD_PORT_UART_TX_PIN, TD_PORT_UART_AF);
    td_gpio_af(TD_PORT_UART_GPIO, TD_PORT_UART_RX_PIN, TD_PORT_UART_AF);
    TD_UART_CR1 = 0u;
    /* 16x oversampling: BRR = PCLK / baud (mantissa and 4-bit fraction), rounded. */
    TD_UART_BRR = (TD_PORT_UART_PCLK_HZ + TD_BOARD_BAUD / 2u) / TD_BOARD_BAUD;
#ifdef TD_PORT_UART_RX_IRQ
    TD_UART_CR1 = TD_UART_CR1_UE | TD_UART_CR1_TE | TD_UART_CR1_RE | TD_UART_CR1_RXNEIE;
    td_nvic_enable(TD_PORT_UART_RX_IRQ);
#else
    TD_UART_CR1 = TD_UART_CR1_UE | TD_UART_CR1_TE | TD_UART_CR1_RE;
#endif
#ifdef TD_PORT_MARKER_PIN
    td_gpio_mode(TD_PORT_MARKER_GPIO, TD_PORT_MARKER_PIN, 1u);
    td_port_marker(0);
#endif
    td_systick_start();
}

void td_port_putc(char c)
{
    while (!(TD_UART_SR & TD_UART_SR_TXE)) {
    }
    TD_UART_DR = (uint8_t)c;
}

int td_port_getc(void)
{
#ifdef TD_PORT_UART_RX_IRQ
    int c;
    uint32_t saved = td_irq_save();
    td_rx_drain();
    c = td_rx_ring_get(&td_rx);
    if (c >= 0) {
        TD_UART_CR1 |= TD_UART_CR1_RXNEIE;
    }
    td_irq_restore(saved);
    return c;
#else
    if (TD_UART_SR & TD_UART_SR_RXNE) {
        return (int)(TD_UART_DR & 0xFFu);
    }
    return -1;
#endif
}

void td_port_marker(int level)
{
#ifdef TD_PORT_MARKER_PIN
    /* BSRR: atomic set (low half) or reset (high half). */
    TD_GPIO_BSRR(TD_PORT_MARKER_GPIO) = level ? (1u << TD_PORT_MARKER_PIN)
                                              : (1u << (TD_PORT_MARKER_PIN + 16));
#else
    (void)level;
#endif
}
