/* Bare-metal startup for every supported core (Cortex-M0/M3/M4F/M7/M33): the vector table,
 * Reset_Handler (.data copy, .bss clear, FPU on, then main()) and default handlers.
 * Linker symbols come from td_linker.ld (templates/project/td_linker.ld.j2).
 *
 * Handlers are weak: a port overrides SysTick_Handler and td_irq<n>_handler (see
 * TD_IRQ_HANDLER in td_cortexm.h). Unexpected exceptions hang in td_default_handler, where
 * a debugger (or a harness timeout) finds them.
 *
 * The Cortex-M33 of mps2-an505 comes out of reset in Secure state with the SAU disabled,
 * so all memory is Secure and this image runs entirely Secure: it is linked at the Secure
 * aliases, SysTick/NVIC/VTOR/CPACR accesses reach the Secure banks, and nothing is handed to
 * a Non-secure world.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "td_cortexm.h"

#if !(TD_STARTUP_IRQ_COUNT == 32 || \
      (TD_STARTUP_IRQ_COUNT % 10 == 0 && TD_STARTUP_IRQ_COUNT >= 40 && TD_STARTUP_IRQ_COUNT <= 160))
#error "TD_STARTUP_IRQ_COUNT must be 32 or a multiple of 10 from 40 to 160"
#endif

typedef void (*td_handler_t)(void);

/* From the linker script. */
extern uint32_t __td_stack_top[];
extern uint32_t __td_stack_limit[];
extern char __td_stack_bytes[];     /* an absolute symbol: its address is the size */
extern const uint32_t __td_data_load[];
extern uint32_t __td_data_start[];
extern uint32_t __td_data_end[];
extern uint32_t __td_bss_start[];
extern uint32_t __td_bss_end[];

int main(void);

void Reset_Handler(void);
void td_default_handler(void);

#define TD_WEAK_DEFAULT __attribute__((weak, alias("td_default_handler")))
void NMI_Handler(void) TD_WEAK_DEFAULT;
void HardFault_Handler(void) TD_WEAK_DEFAULT;
void MemManage_Handler(void) TD_WEAK_DEFAULT;
void BusFault_Handler(void) TD_WEAK_DEFAULT;
void UsageFault_Handler(void) TD_WEAK_DEFAULT;
void SecureFault_Handler(void) TD_WEAK_DEFAULT;
void SVC_Handler(void) TD_WEAK_DEFAULT;
void DebugMon_Handler(void) TD_WEAK_DEFAULT;
void PendSV_Handler(void) TD_WEAK_DEFAULT;
void SysTick_Handler(void) TD_WEAK_DEFAULT;

/* td_irq0_handler ... td_irq159_handler, ten per row; an empty row argument gives 0..9. */
#define TD_IRQ_DECL(n) void td_irq##n##_handler(void) TD_WEAK_DEFAULT;
#define TD_IRQ_ENTRY(n) td_irq##n##_handler,
#define TD_IRQ_ROW(X, d) X(d##0) X(d##1) X(d##2) X(d##3) X(d##4) \
                         X(d##5) X(d##6) X(d##7) X(d##8) X(d##9)
TD_IRQ_ROW(TD_IRQ_DECL, ) TD_IRQ_ROW(TD_IRQ_DECL, 1) TD_IRQ_ROW(TD_IRQ_DECL, 2)
TD_IRQ_ROW(TD_IRQ_DECL, 3) TD_IRQ_ROW(TD_IRQ_DECL, 4) TD_IRQ_ROW(TD_IRQ_DECL, 5)
TD_IRQ_ROW(TD_IRQ_DECL, 6) TD_IRQ_ROW(TD_IRQ_DECL, 7) TD_IRQ_ROW(TD_IRQ_DECL, 8)
TD_IRQ_ROW(TD_IRQ_DECL, 9) TD_IRQ_ROW(TD_IRQ_DECL, 10) TD_IRQ_ROW(TD_IRQ_DECL, 11)
TD_IRQ_ROW(TD_IRQ_DECL, 12) TD_IRQ_ROW(TD_IRQ_DECL, 13) TD_IRQ_ROW(TD_IRQ_DECL, 14)
TD_IRQ_ROW(TD_IRQ_DECL, 15)

struct td_vector_table {
    uint32_t *initial_sp;
    td_handler_t exceptions[15];              /* exception numbers 1..15 */
    td_handler_t irq[TD_STARTUP_IRQ_COUNT];   /* exception numbers 16.. */
};

/* Placed first in flash by the linker script (KEEP(*(.td_vectors))). */
__attribute__((section(".td_vectors"), used))
const struct td_vector_table td_vector_table = {
    .initial_sp = __td_stack_top,
    .exceptions = {
        Reset_Handler, NMI_Handler, HardFault_Handler,
        MemManage_Handler, BusFault_Handler, UsageFault_Handler, /* reserved on M0 */
        SecureFault_Handler,                                     /* Armv8-M only */
        0, 0, 0, SVC_Handler, DebugMon_Handler, 0, PendSV_Handler, SysTick_Handler,
    },
    .irq = {
        TD_IRQ_ROW(TD_IRQ_ENTRY, ) TD_IRQ_ROW(TD_IRQ_ENTRY, 1) TD_IRQ_ROW(TD_IRQ_ENTRY, 2)
        TD_IRQ_ENTRY(30) TD_IRQ_ENTRY(31)
#if TD_STARTUP_IRQ_COUNT >= 40
        TD_IRQ_ENTRY(32) TD_IRQ_ENTRY(33) TD_IRQ_ENTRY(34) TD_IRQ_ENTRY(35)
        TD_IRQ_ENTRY(36) TD_IRQ_ENTRY(37) TD_IRQ_ENTRY(38) TD_IRQ_ENTRY(39)
#endif
#if TD_STARTUP_IRQ_COUNT >= 50
        TD_IRQ_ROW(TD_IRQ_ENTRY, 4)
#endif
#if TD_STARTUP_IRQ_COUNT >= 60
        TD_IRQ_ROW(TD_IRQ_ENTRY, 5)
#endif
#if TD_STARTUP_IRQ_COUNT >= 70
        TD_IRQ_ROW(TD_IRQ_ENTRY, 6)
#endif
#if TD_STARTUP_IRQ_COUNT >= 80
        TD_IRQ_ROW(TD_IRQ_ENTRY, 7)
#endif
#if TD_STARTUP_IRQ_COUNT >= 90
        TD_IRQ_ROW(TD_IRQ_ENTRY, 8)
#endif
#if TD_STARTUP_IRQ_COUNT >= 100
        TD_IRQ_ROW(TD_IRQ_ENTRY, 9)
#endif
#if TD_STARTUP_IRQ_COUNT >= 110
        TD_IRQ_ROW(TD_IRQ_ENTRY, 10)
#endif
#if TD_STARTUP_IRQ_COUNT >= 120
        TD_IRQ_ROW(TD_IRQ_ENTRY, 11)
#endif
#if TD_STARTUP_IRQ_COUNT >= 130
        TD_IRQ_ROW(TD_IRQ_ENTRY, 12)
#endif
#if TD_STARTUP_IRQ_COUNT >= 140
        TD_IRQ_ROW(TD_IRQ_ENTRY, 13)
#endif
#if TD_STARTUP_IRQ_COUNT >= 150
        TD_IRQ_ROW(TD_IRQ_ENTRY, 14)
#endif
#if TD_STARTUP_IRQ_COUNT >= 160
        TD_IRQ_ROW(TD_IRQ_ENTRY, 15)
#endif
    },
};

/* No heap (the arena is static and planned): newlib's malloc() gets no memory and returns
 * NULL. Defined here rather than left undefined because newlib-nano's snprintf() refers to
 * malloc (for asprintf's growing buffers) although formatting into a caller's buffer never
 * calls it; nosys.specs' own _sbrk would hand out the stack without any check. */
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    (void)incr;
    errno = ENOMEM;
    return (void *)-1;
}

/* The stack's high-water mark: from the top of RAM down to the lowest word that no longer
 * holds the paint. A stack that reached below .bss's end reports all of RAM above it. */
uint32_t td_stack_used(void)
{
    const uint32_t *w = __td_stack_limit;
    while (w < __td_stack_top && *w == TD_STACK_PAINT) {
        w++;
    }
    return (uint32_t)((uintptr_t)__td_stack_top - (uintptr_t)w);
}

uint32_t td_stack_reserved(void)
{
    return (uint32_t)(uintptr_t)__td_stack_bytes;
}

void td_default_handler(void)
{
    for (;;) {
    }
}

void Reset_Handler(void)
{
#if defined(__ARM_ARCH_8M_MAIN__)
    /* Armv8-M stack limit: a stack that grows into .bss (the model arena) faults instead of
     * silently corrupting it. The linker gives the stack all RAM above .bss. */
    __asm volatile("msr msplim, %0" : : "r"(__td_stack_limit));
#endif
#if defined(__ARM_FP)
    /* CP10/CP11 full access first: with hard float the compiler may use FP registers in
     * any function, library copies included. */
    TD_SCB_CPACR |= 0xFu << 20;
    __asm volatile("dsb\n\tisb" : : : "memory");
#endif
#if !defined(__ARM_ARCH_6M__)
    /* Vectors where we were linked, also when a bootloader or a flash alias started us
     * (the Cortex-M0 has no VTOR). */
    TD_SCB_VTOR = (uint32_t)(uintptr_t)&td_vector_table;
#endif
    /* Word copies: the linker script keeps these sections 4-byte aligned and sized. */
    uintptr_t n = ((uintptr_t)__td_data_end - (uintptr_t)__td_data_start) / 4u;
    for (uintptr_t i = 0; i < n; i++) {
        __td_data_start[i] = __td_data_load[i];
    }
    n = ((uintptr_t)__td_bss_end - (uintptr_t)__td_bss_start) / 4u;
    for (uintptr_t i = 0; i < n; i++) {
        __td_bss_start[i] = 0u;
    }
    /* Paint the free stack (everything below sp down to .bss) for td_stack_used(). */
    uint32_t *sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *w = __td_stack_limit; w < sp - 1; w++) {
        *w = TD_STACK_PAINT;
    }
    (void)main();
    for (;;) {
    }
}
