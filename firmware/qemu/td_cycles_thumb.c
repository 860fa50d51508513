/* Thumb decoding into cycle classes, and the per-core figures (td_cycles_thumb.h). */
#include <string.h>

#include "td_cycles_thumb.h"

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

static td_insn_t td_decode16(const td_core_t *c, unsigned h) {
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
static td_insn_t td_decode32(const td_core_t *c, unsigned h1, unsigned h2) {
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
td_insn_t td_insn_cost(const td_core_t *c, const unsigned char *p, size_t size) {
    unsigned h1 = p[0] | (p[1] << 8);
    if (size == 4) {
        return td_decode32(c, h1, p[2] | (p[3] << 8));
    }
    return td_decode16(c, h1);
}

const td_core_t *td_core_named(const char *name) {
    static const td_core_t *const cores[] = {&td_m0, &td_m0plus, &td_m3, &td_m4, &td_m33};
    size_t k;
    for (k = 0; k < sizeof cores / sizeof cores[0]; k++) {
        if (strcmp(name, cores[k]->name) == 0) {
            return cores[k];
        }
    }
    return NULL;
}
