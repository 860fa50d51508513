/* The device side of the MLPerf Tiny / EEMBC serial protocol (docs/protocol.md).
 *
 * main() boots, then reads bytes with td_port_getc() into an 80-character command buffer
 * and runs each '%'-terminated command; every reply ends with m-ready. Nothing here can
 * overflow: over-long commands are refused, tokens are (pointer, length) pairs into the
 * buffer (so NUL bytes are just characters), and all echoed text is sanitized. */
#include <stddef.h>
#include <stdint.h>

#include "td_port.h"
#include "td_model.h"
#include "td_board.h"
#include "td_harness.h"
#include "td_fmt.h"
#include "td_input.h"

#define TD_MAX_TOKENS 4
#define TD_NLAYERS_ARR (TD_MODEL_NUM_LAYERS > 0 ? TD_MODEL_NUM_LAYERS : 1)

typedef struct {
    const char *p;
    size_t n;
} td_tok_t;

/* ---- command reader ---------------------------------------------------------------- */

static char td_cmd[TD_CMD_MAX];
static size_t td_cmd_len;
static int td_cmd_overflow;

/* Feeds one received byte; returns 1 when a complete command ('%') is waiting. */
static int td_rx(char c) {
    if (c == '%') return 1;
    if (c == '\r' || c == '\n') return 0;   /* terminal habits; never part of a command */
    if (td_cmd_len < TD_CMD_MAX) {
        td_cmd[td_cmd_len++] = c;
    } else {
        td_cmd_overflow = 1;                /* keep discarding up to the next '%' */
    }
    return 0;
}

static int td_tokenize(td_tok_t *tok, int max) {
    size_t i = 0;
    int nt = 0;
    while (i < td_cmd_len) {
        size_t start;
        while (i < td_cmd_len && td_cmd[i] == ' ') i++;
        if (i >= td_cmd_len) break;
        start = i;
        while (i < td_cmd_len && td_cmd[i] != ' ') i++;
        if (nt == max) return max + 1;      /* too many */
        tok[nt].p = td_cmd + start;
        tok[nt].n = i - start;
        nt++;
    }
    return nt;
}

static int td_tok_is(const td_tok_t *t, const char *s) {
    size_t i;
    for (i = 0; i < t->n; i++) {
        if (s[i] == '\0' || s[i] != t->p[i]) return 0;
    }
    return s[i] == '\0';
}

/* Unsigned decimal, digits only, no overflow. Returns 0 on success. */
static int td_tok_u32(const td_tok_t *t, uint32_t *out) {
    uint32_t v = 0;
    size_t i;
    if (t->n == 0 || t->n > 10) return -1;
    for (i = 0; i < t->n; i++) {
        uint32_t d;
        if (t->p[i] < '0' || t->p[i] > '9') return -1;
        d = (uint32_t)(t->p[i] - '0');
        if (v > (0xffffffffu - d) / 10u) return -1;
        v = v * 10u + d;
    }
    *out = v;
    return 0;
}

/* ---- reply helpers ----------------------------------------------------------------- */

static void td_error(const char *msg) {
    td_put_str("e-[");
    td_put_str(msg);
    td_put_line("]");
}

static void td_error_tok(const char *msg, const td_tok_t *t, const char *tail) {
    td_put_str("e-[");
    td_put_str(msg);
    td_put_mem(t->p, t->n);
    td_put_str(tail);
    td_put_line("]");
}

static void td_bad_number(const td_tok_t *t) {
    td_error_tok("Invalid number '", t, "'");
}

static int td_no_args(const td_tok_t *tok, int nt) {
    if (nt > 1) {
        td_error_tok("Unexpected argument '", &tok[1], "'");
        return 0;
    }
    return 1;
}

static void td_kv_begin(const char *key) {
    td_put_str("m-td-");
    td_put_str(key);
    td_put_str("-[");
}

static void td_kv_str(const char *key, const char *value) {
    td_kv_begin(key);
    td_put_str(value);
    td_put_line("]");
}

static void td_kv_u32(const char *key, uint32_t value) {
    td_kv_begin(key);
    td_put_u32(value);
    td_put_line("]");
}

/* ---- timing and profiling ---------------------------------------------------------- */

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
static void td_timestamp(void) {
#if TD_ENERGY_MODE
    td_marker_pulse();
#else
    td_put_lap(td_port_timer());
#endif
}

static uint32_t td_prof_start;                       /* timer before the last invoke */
#ifdef TD_PROFILE_LAYERS
static uint32_t td_prof_end[TD_NLAYERS_ARR];        /* timer after each layer */

/* Called by the generated code after kernel k: one timer read and one store. */
void td_profile_layer_end(int layer) {
    if (layer >= 0 && layer < TD_MODEL_NUM_LAYERS) td_prof_end[layer] = td_port_timer();
}
#endif

/* ---- inference --------------------------------------------------------------------- */

static int td_have_results;      /* an inference has completed since boot */
static int td_restore_each;      /* the plan reuses the input bytes: copy it back each time */
static int td_restore_known;     /* td_restore_each was measured (at least one warm-up) */
#if TD_RESULTS_MODE == TD_RESULTS_MSE
static float td_mse;             /* computed at infer time: a later db load changes the input */
#endif

static void td_run_once(void) {
    if (td_restore_each) td_input_restore();
    td_prof_start = td_port_timer();
    td_model_invoke();
}

static float td_dequant_out(uint32_t i) {
    const int8_t *out = td_model_output(0);
    return (float)((int32_t)out[i] - td_model_outputs[0].zero_point) *
           td_model_outputs[0].scale;
}

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
        const uint32_t n = (uint32_t)td_model_outputs[0].bytes;
        for (i = 0; i < n; i++) {
            if (i != 0u) td_port_putc(',');
            td_put_fixed(td_dequant_out(i), 3);
        }
    }
#endif
    td_put_line("]");
}

static void td_cmd_infer(const td_tok_t *tok, int nt) {
    uint32_t n = 1u, w = 10u, i;   /* the reference's defaults */
    int st;
#if !TD_ENERGY_MODE
    uint32_t t0, t1;
#endif
    if (nt > 3) {
        td_error_tok("Unexpected argument '", &tok[3], "'");
        return;
    }
    if (nt >= 2 && td_tok_u32(&tok[1], &n) != 0) {
        td_bad_number(&tok[1]);
        return;
    }
    if (nt >= 3 && td_tok_u32(&tok[2], &w) != 0) {
        td_bad_number(&tok[2]);
        return;
    }
    if (n == 0u) {
        td_error("Inference iterations must be >0");
        return;
    }
    st = td_input_check();
    if (st == 1) {
        td_error("No input loaded: send db load <N> and db <hex> first");
        return;
    }
    if (st == 2) {
        td_put_str("e-[Input incomplete: ");
        td_put_u32(td_db_received());
        td_put_str(" of ");
        td_put_u32(td_db_expected());
        td_put_line(" bytes loaded]");
        return;
    }
    if (st == 3) {
        td_put_str("e-[Input needs ");
        td_put_u32((uint32_t)TD_DB_BYTES);
        td_put_str(" bytes, ");
        td_put_u32(td_db_expected());
        td_put_line(" loaded]");
        return;
    }

    td_input_apply();                /* untimed, like the reference's th_load_tensor() */
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
    td_put_str("m-infer-start-");
    td_put_u32(n);
    td_put_eol();
#if TD_ENERGY_MODE
    td_timestamp();
    for (i = 0; i < n; i++) td_run_once();
    td_timestamp();
#else
    /* Both lap lines are printed after the loop so that sending them is not timed. The
     * marker pin (if the board has one) is low exactly while the timed runs execute, so a
     * current probe's logic input (PPK2 D0) can frame the inference window. */
    td_port_marker(0);
    t0 = td_port_timer();
    for (i = 0; i < n; i++) td_run_once();
    t1 = td_port_timer();
    td_port_marker(1);
    td_put_lap(t0);
    td_put_lap(t1);
#endif
    td_put_line("m-infer-done");
#if TD_RESULTS_MODE == TD_RESULTS_MSE
    td_mse = td_compute_mse();
#endif
    td_have_results = 1;
    td_print_results();
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
            td_put_u32((uint32_t)TD_DB_BYTES);
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

/* ---- tinydeploy additions ---------------------------------------------------------- */

static const char *td_input_mode_name(void) {
#if TD_INPUT_MODE == TD_INPUT_INT8
    return "int8";
#elif TD_INPUT_MODE == TD_INPUT_UINT8_OFFSET
    return "uint8-offset";
#else
    return "float32";
#endif
}

static void td_put_tensor(const char *key, int index, const td_tensor_info_t *t) {
    int32_t d;
    td_kv_begin(key);
    td_put_i32(index);
    td_port_putc(',');
    for (d = 0; d < t->ndim && d < TD_MAX_TENSOR_DIMS; d++) {
        if (d != 0) td_port_putc('x');
        td_put_i32(t->dims[d]);
    }
    td_port_putc(',');
    td_put_i32(t->bytes);
    td_port_putc(',');
    td_put_sci(t->scale, 9);
    td_port_putc(',');
    td_put_i32(t->zero_point);
    td_port_putc(',');
    td_put_str(t->name);
    td_put_line("]");
}

static void td_cmd_info(void) {
    int i;
    td_kv_str("model", TD_MODEL_NAME);
    td_kv_str("hash", TD_MODEL_HASH);
    td_kv_str("build", TD_BUILD_ID);
    td_kv_str("board", TD_BOARD_NAME);
    td_kv_str("benchmark", TD_BENCHMARK_ID);
    td_kv_str("timer-unit", TD_PORT_TIMER_UNIT);
    td_kv_str("input-mode", td_input_mode_name());
    td_kv_str("results-mode", TD_RESULTS_MODE == TD_RESULTS_MSE ? "mse" : "scores");
    for (i = 0; i < TD_MODEL_NUM_INPUTS; i++) td_put_tensor("input", i, &td_model_inputs[i]);
    for (i = 0; i < TD_MODEL_NUM_OUTPUTS; i++) td_put_tensor("output", i, &td_model_outputs[i]);
    td_kv_u32("arena-bytes", (uint32_t)TD_MODEL_ARENA_BYTES);
    td_kv_u32("layers", (uint32_t)TD_MODEL_NUM_LAYERS);
    td_kv_u32("db-bytes", (uint32_t)TD_DB_BYTES);
#ifdef TD_PROFILE_LAYERS
    td_kv_str("profiling", "on");
#else
    td_kv_str("profiling", "off");
#endif
    td_kv_str("input-restore", !td_restore_known ? "unknown" : (td_restore_each ? "yes" : "no"));
}

static void td_cmd_layers(void) {
#ifdef TD_PROFILE_LAYERS
    int k;
    uint32_t prev = td_prof_start;
    if (!td_have_results) {
        td_error("No inference has run yet");
        return;
    }
    td_kv_str("timer-unit", TD_PORT_TIMER_UNIT);
    for (k = 0; k < TD_MODEL_NUM_LAYERS; k++) {
        td_kv_begin("layer");
        td_put_i32(k);
        td_port_putc(',');
        td_put_str(td_model_layers[k].op);
        td_port_putc(',');
        td_put_i32(td_model_layers[k].tflite_index);
        td_port_putc(',');
        td_put_u32(td_model_layers[k].macs);
        td_port_putc(',');
        td_put_u32((uint32_t)(td_prof_end[k] - prev));   /* wraps correctly */
        td_put_line("]");
        prev = td_prof_end[k];
    }
    td_kv_u32("layers-total", (uint32_t)(prev - td_prof_start));
#else
    td_error("Layer profiling is not compiled in (build with -DTD_PROFILE_LAYERS)");
#endif
}

#define TD_OUT_BYTES_PER_LINE 32u

static void td_cmd_out(void) {
    int k;
    if (!td_have_results) {
        td_error("No inference has run yet");
        return;
    }
    for (k = 0; k < TD_MODEL_NUM_OUTPUTS; k++) {
        const int8_t *o = td_model_output(k);
        const uint32_t n = (uint32_t)td_model_outputs[k].bytes;
        uint32_t i;
        td_kv_begin("out");
        td_put_i32(k);
        td_port_putc(',');
        td_put_u32(n);
        td_put_line("]");
        for (i = 0; i < n; i++) {
            if (i % TD_OUT_BYTES_PER_LINE == 0u) td_kv_begin("out-hex");
            td_put_hex8((uint8_t)o[i]);
            if (i % TD_OUT_BYTES_PER_LINE == TD_OUT_BYTES_PER_LINE - 1u || i + 1u == n) {
                td_put_line("]");
            }
        }
    }
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
        "td-info       : model, board, timer unit, tensors, arena",
        "td-layers     : per-layer time of the last inference (timer unit)",
        "td-out        : raw int8 outputs of the last inference as hex",
    };
    size_t i;
    for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        td_put_str("m-help-[");
        td_put_str(lines[i]);
        td_put_line("]");
    }
}

/* ---- dispatch ---------------------------------------------------------------------- */

static void td_dispatch(void) {
    td_tok_t tok[TD_MAX_TOKENS];
    int nt;
    if (td_cmd_overflow) {
        td_error("Command too long: more than 80 characters before '%'");
        return;
    }
    nt = td_tokenize(tok, TD_MAX_TOKENS);
    if (nt == 0) return;             /* a bare '%' only asks for m-ready: hosts sync with it */
    if (nt > TD_MAX_TOKENS) {
        td_put_str("e-[Too many arguments for '");
        td_put_mem(tok[0].p, tok[0].n);
        td_put_line("']");
        return;
    }
    if (td_tok_is(&tok[0], "name")) {
        if (td_no_args(tok, nt)) {
            td_put_str("m-name-dut-[");
            td_put_str(TD_VENDOR_NAME);
            td_put_line("]");
        }
    } else if (td_tok_is(&tok[0], "profile")) {
        if (td_no_args(tok, nt)) {
            td_put_line("m-profile-[" TD_FW_VERSION "]");
            td_put_str("m-model-[");
            td_put_str(TD_BENCHMARK_ID);
            td_put_line("]");
        }
    } else if (td_tok_is(&tok[0], "timestamp")) {
        if (td_no_args(tok, nt)) td_timestamp();
    } else if (td_tok_is(&tok[0], "help")) {
        if (td_no_args(tok, nt)) td_cmd_help();
    } else if (td_tok_is(&tok[0], "db")) {
        td_cmd_db(tok, nt);
    } else if (td_tok_is(&tok[0], "infer")) {
        td_cmd_infer(tok, nt);
    } else if (td_tok_is(&tok[0], "results")) {
        if (!td_no_args(tok, nt)) return;
        if (td_have_results) {
            td_print_results();
        } else {
            td_error("No inference has run yet");
        }
    } else if (td_tok_is(&tok[0], "td-info")) {
        if (td_no_args(tok, nt)) td_cmd_info();
    } else if (td_tok_is(&tok[0], "td-layers")) {
        if (td_no_args(tok, nt)) td_cmd_layers();
    } else if (td_tok_is(&tok[0], "td-out")) {
        if (td_no_args(tok, nt)) td_cmd_out();
    } else {
        td_error_tok("Unknown command: ", &tok[0], "");
    }
}

void td_harness_init(void) {
    td_port_init();
    td_port_marker(1);                 /* idle high: low marks timed work */
#if TD_ENERGY_MODE
    td_put_line("m-timestamp-mode-energy");
#else
    td_put_line("m-timestamp-mode-performance");
#endif
    td_timestamp();
    td_put_line("m-init-done");
    td_put_line("m-ready");
}

void td_harness_poll(void) {
    int c = td_port_getc();
    if (c < 0) return;
    if (td_rx((char)c)) {
        td_dispatch();
        td_cmd_len = 0;
        td_cmd_overflow = 0;
        td_put_line("m-ready");
    }
}

#ifndef ARDUINO
/* Arduino sketches call td_harness_init() from setup() and td_harness_poll() from loop(). */
int main(void) {
    td_harness_init();
    for (;;) td_harness_poll();
}
#endif
