/* The standard MLPerf Tiny commands of the serial harness (td_mlperf.h). Replies follow
 * the reference firmware (mlcommons/tiny, benchmark/api/) with its holes closed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "td_port.h"
#include "td_model.h"
#include "td_board.h"
#include "td_harness.h"
#include "td_fmt.h"
#include "td_input.h"
#include "td_cmdline.h"
#include "td_mlperf.h"

/* ---- timing ------------------------------------------------------------------------ */

#if !TD_ENERGY_MODE
static void td_put_lap(uint32_t t) {
    td_put_str("m-lap-us-");
    td_put_u32(t);
    td_put_eol();
}
#endif

#if TD_ENERGY_MODE
/* Energy mode: a falling edge held for a few timer ticks (>= 1 us on "us" boards). */
static void td_marker_pulse(void) {
    uint32_t t0 = td_port_timer();
    td_port_marker(0);
    while ((uint32_t)(td_port_timer() - t0) < 2u) {
    }
    td_port_marker(1);
}
#endif

/* The standard `timestamp`: a lap line now (performance) or a marker pulse (energy). */
void td_timestamp(void) {
#if TD_ENERGY_MODE
    td_marker_pulse();
#else
    td_put_lap(td_port_timer());
#endif
}

/* ---- inference --------------------------------------------------------------------- */

static uint32_t td_prof_start;   /* td_port_counter() before the last invoke */
static uint32_t td_win_runs, td_win_us, td_win_count;   /* the last infer's timed window */
static int td_have_results;      /* an inference has completed since boot */
static int td_restore_each;      /* the plan reuses the input bytes: copy it back each time */
static int td_restore_known;     /* td_restore_each was measured (at least one warm-up) */
#if TD_RESULTS_MODE == TD_RESULTS_MSE
static float td_mse;             /* computed at infer time: a later db load changes the input */
#endif

int td_results_ready(void) {
    return td_have_results;
}

int td_restore_state(void) {
    return td_restore_known ? td_restore_each : -1;
}

uint32_t td_infer_start(void) {
    return td_prof_start;
}

void td_infer_window(uint32_t *runs, uint32_t *us, uint32_t *count) {
    *runs = td_win_runs;
    *us = td_win_us;
    *count = td_win_count;
}

static void td_run_once(void) {
    if (td_restore_each) td_input_restore();
    td_prof_start = td_port_counter();
    td_model_invoke();
}

/* Output 0's value i as a float: int8 dequantized, float32 as it is, indices converted. */
static float td_dequant_out(uint32_t i) {
    const int8_t *out = td_model_output(0);
    switch (td_model_outputs[0].dtype) {
    case TD_DTYPE_FLOAT32: {
        float f;
        memcpy(&f, out + 4u * i, sizeof f);
        return f;
    }
    case TD_DTYPE_INT32: {
        int32_t v;
        memcpy(&v, out + 4u * i, sizeof v);
        return (float)v;
    }
    case TD_DTYPE_INT64: {
        int64_t v;
        memcpy(&v, out + 8u * i, sizeof v);
        return (float)v;
    }
    case TD_DTYPE_INT16: {
        int16_t v;
        memcpy(&v, out + 2u * i, sizeof v);
        return (float)((int32_t)v - td_model_outputs[0].zero_point) * td_model_outputs[0].scale;
    }
    default:
        return (float)((int32_t)out[i] - td_model_outputs[0].zero_point) *
               td_model_outputs[0].scale;
    }
}

#if TD_RESULTS_MODE != TD_RESULTS_MSE
static uint32_t td_out_count(void) {
    const int32_t dt = td_model_outputs[0].dtype;
    const uint32_t size = dt == TD_DTYPE_INT64 ? 8u
                          : (dt == TD_DTYPE_INT8 ? 1u : (dt == TD_DTYPE_INT16 ? 2u : 4u));
    return (uint32_t)td_model_outputs[0].bytes / size;
}
#endif

#if TD_RESULTS_MODE == TD_RESULTS_MSE
static float td_compute_mse(void) {
    float sum = 0.0f;
    uint32_t i;
    for (i = 0; i < (uint32_t)TD_MODEL_OUTPUT_BYTES; i++) {
        float diff = td_dequant_out(i) - td_input_value(i);
        float sq = diff * diff;      /* separate statements: never fused into an FMA */
        sum = sum + sq;
    }
    return sum / (float)TD_MODEL_OUTPUT_BYTES;
}
#endif

static void td_print_results(void) {
    td_put_str("m-results-[");
#if TD_RESULTS_MODE == TD_RESULTS_MSE
    td_put_fixed(td_mse, 3);
#else
    {
        uint32_t i;
        const uint32_t n = td_out_count();
        for (i = 0; i < n; i++) {
            if (i != 0u) td_port_putc(',');
            td_put_fixed(td_dequant_out(i), 3);
        }
    }
#endif
    td_put_line("]");
}

/* `infer [N [W]]`'s numbers (the reference's defaults 1 and 10); 0 after an error reply. */
static int td_infer_args(const td_tok_t *tok, int nt, uint32_t *n, uint32_t *w) {
    *n = 1u;
    *w = 10u;
    if (nt > 3) {
        td_error_tok("Unexpected argument '", &tok[3], "'");
        return 0;
    }
    if (nt >= 2 && td_tok_u32(&tok[1], n) != 0) {
        td_bad_number(&tok[1]);
        return 0;
    }
    if (nt >= 3 && td_tok_u32(&tok[2], w) != 0) {
        td_bad_number(&tok[2]);
        return 0;
    }
    if (*n == 0u) {
        td_error("Inference iterations must be >0");
        return 0;
    }
    return 1;
}

/* 1 when every input is completely loaded; else 0 after an error reply naming the input
 * (its number when the model has several) and what is missing. */
static int td_infer_inputs_ready(void) {
    int k = 0;
    const int st = td_input_check(&k);
    if (st == 0) return 1;
    if (st == 1) {
        if (k == 0) {
            td_error("No input loaded: send db load <N> and db <hex> first");
        } else {
            td_put_str("e-[No input ");
            td_put_u32((uint32_t)k);
            td_put_str(" loaded: send td-in ");
            td_put_u32((uint32_t)k);
            td_put_line(", db load <N> and db <hex> first]");
        }
        return 0;
    }
    td_put_str("e-[Input ");
    if (k != 0) {
        td_put_u32((uint32_t)k);
        td_port_putc(' ');
    }
    if (st == 2) {
        td_put_str("incomplete: ");
        td_put_u32(td_in_received(k));
        td_put_str(" of ");
        td_put_u32(td_in_expected(k));
        td_put_line(" bytes loaded]");
    } else {
        td_put_str("needs ");
        td_put_u32(td_in_capacity(k));
        td_put_str(" bytes, ");
        td_put_u32(td_in_expected(k));
        td_put_line(" loaded]");
    }
    return 0;
}

/* W untimed runs; the first one also tells whether the input must be restored each time. */
static void td_warmup(uint32_t w) {
    uint32_t i;
    /* Until a warm-up shows the input survives an inference, copy it back every time. */
    td_restore_each = 1;
    td_restore_known = 0;
    td_put_str("m-warmup-start-");
    td_put_u32(w);
    td_put_eol();
    for (i = 0; i < w; i++) {
        td_run_once();
        if (i == 0u) {
            /* The model is deterministic: if the input bytes are unchanged after one run,
             * every later run starts from the same state and needs no copy. */
            td_restore_each = !td_input_intact();
            td_restore_known = 1;
        }
    }
    td_put_line("m-warmup-done");
}

/* N timed runs, framed by timestamps (energy mode) or lap lines; records the window. */
static void td_timed_runs(uint32_t n) {
    uint32_t t0, t1, c0, c1, i;
    td_put_str("m-infer-start-");
    td_put_u32(n);
    td_put_eol();
#if TD_ENERGY_MODE
    td_timestamp();
    t0 = td_port_timer();
    c0 = td_port_counter();
    for (i = 0; i < n; i++) td_run_once();
    c1 = td_port_counter();
    t1 = td_port_timer();
    td_timestamp();
#else
    /* Both lap lines are printed after the loop so that sending them is not timed. The
     * marker pin (if the board has one) is low exactly while the timed runs execute, so a
     * current probe's logic input (PPK2 D0) can frame the inference window. */
    td_port_marker(0);
    t0 = td_port_timer();
    c0 = td_port_counter();          /* innermost: the exact count frames only the runs */
    for (i = 0; i < n; i++) td_run_once();
    c1 = td_port_counter();
    t1 = td_port_timer();
    td_port_marker(1);
    td_put_lap(t0);
    td_put_lap(t1);
#endif
    td_win_runs = n;
    td_win_us = t1 - t0;
    td_win_count = c1 - c0;
    td_put_line("m-infer-done");
}

static void td_cmd_infer(const td_tok_t *tok, int nt) {
    uint32_t n, w;
    if (!td_infer_args(tok, nt, &n, &w) || !td_infer_inputs_ready()) return;
    td_input_apply();                /* untimed, like the reference's th_load_tensor() */
    td_warmup(w);
    td_timed_runs(n);
#if TD_RESULTS_MODE == TD_RESULTS_MSE
    td_mse = td_compute_mse();
#endif
    td_have_results = 1;
    td_print_results();
}

static void td_cmd_results(void) {
    if (td_have_results) {
        td_print_results();
    } else {
        td_error("No inference has run yet");
    }
}

/* ---- db ---------------------------------------------------------------------------- */

static void td_cmd_db_print(void) {
    const uint8_t *b = td_db_bytes();
    uint32_t i, n = td_db_expected();
    for (i = 0; i < n; i++) {
        if (i % 8u == 0u) td_put_str("m-buffer-");
        td_put_hex8(b[i]);
        if (i % 8u == 7u || i + 1u == n) {
            td_put_eol();
        } else {
            td_port_putc('-');
        }
    }
}

static void td_cmd_db(const td_tok_t *tok, int nt) {
    if (nt < 2) {
        td_error("Command 'db' requires a subcommand");
        return;
    }
    if (td_tok_is(&tok[1], "load")) {
        uint32_t n;
        if (nt < 3) {
            td_error("Command 'db load' requires the # of bytes");
        } else if (nt > 3) {
            td_error_tok("Unexpected argument '", &tok[3], "'");
        } else if (td_tok_u32(&tok[2], &n) != 0) {
            td_db_reset();
            td_bad_number(&tok[2]);
        } else if (td_db_load(n) != 0) {
            td_put_str("e-[Command 'db load' needs 1 to ");
            td_put_u32(td_in_capacity(td_db_selected()));
            td_put_str(" bytes, got ");
            td_put_u32(n);
            td_put_line("]");
        } else {
            td_put_str("m-[Expecting ");
            td_put_u32(n);
            td_put_line(" bytes]");
        }
        return;
    }
    if (nt > 2) {
        td_error_tok("Unexpected argument '", &tok[2], "'");
        return;
    }
    if (td_tok_is(&tok[1], "print")) {
        td_cmd_db_print();
        return;
    }
    {
        size_t bad = 0;
        int r = td_db_hex(tok[1].p, tok[1].n, &bad);
        if (r == TD_HEX_DONE) {
            td_put_line("m-load-done");
        } else if (r == TD_HEX_ODD) {
            td_error("Insufficent number of hex digits");   /* the reference's spelling */
        } else if (r == TD_HEX_BAD) {
            td_tok_t pair;
            pair.p = tok[1].p + bad;
            pair.n = 2;
            td_error_tok("Invalid hex digit '", &pair, "'");
        } else if (r == TD_HEX_NO_LOAD) {
            td_error("No db load in progress: send db load <N> first");
        }
    }
}

/* ---- name, profile, help ----------------------------------------------------------- */

static void td_cmd_name(void) {
    td_put_str("m-name-dut-[");
    td_put_str(TD_VENDOR_NAME);
    td_put_line("]");
}

static void td_cmd_profile(void) {
    td_put_line("m-profile-[" TD_FW_VERSION "]");
    td_put_str("m-model-[");
    td_put_str(TD_BENCHMARK_ID);
    td_put_line("]");
}

static void td_cmd_help(void) {
    static const char *const lines[] = {
        TD_FW_VERSION,
        "help          : print this information",
        "name          : print the name of the device",
        "profile       : print the firmware profile and the model id",
        "timestamp     : print the device timer",
        "db load N     : expect N bytes of input",
        "db HH[HH]*    : load hex bytes until N have arrived",
        "db print      : print the loaded bytes as hex",
        "infer N [W=10]: load the input, run W warm-ups and N timed inferences",
        "results       : print the results of the last inference again",
        "td-info       : model, board, clock, counter unit, tensors, arena",
        "td-layers     : per-layer counts of the last inference (counter unit)",
        "td-timing     : the last infer window in us and in the counter unit",
        "td-out [K]    : raw output bytes of the last inference as hex (all, or K)",
        "td-in K       : select the input db load / db fill (0 at boot)",
    };
    size_t i;
    for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        td_put_str("m-help-[");
        td_put_str(lines[i]);
        td_put_line("]");
    }
}

/* ---- dispatch ---------------------------------------------------------------------- */

int td_mlperf_command(const td_tok_t *tok, int nt) {
    if (td_tok_is(&tok[0], "name")) {
        if (td_no_args(tok, nt)) td_cmd_name();
    } else if (td_tok_is(&tok[0], "profile")) {
        if (td_no_args(tok, nt)) td_cmd_profile();
    } else if (td_tok_is(&tok[0], "timestamp")) {
        if (td_no_args(tok, nt)) td_timestamp();
    } else if (td_tok_is(&tok[0], "help")) {
        if (td_no_args(tok, nt)) td_cmd_help();
    } else if (td_tok_is(&tok[0], "db")) {
        td_cmd_db(tok, nt);
    } else if (td_tok_is(&tok[0], "infer")) {
        td_cmd_infer(tok, nt);
    } else if (td_tok_is(&tok[0], "results")) {
        if (td_no_args(tok, nt)) td_cmd_results();
    } else {
        return 0;
    }
    return 1;
}
