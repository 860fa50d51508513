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
 * a load; a load or store addressed by the ALU result just before it). At execution an
 * inline add per instruction counts it and its cost: per instruction, not per block,
 * because under -icount QEMU abandons a block at a device access that is not its last
 * instruction and re-runs the part up to it uninstrumented (CF_MEMI_ONLY), so only the
 * instructions that ran are counted, once. A callback on a block's final branch, when it
 * runs, leaves what the next block settles: whether a conditional branch was taken (the
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

#include "td_cycles_thumb.h"
#include "td_qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static const td_core_t *td_core;

typedef struct {
    uint64_t pc;            /* first instruction */
    uint64_t fallthrough;   /* after the last one */
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

/* Runs when a block's final branch executes (not when the block was abandoned before it). */
static void td_branch_exec(unsigned int vcpu, void *udata) {
    const td_block_t *b = udata;
    (void)vcpu;
    if (b->cond) {
        td_pending_ft = b->fallthrough;
        td_pending_taken = b->taken;
    }
    td_pending_jump = b->jumps;
}

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
    td_pending_jump = 0;
    if (b->mark && td_log) {
        /* Flushed at once: the host reads the file as soon as the guest has replied. */
        fprintf(td_log, "%" PRIu64 " %" PRIu64 "\n", td_insns, td_cycles);
        fflush(td_log);
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
    b->mark = (b->pc & ~(uint64_t)1) == td_mark_addr;
    for (k = 0; k < n; k++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, k);
        size_t size = qemu_plugin_insn_size(insn);
        td_insn_t i = td_insn_cost(td_core, qemu_plugin_insn_data(insn), size);
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
        b->fallthrough = qemu_plugin_insn_vaddr(insn) + size;
        prev = conditional ? none : i;
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                   &td_insns, 1);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
                                                   &td_cycles, cost);
        if (k == n - 1 && (b->cond || b->jumps)) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, td_branch_exec,
                                                   QEMU_PLUGIN_CB_NO_REGS, b);
        }
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
    const char *log = NULL;
    int k;
    (void)info;
    for (k = 0; k < argc; k++) {
        if (strncmp(argv[k], "core=", 5) == 0) {
            td_core = td_core_named(argv[k] + 5);
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
