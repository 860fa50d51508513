/* Thumb instructions -> their cycles on a Cortex-M core (td_cycles.c's decoder), from the
 * Technical Reference Manuals' timing tables; each figure is commented with its source. */
#ifndef TD_CYCLES_THUMB_H
#define TD_CYCLES_THUMB_H

#include <stddef.h>

/* Cycle figures of one core. P (pipeline refill after a taken branch) is 1-3 in the M3/M4
 * TRMs "depending on the alignment and width of the target instruction, and whether the
 * processor manages to speculate the address early"; the choices are commented per core. */
typedef struct {
    const char *name;
    unsigned load;        /* LDR/LDRH/LDRB/LDRSB/LDRSH, LDREX/STREX */
    unsigned store_imm;   /* STR/STRH/STRB with an immediate offset */
    unsigned store_reg;   /* ... with a register offset */
    unsigned pipelined;   /* a load/store right after a load: 1 (M3/M4), 0 = no pipelining */
    unsigned dual;        /* LDRD/STRD */
    unsigned p_direct;    /* P of B, B<c>, CBZ/CBNZ taken */
    unsigned p_indirect;  /* P of BX, BLX, MOV/ADD PC */
    unsigned p_load;      /* P of a load into PC: POP {..,pc}, LDM {..,pc}, LDR pc */
    unsigned bl;          /* BL, total */
    unsigned mla;         /* MLA/MLS */
    unsigned mull;        /* SMULL/UMULL */
    unsigned mlal;        /* SMLAL/UMLAL and the DSP long MACs */
    unsigned div;         /* SDIV/UDIV */
    unsigned tbb;         /* TBB/TBH, total */
    unsigned barrier;     /* DMB/DSB/ISB */
    unsigned vmla, vdiv;  /* FPU: VMLA/VFMA family, VDIV/VSQRT */
    unsigned agu;         /* a load/store addressed by the previous ALU result: stall */
    unsigned unaligned;   /* a taken branch to a 32-bit instruction at 4n+2: extra P */
} td_core_t;

/* Classes of instruction that the block builder treats specially. */
enum { TD_PLAIN, TD_LOAD, TD_STORE, TD_MEM_OTHER, TD_BRANCH, TD_BRANCH_COND, TD_IT };

typedef struct {
    int kind;
    unsigned cost;        /* cycles when it executes (not-taken cost for TD_BRANCH_COND) */
    unsigned taken;       /* TD_BRANCH_COND: extra cycles when taken */
    int rt, rn, rm;       /* loads/stores: registers (rn also LDM/LDRD..), -1 if absent */
    int it_count;         /* TD_IT: instructions in the block */
    int rd, rd2;          /* TD_PLAIN: registers written, -1 if none */
} td_insn_t;

#define TD_INSN(kind) {kind, 1, 0, -1, -1, -1, 0, -1, -1}

/* The core named `name` (cortex-m0, cortex-m0plus, cortex-m3, cortex-m4, cortex-m33), or
 * NULL for a core without a model. */
const td_core_t *td_core_named(const char *name);

/* The cost class of one 16- or 32-bit Thumb instruction (its bytes as in memory). */
td_insn_t td_insn_cost(const td_core_t *c, const unsigned char *p, size_t size);

#endif
