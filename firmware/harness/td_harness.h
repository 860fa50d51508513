/* The MLPerf Tiny / EEMBC serial harness (see docs/protocol.md): configuration constants,
 * build-time defaults and checks. The board header (generated per board) selects the
 * input and results modes with the constants below. */
#ifndef TD_HARNESS_H
#define TD_HARNESS_H

/* TD_INPUT_MODE: what the `db` buffer holds */
#define TD_INPUT_INT8 0          /* raw bytes of the int8 input tensor */
#define TD_INPUT_UINT8_OFFSET 1  /* uint8 pixels; the device subtracts 128 (ic01, vww01) */
#define TD_INPUT_FLOAT32 2       /* little-endian float32; the device quantizes (ad01) */

/* TD_RESULTS_MODE: what m-results-[...] prints */
#define TD_RESULTS_SCORES 0      /* every output value, dequantized */
#define TD_RESULTS_MSE 1         /* mean squared error of the dequantized output against
                                    the float input (the AD benchmark's anomaly score) */

#define TD_CMD_MAX 80            /* command characters before the '%' */
#define TD_FW_VERSION "ULPMark for tinyML Firmware V0.0.1"

#include "td_board.h"
#include "td_model.h"

#ifndef TD_BOARD_NAME
#define TD_BOARD_NAME "unknown"
#endif
#ifndef TD_PORT_COUNTER_UNIT
#define TD_PORT_COUNTER_UNIT "us"
#endif
#ifndef TD_BOARD_CPU_HZ
#define TD_BOARD_CPU_HZ 0u         /* unknown */
#endif
#ifndef TD_PORT_CLOCK
#define TD_PORT_CLOCK "hardware"   /* "virtual" on emulated boards (td_port.h) */
#endif
#ifndef TD_VENDOR_NAME
#define TD_VENDOR_NAME "tinydeploy"
#endif
#ifndef TD_BENCHMARK_ID
#define TD_BENCHMARK_ID TD_MODEL_NAME
#endif
#ifndef TD_BUILD_ID
#define TD_BUILD_ID TD_MODEL_HASH
#endif
#ifndef TD_INPUT_MODE
#define TD_INPUT_MODE TD_INPUT_INT8
#endif
#ifndef TD_RESULTS_MODE
#define TD_RESULTS_MODE TD_RESULTS_SCORES
#endif
#ifndef TD_ENERGY_MODE
#define TD_ENERGY_MODE 0         /* 1: timestamps are marker-pin pulses, not m-lap-us lines */
#endif

#if TD_INPUT_MODE != TD_INPUT_INT8 && TD_INPUT_MODE != TD_INPUT_UINT8_OFFSET && \
    TD_INPUT_MODE != TD_INPUT_FLOAT32
#error "TD_INPUT_MODE must be TD_INPUT_INT8, TD_INPUT_UINT8_OFFSET or TD_INPUT_FLOAT32"
#endif
#if TD_RESULTS_MODE != TD_RESULTS_SCORES && TD_RESULTS_MODE != TD_RESULTS_MSE
#error "TD_RESULTS_MODE must be TD_RESULTS_SCORES or TD_RESULTS_MSE"
#endif
#if TD_MODEL_NUM_INPUTS > 1 && TD_INPUT_MODE != TD_INPUT_INT8
#error "a model with several inputs takes raw input bytes (TD_INPUT_INT8): no benchmark input mode"
#endif
#if TD_INPUT_MODE != TD_INPUT_INT8 && TD_MODEL_INPUT0_DTYPE != TD_DTYPE_INT8
#error "the uint8-offset and float32 input modes convert into an int8 input; this model's input is not int8"
#endif
#if TD_RESULTS_MODE == TD_RESULTS_MSE && TD_MODEL_OUTPUT_BYTES != TD_MODEL_INPUT_BYTES
#error "TD_RESULTS_MSE needs an output with as many values as the input (an autoencoder)"
#endif
#if TD_RESULTS_MODE == TD_RESULTS_MSE && (TD_MODEL_OUTPUT0_DTYPE != TD_DTYPE_INT8 || \
    TD_MODEL_INPUT0_DTYPE != TD_DTYPE_INT8)
#error "TD_RESULTS_MSE needs an int8 input and output"
#endif

/* Bytes the `db` buffer of input 0 holds: its byte count, four per value in float32 mode.
 * Inputs 1.. (selected with td-in K) take their tensors' raw bytes. */
#if TD_INPUT_MODE == TD_INPUT_FLOAT32
#define TD_DB_BYTES (TD_MODEL_INPUT_BYTES * 4)
#else
#define TD_DB_BYTES TD_MODEL_INPUT_BYTES
#endif

#ifdef __cplusplus
extern "C" {
#endif
void td_harness_init(void);   /* port, boot banner */
void td_harness_poll(void);   /* serve at most one received byte; returns at once if none */
#ifdef __cplusplus
}
#endif

#endif
