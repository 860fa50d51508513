/* The `db` input buffer and its conversion into the model's int8 input tensor.
 *
 * Contract: td_db_load(n) starts a load of n bytes (1..TD_DB_BYTES); td_db_hex() appends
 * bytes given as hex text and says when the load is complete; td_input_check() says
 * whether a complete input of exactly TD_DB_BYTES bytes is loaded; td_input_apply()
 * converts it into the model input (int8 copy, uint8 - 128, or float32 quantization);
 * td_input_restore() / td_input_intact() copy it back and compare it, for memory plans
 * that reuse the input tensor's bytes during an inference. */
#ifndef TD_INPUT_H
#define TD_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* td_db_hex results */
#define TD_HEX_OK 0          /* bytes stored, load still incomplete (or already complete) */
#define TD_HEX_DONE 1        /* this call completed the load: print m-load-done */
#define TD_HEX_ODD (-1)      /* odd number of digits; nothing stored */
#define TD_HEX_BAD (-2)      /* invalid digit pair at *bad_at; nothing stored */
#define TD_HEX_NO_LOAD (-3)  /* no db load in progress */

/* Several inputs: td_db_select(k) (the td-in K command) picks the input that td_db_load,
 * td_db_hex, td_db_expected/received/bytes and td_db_reset act on (0 at boot); input 0 is
 * converted by the input mode, inputs 1.. are raw tensor bytes. */
int td_db_select(int k);                /* 0 if 0 <= k < TD_MODEL_NUM_INPUTS, else -1 */
int td_db_selected(void);
uint32_t td_in_capacity(int k);         /* bytes a load of input k must bring */
uint32_t td_in_expected(int k);
uint32_t td_in_received(int k);
void td_db_reset(void);                 /* forget the selected input */
int td_db_load(uint32_t n);             /* 0 if accepted, -1 if n is 0 or too large */
int td_db_hex(const char *hex, size_t len, size_t *bad_at);
uint32_t td_db_expected(void);          /* n of the last accepted db load, else 0 */
uint32_t td_db_received(void);
const uint8_t *td_db_bytes(void);

/* 0: every input ready; else for the first input *which that is not: 1: nothing loaded;
 * 2: load incomplete; 3: wrong size for the model input */
int td_input_check(int *which);
void td_input_apply(void);
void td_input_restore(void);
int td_input_intact(void);
float td_input_value(uint32_t i);      /* the float input value i (for the MSE) */

#endif
