/* td_cycles: a QEMU (7.2, TCG plugin API v1) plugin that estimates the cycles a Cortex-M
 * core spends on the guest's code, from the per-instruction timings of Arm's Technical
 * Reference Manuals at zero wait states (a lower bound for a real board with flash wait
 * states, caches or bus contention).
 *
 * Arguments (-plugin td_cycles.so,core=cortex-m4,log=PATH,mark=0xADDR):
 *   core  cortex-m0, cortex-m0plus, cortex-m3, cortex-m4, cortex-m33 (cortex-m7 is refused:
 *         its dual issue is not a per-instruction table).
 *   log   file that gets one line "<instructions> <cycles>" (totals since reset) each time
 *         execution enters the translation block at `mark`, before that block is counted.
 *   mark  guest address of a function entry (Thumb bit ignored), e.g. td_port_counter.
 *
 * How: at translation time each Thumb instruction is decoded into its cost on the core
 * (td_insn_cost) and the pairings the TRMs describe within a block (a load or store after
 * a load; a load or store addressed by the ALU result just before it); a block's costs are
 * summed once. At execution a callback per block adds the sum, and settles what is decided
 * at run time: whether the conditional branch that ended the previous block was taken (the
 * next block does not start at its fall-through address), and whether a taken branch
 * landed on a 32-bit instruction at a halfword address. Loads and stores whose condition
 * fails in an IT block are charged 1 cycle and an inline counter adds the rest per memory
 * access when they do execute.
 * Not modelled: exception entry/return (12/10 cycles on M3/M4, rare here), IT folding into
 * the previous instruction (IT is charged 1), unaligned accesses, the operand-dependent
 * early termination of divides and long multiplies (upper bound taken), pairings across a
 * block boundary, an interrupt taken right after a conditional branch (read as taken). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "td_qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

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

/* Cortex-M4, ARM DDI 0439B section 3.3 "Processor instruction timings", Table 3-1, and
 * 3.3.2 "Load/store timings"; FPU: section 7.2.3 Table 7-1. */
static const td_core_t td_m4 = {
    "cortex-m4",
    2,  /* Table 3-1: LDR/LDRH/LDRB/LDRSx 2; LDREX/STREX 2, pipelined as LDR (3.3.2) */
    1,  /* 3.3.2: "STR Rx,[Ry,#imm] is always one cycle" (data phase overlaps the next) */
    2,  /* Table 3-1: STR 2; 3.3.2: nothing pipelines after an STR with register offset */
    1,  /* 3.3.2: an LDR/STR after an LDR whose destination is not its base or index
           register loses one cycle ("LDR R0,[R1]; LDR R1,[R2]: three cycles total") */
    3,  /* 3.3.2: LDRD/STRD "requires three cycles when not stalled", never pipelined */
    1,  /* direct branches: the target is known at decode and fetched early ("speculate
           the address early"), the minimum P */
    2,  /* register branches resolve in execute: fetch and decode refill */
    3,  /* 3.3.2: "LDR PC,[any] ... three cycles for the pipeline reload" */
    2,  /* Table 3-1: BL 1+P, P as a direct branch */
    1,  /* Table 3-1: MLA, MLS 1 (single-cycle MAC) */
    1,  /* Table 3-1: SMULL, UMULL 1 */
    1,  /* Table 3-1: SMLAL, UMLAL 1; SMLALxy, SMLALD 1 */
    12, /* Table 3-1: SDIV/UDIV 2-12 by early termination on the operands, which a
           plugin cannot see: the upper bound */
    6,  /* 3.3.2: TBB/TBH "at least six cycles": 2 load + 1 add + 3 reload */
    2,  /* Table 3-1: DMB/DSB/ISB 1+B, B >= 1 with nothing outstanding */
    3,  /* Table 7-1: VMLA/VMLS/VNMLA/VNMLS/VFMA.F32 3 */
    14, /* Table 7-1: VDIV.F32, VSQRT.F32 14 */
    1,  /* 3.3.2 (and DDI 0337I 3.3.2): "Any load or store that generates an address
           dependent on the result of a preceding data processing operation stalls the
           pipeline for an additional cycle ... There is no forwarding path" */
    1,  /* Table 3-1 note on P: it depends on "the alignment and width of the target
           instruction": a 32-bit target at a halfword address needs a second fetch */
};

/* Cortex-M33: Arm publishes no per-instruction timing table for it (TRM 100230); its
 * 3-stage pipeline is close to the M4's, so the M4 figures stand in (an approximation). */
static const td_core_t td_m33 = {
    "cortex-m33", 2, 1, 2, 1, 3, 1, 2, 3, 2, 1, 1, 1, 12, 6, 2, 3, 14, 1, 1,
};

/* Cortex-M3, ARM DDI 0337 chapter 18 "Instruction Timing", Table 18-1 and "Load-store
 * timings": the M4's load/store and branch rules; the multiplier is slower (no FPU, no
 * DSP instructions). */
static const td_core_t td_m3 = {
    "cortex-m3", 2, 1, 2, 1, 3, 1, 2, 3, 2,
    2,  /* Table 18-1: MLA, MLS 2 */
    5,  /* Table 18-1: SMULL/UMULL 3-5 (early termination): the upper bound */
    7,  /* Table 18-1: SMLAL/UMLAL 4-7: the upper bound */
    12, 6, 2, 3, 14, 1, 1,
};

/* Cortex-M0, ARM DDI 0432C Table 3-1: loads/stores 2 with no pipelining, LDM/STM/PUSH/POP
 * 1+N, B taken 3 / not taken 1 (P = 2), BL 4, BX/BLX 3, MOV/ADD PC 3, POP {pc} 3+N (P = 2),
 * DMB/DSB/ISB 4. MULS is 1 with the fast multiplier, 32 with the small one (an
 * implementation option): 1 taken. */
static const td_core_t td_m0 = {
    "cortex-m0", 2, 2, 2, 0, 3, 2, 2, 2, 4, 1, 1, 1, 12, 6, 4, 3, 14, 0, 0,
};

/* Cortex-M0+, ARM DDI 0484C Table 3-1 (2-stage pipeline): loads/stores 2, B taken 2 (P=1),
 * BL 3, BX/BLX 2, POP {pc} 3+N (P = 2), DMB/DSB/ISB 3. */
static const td_core_t td_m0plus = {
    "cortex-m0plus", 2, 2, 2, 0, 3, 1, 1, 2, 3, 1, 1, 1, 12, 6, 3, 3, 14, 0, 0,
};

static const td_core_t *td_core;

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

static unsigned td_popcount(unsigned v) {
    return (unsigned)__builtin_popcount(v);
}

/* The register a 16-bit data-processing instruction writes (ARM DDI 0403E A5.2), or -1. */
static int td_dest16(unsigned h) {
    if ((h & 0xE000) == 0x2000) {                       /* MOV/CMP/ADD/SUB imm8 */
        return ((h >> 11) & 3) == 1 ? -1 : (int)((h >> 8) & 7);
    }
    if ((h & 0xE000) == 0x0000) {                       /* shifts, ADD/SUB 3 registers */
        return h & 7;
    }
    if ((h & 0xFC00) == 0x4000) {                       /* ALU: not TST, CMP, CMN */
        unsigned op = (h >> 6) & 15;
        return op == 8 || op == 10 || op == 11 ? -1 : (int)(h & 7);
    }
    if ((h & 0xFC00) == 0x4400 && ((h >> 8) & 3) != 1) {  /* ADD/MOV high registers */
        return (h & 7) | ((h >> 4) & 8);
    }
    if ((h & 0xF000) == 0xA000) {                       /* ADR, ADD Rd, SP, #imm */
        return (h >> 8) & 7;
    }
    if ((h & 0xFF00) == 0xB000) {                       /* ADD/SUB SP, SP, #imm */
        return 13;
    }
    if ((h & 0xFF00) == 0xB200 || (h & 0xFF00) == 0xBA00) {  /* extend, reverse */
        return h & 7;
    }
    return -1;
}

static td_insn_t td_decode16(unsigned h) {
    const td_core_t *c = td_core;
    td_insn_t r = TD_INSN(TD_PLAIN);
    if ((h & 0xF800) == 0x4800) {                       /* LDR Rt,[PC,#imm] */
        r.kind = TD_LOAD; r.cost = c->load; r.rt = (h >> 8) & 7; r.rn = 15;
    } else if ((h & 0xF000) == 0x5000) {                /* load/store, register offset */
        unsigned op = (h >> 9) & 7;
        r.rt = h & 7; r.rn = (h >> 3) & 7; r.rm = (h >> 6) & 7;
        r.kind = op < 3 ? TD_STORE : TD_LOAD;
        r.cost = op < 3 ? c->store_reg : c->load;
    } else if ((h & 0xE000) == 0x6000 || (h & 0xF000) == 0x8000 || (h & 0xF000) == 0x9000) {
        int sp = (h & 0xF000) == 0x9000;                /* word/byte, half, SP-relative */
        r.rt = sp ? (int)((h >> 8) & 7) : (int)(h & 7);
        r.rn = sp ? 13 : (int)((h >> 3) & 7);
        r.kind = (h & 0x0800) ? TD_LOAD : TD_STORE;
        r.cost = (h & 0x0800) ? c->load : c->store_imm;
    } else if ((h & 0xF000) == 0xC000) {                /* LDM/STM: 1+N */
        r.kind = TD_MEM_OTHER; r.cost = 1 + td_popcount(h & 0xFF); r.rn = (h >> 8) & 7;
    } else if ((h & 0xFE00) == 0xB400) {                /* PUSH: 1+N */
        r.kind = TD_MEM_OTHER; r.cost = 1 + td_popcount(h & 0x1FF); r.rn = 13;
    } else if ((h & 0xFE00) == 0xBC00) {                /* POP: 1+N, +P with PC */
        r.kind = (h & 0x100) ? TD_BRANCH : TD_MEM_OTHER;
        r.cost = 1 + td_popcount(h & 0x1FF) + ((h & 0x100) ? c->p_load : 0); r.rn = 13;
    } else if ((h & 0xF500) == 0xB100) {                /* CBZ/CBNZ: 1 or 1+P */
        r.kind = TD_BRANCH_COND; r.taken = c->p_direct;
    } else if ((h & 0xFF00) == 0xBF00 && (h & 0xF)) {   /* IT */
        r.kind = TD_IT; r.it_count = 4 - __builtin_ctz(h & 0xF);
    } else if ((h & 0xF000) == 0xD000 && ((h >> 8) & 0xF) < 0xE) {  /* B<c>: 1 or 1+P */
        r.kind = TD_BRANCH_COND; r.taken = c->p_direct;
    } else if ((h & 0xF800) == 0xE000) {                /* B: 1+P */
        r.kind = TD_BRANCH; r.cost = 1 + c->p_direct;
    } else if ((h & 0xFF00) == 0x4700) {                /* BX/BLX Rm: 1+P */
        r.kind = TD_BRANCH; r.cost = 1 + c->p_indirect;
    } else if ((h & 0xFD00) == 0x4400 && ((h & 7) | ((h >> 4) & 8)) == 15) {  /* ADD/MOV PC */
        r.kind = TD_BRANCH; r.cost = 1 + c->p_indirect;
    } else {
        r.rd = td_dest16(h);
    }
    return r;
}

/* Armv7-M/v8-M 32-bit Thumb encodings (ARM DDI 0403E A5.3). */
static td_insn_t td_decode32(unsigned h1, unsigned h2) {
    const td_core_t *c = td_core;
    td_insn_t r = TD_INSN(TD_PLAIN);
    unsigned op1 = (h1 >> 11) & 3;
    if ((h1 & 0xFE40) == 0xE800) {                      /* LDM/STM/PUSH.W/POP.W: 1+N */
        int pc = (h1 & 0x10) && (h2 & 0x8000);
        r.kind = pc ? TD_BRANCH : TD_MEM_OTHER;
        r.cost = 1 + td_popcount(h2) + (pc ? c->p_load : 0);
        r.rn = h1 & 15;
    } else if ((h1 & 0xFE40) == 0xE840) {               /* dual, exclusive, table branch */
        unsigned pu = (h1 >> 7) & 3, wl = (h1 >> 4) & 3;
        if (pu == 1 && wl == 1 && (h2 & 0xFFE0) == 0xF000) {
            r.kind = TD_BRANCH; r.cost = c->tbb;
        } else if ((pu == 0 || pu == 1) && wl <= 1) {   /* LDREX/STREX(B/H): as LDR */
            r.kind = TD_LOAD; r.cost = c->load; r.rt = h2 >> 12; r.rn = h1 & 15;
        } else {
            r.kind = TD_MEM_OTHER; r.cost = c->dual; r.rn = h1 & 15;
        }
    } else if (op1 == 1 && (h1 & 0x0400)) {             /* coprocessor: the FPU */
        if ((h1 & 0x0E00) == 0x0C00 && (h1 & 0x01A0) != 0) {  /* VLDR/VSTR/VLDM/VPUSH.. */
            /* Table 7-1: VLDR/VSTR .F32 2, .F64 3; VLDM/VSTM/VPUSH/VPOP 1+N, N words */
            int single = (h1 & 0x0120) == 0x0100;
            r.kind = TD_MEM_OTHER; r.rn = h1 & 15;
            r.cost = single ? c->load + ((h2 >> 8) & 1) : 1 + (h2 & 0xFF);
        } else if ((h2 & 0x0E10) != 0x0A00) {
            r.cost = 1;                                 /* VMOV to/from core registers.. */
        } else if ((h1 & 0xFFB0) == 0xEE80 ||
                   ((h1 & 0xFFBF) == 0xEEB1 && (h2 & 0x00C0) == 0x00C0)) {
            r.cost = c->vdiv;                           /* VDIV, VSQRT */
        } else if ((h1 & 0xFFA0) == 0xEE00 || (h1 & 0xFFB0) == 0xEEA0 ||
                   (h1 & 0xFFB0) == 0xEE90) {
            r.cost = c->vmla;                           /* VMLA/VNMLA.., VFMA.., VFNMA.. */
        }
    } else if (op1 == 2 && (h2 & 0x8000)) {             /* branches, misc control */
        unsigned k = (h2 >> 12) & 5;
        if (k == 5) {
            r.kind = TD_BRANCH; r.cost = c->bl;
        } else if (k == 1) {
            r.kind = TD_BRANCH; r.cost = 1 + c->p_direct;
        } else if (k == 0 && ((h1 >> 7) & 7) != 7) {
            r.kind = TD_BRANCH_COND; r.taken = c->p_direct;
        } else if (h1 == 0xF3BF && (h2 & 0xFFC0) == 0x8F40) {
            r.cost = c->barrier;
        }
    } else if (op1 == 3 && (h1 & 0xFF10) == 0xF800) {   /* STR/STRH/STRB */
        int reg = !(h1 & 0x80) && ((h2 >> 6) & 0x3F) == 0;
        r.kind = TD_STORE; r.cost = reg ? c->store_reg : c->store_imm;
        r.rt = h2 >> 12; r.rn = h1 & 15; r.rm = reg ? (int)(h2 & 15) : -1;
    } else if (op1 == 3 && (h1 & 0xFE10) == 0xF810 && ((h1 >> 5) & 3) != 3) {  /* loads */
        int reg = !(h1 & 0x80) && ((h2 >> 6) & 0x3F) == 0 && (h1 & 15) != 15;
        r.rt = h2 >> 12; r.rn = h1 & 15; r.rm = reg ? (int)(h2 & 15) : -1;
        if (r.rt == 15 && ((h1 >> 5) & 3) == 2) {       /* LDR PC: load + P */
            r.kind = TD_BRANCH; r.cost = c->load + c->p_load;
        } else if (r.rt == 15) {                        /* PLD/PLI: a hint */
            r.cost = 1;
        } else {
            r.kind = TD_LOAD; r.cost = c->load;
        }
    } else if (op1 == 3 && (h1 & 0xFFF0) == 0xFB00) {   /* MUL, MLA, MLS */
        r.cost = ((h2 >> 12) & 15) == 15 ? 1 : c->mla;
        r.rd = (h2 >> 8) & 15;
    } else if (op1 == 3 && ((h1 & 0xFFD0) == 0xFB90)) { /* SDIV, UDIV */
        r.cost = c->div; r.rd = (h2 >> 8) & 15;
    } else if (op1 == 3 && (h1 & 0xFF80) == 0xFB80) {   /* long multiply (accumulate) */
        r.cost = ((h1 >> 4) & 7) == 0 || ((h1 >> 4) & 7) == 2 ? c->mull : c->mlal;
        r.rd = h2 >> 12; r.rd2 = (h2 >> 8) & 15;
    } else if ((h1 & 0xFE00) == 0xEA00 || (op1 == 2 && !(h2 & 0x8000)) ||
               (h1 & 0xFF00) == 0xFA00 || (h1 & 0xFF80) == 0xFB00) {
        /* data processing (shifted register, immediate, register), other multiplies:
         * Rd in bits 11:8; 15 there is TST/TEQ/CMP/CMN, which write no register */
        r.rd = ((h2 >> 8) & 15) == 15 ? -1 : (int)((h2 >> 8) & 15);
    }
    return r;
}

/* One cost class per instruction: 16- or 32-bit Thumb (A5.1: 0b11101/0b11110/0b11111). */
static td_insn_t td_insn_cost(const unsigned char *p, size_t size) {
    unsigned h1 = p[0] | (p[1] << 8);
    if (size == 4) {
        return td_decode32(h1, p[2] | (p[3] << 8));
    }
    return td_decode16(h1);
}

typedef struct {
    uint64_t pc;            /* first instruction */
    uint64_t fallthrough;   /* after the last one */
    uint64_t cycles;        /* static cost: not-taken for a final conditional branch */
    unsigned insns;
    unsigned taken;         /* extra cycles if the final conditional branch is taken */
    int cond;               /* ends with a conditional branch */
    int jumps;              /* ends with an unconditional control transfer */
    int wide_unaligned;     /* starts with a 32-bit instruction at 4n+2 */
    int mark;               /* starts at the marked function */
} td_block_t;

static uint64_t td_insns, td_cycles;
static uint64_t td_pending_ft, td_pending_taken;   /* the last block's conditional branch */
static int td_pending_jump;                          /* the last block jumped */
static uint64_t td_mark_addr = UINT64_MAX;
static FILE *td_log;

static void td_block_exec(unsigned int vcpu, void *udata) {
    const td_block_t *b = udata;
    (void)vcpu;
    int taken = td_pending_ft && b->pc != td_pending_ft;
    if (taken) {
        td_cycles += td_pending_taken;
    }
    if ((taken || td_pending_jump) && b->wide_unaligned) {
        td_cycles += td_core->unaligned;
    }
    td_pending_ft = 0;
    td_pending_jump = b->jumps;
    if (b->mark && td_log) {
        /* Flushed at once: the host reads the file as soon as the guest has replied. */
        fprintf(td_log, "%" PRIu64 " %" PRIu64 "\n", td_insns, td_cycles);
        fflush(td_log);
    }
    td_insns += b->insns;
    td_cycles += b->cycles;
    if (b->cond) {
        td_pending_ft = b->fallthrough;
        td_pending_taken = b->taken;
    }
}

static int td_uses(const td_insn_t *i, int reg) {
    return reg >= 0 && (i->rn == reg || i->rm == reg);
}

static int td_is_mem(const td_insn_t *i) {
    return i->kind == TD_LOAD || i->kind == TD_STORE || i->kind == TD_MEM_OTHER;
}

static void td_block_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    size_t n = qemu_plugin_tb_n_insns(tb), k;
    td_block_t *b = calloc(1, sizeof *b);
    td_insn_t none = TD_INSN(TD_PLAIN), prev = none;
    int it_left = 0;
    (void)id;
    if (b == NULL) {
        return;
    }
    b->pc = qemu_plugin_tb_vaddr(tb);
    b->insns = (unsigned)n;
    b->mark = (b->pc & ~(uint64_t)1) == td_mark_addr;
    for (k = 0; k < n; k++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, k);
        size_t size = qemu_plugin_insn_size(insn);
        td_insn_t i = td_insn_cost(qemu_plugin_insn_data(insn), size);
        int conditional = it_left > 0;
        unsigned cost = i.cost;
        if (i.kind == TD_IT) {
            it_left = i.it_count + 1;                   /* decremented below for IT itself */
        }
        if (it_left > 0) {
            it_left--;
        }
        if ((i.kind == TD_LOAD || i.kind == TD_STORE) && td_core->pipelined &&
            prev.kind == TD_LOAD && !td_uses(&i, prev.rt) && !conditional) {
            cost = td_core->pipelined;
        }
        if (td_is_mem(&i) && prev.kind == TD_PLAIN &&
            (td_uses(&i, prev.rd) || td_uses(&i, prev.rd2))) {
            cost += td_core->agu;
        }
        if (conditional && (i.kind == TD_BRANCH || i.kind == TD_BRANCH_COND)) {
            /* Skipped: 1 cycle; executed: the branch's full cost. */
            b->cond = 1;
            b->taken = (i.kind == TD_BRANCH ? cost : 1 + i.taken) - 1;
            cost = 1;
        } else if (i.kind == TD_BRANCH_COND) {
            b->cond = 1;
            b->taken = i.taken;
        } else if (conditional && cost > 1 && td_is_mem(&i)) {
            /* Skipped: 1 cycle. Executed: every class here costs 1 + its memory accesses
             * (LDR/STR 1+1, LDRD/STRD 1+2, LDM/STM 1+N), added per access. */
            qemu_plugin_register_vcpu_mem_inline(insn, QEMU_PLUGIN_MEM_RW,
                                                 QEMU_PLUGIN_INLINE_ADD_U64, &td_cycles, 1);
            cost = 1;
        }
        if (k == 0) {
            b->wide_unaligned = size == 4 && (b->pc & 2);
        }
        b->jumps = i.kind == TD_BRANCH && !conditional;
        b->cycles += cost;
        b->fallthrough = qemu_plugin_insn_vaddr(insn) + size;
        prev = conditional ? none : i;
    }
    qemu_plugin_register_vcpu_tb_exec_cb(tb, td_block_exec, QEMU_PLUGIN_CB_NO_REGS, b);
}

static void td_at_exit(qemu_plugin_id_t id, void *udata) {
    (void)id;
    (void)udata;
    if (td_log) {
        fclose(td_log);
        td_log = NULL;
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                           int argc, char **argv) {
    static const td_core_t *const cores[] = {&td_m0, &td_m0plus, &td_m3, &td_m4, &td_m33};
    const char *log = NULL;
    int k;
    size_t c;
    (void)info;
    for (k = 0; k < argc; k++) {
        if (strncmp(argv[k], "core=", 5) == 0) {
            for (c = 0; c < sizeof cores / sizeof cores[0]; c++) {
                if (strcmp(argv[k] + 5, cores[c]->name) == 0) {
                    td_core = cores[c];
                }
            }
            if (td_core == NULL) {
                fprintf(stderr, "td_cycles: no cycle model for core '%s'\n", argv[k] + 5);
                return 1;
            }
        } else if (strncmp(argv[k], "log=", 4) == 0) {
            log = argv[k] + 4;
        } else if (strncmp(argv[k], "mark=", 5) == 0) {
            td_mark_addr = strtoull(argv[k] + 5, NULL, 0) & ~(uint64_t)1;
        } else {
            fprintf(stderr, "td_cycles: unknown argument '%s'\n", argv[k]);
            return 1;
        }
    }
    if (td_core == NULL || log == NULL) {
        fprintf(stderr, "td_cycles: needs core=NAME and log=PATH\n");
        return 1;
    }
    td_log = fopen(log, "w");
    if (td_log == NULL) {
        fprintf(stderr, "td_cycles: cannot write %s\n", log);
        return 1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, td_block_trans);
    qemu_plugin_register_atexit_cb(id, td_at_exit, NULL);
    return 0;
}
