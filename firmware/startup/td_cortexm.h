/* Cortex-M core pieces shared by the startup code and the ports: core registers (the
 * same addresses on M0/M3/M4/M7/M33), IRQ handler names, and the SysTick tick counter the
 * ports turn into td_port_timer(). No CMSIS headers: the few registers we touch are here.
 */
#ifndef TD_CORTEXM_H
#define TD_CORTEXM_H

#include <stdint.h>

#define TD_REG(addr) (*(volatile uint32_t *)(addr))

/* System control block. */
#define TD_SCB_ICSR TD_REG(0xE000ED04u)
#define TD_SCB_VTOR TD_REG(0xE000ED08u)
#define TD_SCB_CPACR TD_REG(0xE000ED88u)
#define TD_ICSR_PENDSTSET (1u << 26)

/* SysTick: 24-bit down counter. CLKSOURCE=1 selects the processor clock. */
#define TD_SYST_CSR TD_REG(0xE000E010u)
#define TD_SYST_RVR TD_REG(0xE000E014u)
#define TD_SYST_CVR TD_REG(0xE000E018u)
#define TD_SYST_CSR_ENABLE (1u << 0)
#define TD_SYST_CSR_TICKINT (1u << 1)
#define TD_SYST_CSR_CLKSOURCE (1u << 2)
#define TD_SYSTICK_PERIOD_BITS 24u
#define TD_SYSTICK_MAX 0x00FFFFFFu

/* NVIC. */
#define TD_NVIC_ISER(n) TD_REG(0xE000E100u + 4u * ((uint32_t)(n) >> 5))

/* Weak in td_startup.c; a port defines it to count SysTick wraps. */
void SysTick_Handler(void);

/* td_startup.c: the stack painted at reset and its high-water mark in bytes (td-stack),
 * and the bytes the linker script reserves for it (tinydeploy's static analysis). */
#define TD_STACK_PAINT 0x5AD7C3A5u
uint32_t td_stack_used(void);
uint32_t td_stack_reserved(void);

/* External interrupt n is served by td_irq<n>_handler (weak, defaults to a hang in
 * td_startup.c). A port defines e.g. `void TD_IRQ_HANDLER(37)(void) { ... }`; n must expand
 * to a plain decimal literal (no suffix, no parentheses). Declare it first, as in
 * `void TD_IRQ_HANDLER(37)(void);`, to keep -Wmissing-prototypes quiet. */
#define TD_IRQ_HANDLER(n) TD_IRQ_HANDLER_(n)
#define TD_IRQ_HANDLER_(n) td_irq##n##_handler

/* External IRQ slots in the vector table: the most any supported part uses
 * (STM32F405: 82, mps2-an505: 92) rounded up to a multiple of 10; an M0 has at most 32. */
#ifndef TD_STARTUP_IRQ_COUNT
#if defined(__ARM_ARCH_6M__)
#define TD_STARTUP_IRQ_COUNT 32
#else
#define TD_STARTUP_IRQ_COUNT 100
#endif
#endif

static inline void td_nvic_enable(uint32_t irq)
{
    TD_NVIC_ISER(irq) = 1u << (irq & 31u);
}

static inline uint32_t td_irq_save(void)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask) : : "memory");
    return primask;
}

static inline void td_irq_restore(uint32_t primask)
{
    __asm volatile("msr primask, %0" : : "r"(primask) : "memory");
}

/* Start SysTick as a free-running 2^24-tick counter on the processor clock. The port's
 * SysTick_Handler increments a wrap counter that td_systick_ticks() combines with it. */
static inline void td_systick_start(void)
{
    TD_SYST_CSR = 0u;
    TD_SYST_RVR = TD_SYSTICK_MAX;
    TD_SYST_CVR = 0u;
    TD_SYST_CSR = TD_SYST_CSR_CLKSOURCE | TD_SYST_CSR_TICKINT | TD_SYST_CSR_ENABLE;
}

/* Ticks since td_systick_start(), 24 + 32 bits. Safe with interrupts masked by the caller:
 * a wrap whose handler has not run yet shows as a pending SysTick, and then the counter is
 * re-read (it cannot wrap twice between two reads). */
static inline uint64_t td_systick_ticks(const volatile uint32_t *wraps)
{
    uint32_t saved = td_irq_save();
    uint32_t val = TD_SYST_CVR;
    uint32_t hi = *wraps;
    if (TD_SCB_ICSR & TD_ICSR_PENDSTSET) {
        val = TD_SYST_CVR;
        hi++;
    }
    td_irq_restore(saved);
    return ((uint64_t)hi << TD_SYSTICK_PERIOD_BITS) + (TD_SYSTICK_MAX - val);
}

#endif
