/* The td- commands of the serial harness (td_extensions.h) and the per-layer profiling
 * hook the generated model calls (td_profile_layer_end, declared in td_model.h). */
#include <stddef.h>
#include <stdint.h>

#include "td_port.h"
#include "td_model.h"
#include "td_board.h"
#include "td_harness.h"
#include "td_fmt.h"
#include "td_cmdline.h"
#include "td_mlperf.h"
#include "td_input.h"
#include "td_extensions.h"
#if TD_OWN_STARTUP
#include "td_cortexm.h"
#endif

#define TD_NLAYERS_ARR (TD_MODEL_NUM_LAYERS > 0 ? TD_MODEL_NUM_LAYERS : 1)
#define TD_OUT_BYTES_PER_LINE 32u

#ifdef TD_PROFILE_LAYERS
static uint32_t td_prof_end[TD_NLAYERS_ARR];        /* counter after each layer */

/* Called by the generated code after kernel k: one counter read and one store. */
void td_profile_layer_end(int layer) {
    if (layer >= 0 && layer < TD_MODEL_NUM_LAYERS) td_prof_end[layer] = td_port_counter();
}
#endif

/* ---- m-td-<key>-[value] lines ------------------------------------------------------ */

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

/* ---- td-info ----------------------------------------------------------------------- */

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
    const int restore = td_restore_state();
    td_kv_str("model", TD_MODEL_NAME);
    td_kv_str("hash", TD_MODEL_HASH);
    td_kv_str("build", TD_BUILD_ID);
    td_kv_str("board", TD_BOARD_NAME);
    td_kv_str("benchmark", TD_BENCHMARK_ID);
    td_kv_str("timer-unit", "us");
    td_kv_str("clock", TD_PORT_CLOCK);
    td_kv_u32("clock-hz", (uint32_t)TD_BOARD_CPU_HZ);
    td_kv_str("counter-unit", TD_PORT_COUNTER_UNIT);
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
    td_kv_str("input-restore", restore < 0 ? "unknown" : (restore ? "yes" : "no"));
}

/* ---- td-layers, td-out ------------------------------------------------------------- */

static void td_cmd_layers(void) {
#ifdef TD_PROFILE_LAYERS
    int k;
    const uint32_t start = td_infer_start();
    uint32_t prev = start;
    if (!td_results_ready()) {
        td_error("No inference has run yet");
        return;
    }
    td_kv_str("counter-unit", TD_PORT_COUNTER_UNIT);
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
    td_kv_u32("layers-total", (uint32_t)(prev - start));
#else
    td_error("Layer profiling is not compiled in (build with -DTD_PROFILE_LAYERS)");
#endif
}

/* The last infer's window in both units: microseconds (what the lap lines said) and the
 * exact counter (instructions on emulated boards). */
static void td_cmd_timing(void) {
    uint32_t runs, us, count;
    if (!td_results_ready()) {
        td_error("No inference has run yet");
        return;
    }
    td_infer_window(&runs, &us, &count);
    td_kv_u32("runs", runs);
    td_kv_u32("window-us", us);
    td_kv_str("counter-unit", TD_PORT_COUNTER_UNIT);
    td_kv_u32("window-counter", count);
}

/* td-out: every output; td-out K: output K only. */
static void td_cmd_out(int only) {
    int k;
    if (!td_results_ready()) {
        td_error("No inference has run yet");
        return;
    }
    for (k = 0; k < TD_MODEL_NUM_OUTPUTS; k++) {
        if (only >= 0 && k != only) continue;
        {
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
}

/* An index argument below `count`: 0 and *out set, else an error reply and -1. */
static int td_index_arg(const td_tok_t *tok, int nt, int count, const char *what,
                        uint32_t *out) {
    if (nt > 2) {
        td_error_tok("Unexpected argument '", &tok[2], "'");
        return -1;
    }
    if (td_tok_u32(&tok[1], out) != 0) {
        td_bad_number(&tok[1]);
        return -1;
    }
    if (*out >= (uint32_t)count) {
        td_put_str("e-[");
        td_put_str(what);
        td_port_putc(' ');
        td_put_u32(*out);
        td_put_str(" out of range: the model has ");
        td_put_u32((uint32_t)count);
        td_put_line("]");
        return -1;
    }
    return 0;
}

/* td-in K: the input that db load / db fill from now on. */
static void td_cmd_in(const td_tok_t *tok, int nt) {
    uint32_t k;
    if (nt < 2) {
        td_error("Command 'td-in' requires the input index");
        return;
    }
    if (td_index_arg(tok, nt, TD_MODEL_NUM_INPUTS, "Input", &k) != 0) return;
    (void)td_db_select((int)k);
    td_kv_begin("in");
    td_put_u32(k);
    td_port_putc(',');
    td_put_u32(td_in_capacity((int)k));
    td_put_line("]");
}

/* ---- dispatch ---------------------------------------------------------------------- */

int td_extension_command(const td_tok_t *tok, int nt) {
    if (td_tok_is(&tok[0], "td-info")) {
        if (td_no_args(tok, nt)) td_cmd_info();
    } else if (td_tok_is(&tok[0], "td-layers")) {
        if (td_no_args(tok, nt)) td_cmd_layers();
    } else if (td_tok_is(&tok[0], "td-timing")) {
        if (td_no_args(tok, nt)) td_cmd_timing();
    } else if (td_tok_is(&tok[0], "td-out")) {
        uint32_t k;
        if (nt == 1) {
            td_cmd_out(-1);
        } else if (td_index_arg(tok, nt, TD_MODEL_NUM_OUTPUTS, "Output", &k) == 0) {
            td_cmd_out((int)k);
        }
    } else if (td_tok_is(&tok[0], "td-in")) {
        td_cmd_in(tok, nt);
#if TD_OWN_STARTUP
    } else if (td_tok_is(&tok[0], "td-stack")) {
        if (td_no_args(tok, nt)) {      /* td_startup.c's painted stack */
            td_kv_u32("stack-used", td_stack_used());
            td_kv_u32("stack-reserved", td_stack_reserved());
        }
#endif
    } else {
        return 0;
    }
    return 1;
}
