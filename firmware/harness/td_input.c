/* The `db` input buffers and their conversion into the model inputs (see td_input.h). */
#include <string.h>

#include "td_harness.h"
#include "td_input.h"

/* Input 0 in td_db (in the board's input mode); inputs 1.. as raw bytes in td_more. */
#define TD_MORE_BYTES (TD_MODEL_INPUTS_TOTAL_BYTES - TD_MODEL_INPUT_BYTES)
static uint8_t td_db[TD_DB_BYTES];
#if TD_MODEL_NUM_INPUTS > 1
static uint8_t td_more[TD_MORE_BYTES];
#endif
static uint32_t td_db_n[TD_MODEL_NUM_INPUTS];     /* bytes expected by a load; 0: none */
static uint32_t td_db_pos[TD_MODEL_NUM_INPUTS];   /* bytes received so far */
static int td_sel;                                /* the input db load / db fill */

#if TD_INPUT_MODE == TD_INPUT_FLOAT32
/* The quantized input, kept so that restoring it costs a memcpy, not a requantization. */
static int8_t td_q[TD_MODEL_INPUT_BYTES];
#endif

static uint8_t *td_buf(int k) {
#if TD_MODEL_NUM_INPUTS > 1
    if (k > 0) {
        uint32_t off = 0u;
        int j;
        for (j = 1; j < k; j++) off += (uint32_t)td_model_inputs[j].bytes;
        return td_more + off;
    }
#endif
    (void)k;
    return td_db;
}

uint32_t td_in_capacity(int k) {
#if TD_MODEL_NUM_INPUTS > 1
    if (k > 0) return (uint32_t)td_model_inputs[k].bytes;
#endif
    (void)k;
    return (uint32_t)TD_DB_BYTES;
}

int td_db_select(int k) {
    if (k < 0 || k >= TD_MODEL_NUM_INPUTS) return -1;
    td_sel = k;
    return 0;
}

int td_db_selected(void) { return td_sel; }

void td_db_reset(void) {
    td_db_n[td_sel] = 0u;
    td_db_pos[td_sel] = 0u;
}

int td_db_load(uint32_t n) {
    td_db_reset();
    if (n == 0u || n > td_in_capacity(td_sel)) return -1;
    td_db_n[td_sel] = n;
    return 0;
}

static int td_hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int td_db_hex(const char *hex, size_t len, size_t *bad_at) {
    size_t i;
    uint8_t *b = td_buf(td_sel);
    const uint32_t n = td_db_n[td_sel];
    uint32_t pos = td_db_pos[td_sel];
    if (n == 0u) return TD_HEX_NO_LOAD;
    if ((len & 1u) != 0u) return TD_HEX_ODD;
    /* Validate everything first so that a bad command leaves the buffer untouched. */
    for (i = 0; i < len; i++) {
        if (td_hexval(hex[i]) < 0) {
            *bad_at = i & ~(size_t)1;
            return TD_HEX_BAD;
        }
    }
    if (pos >= n) return TD_HEX_OK;   /* digits beyond N are ignored */
    for (i = 0; i + 1 < len && pos < n; i += 2) {
        b[pos++] = (uint8_t)((td_hexval(hex[i]) << 4) | td_hexval(hex[i + 1]));
    }
    td_db_pos[td_sel] = pos;
    return pos == n ? TD_HEX_DONE : TD_HEX_OK;
}

uint32_t td_in_expected(int k) { return td_db_n[k]; }
uint32_t td_in_received(int k) { return td_db_pos[k]; }
uint32_t td_db_expected(void) { return td_db_n[td_sel]; }
uint32_t td_db_received(void) { return td_db_pos[td_sel]; }
const uint8_t *td_db_bytes(void) { return td_buf(td_sel); }

int td_input_check(int *which) {
    int k;
    for (k = 0; k < TD_MODEL_NUM_INPUTS; k++) {
        *which = k;
        if (td_db_n[k] == 0u) return 1;
        if (td_db_pos[k] < td_db_n[k]) return 2;
        if (td_db_n[k] != td_in_capacity(k)) return 3;
    }
    return 0;
}

#if TD_INPUT_MODE == TD_INPUT_FLOAT32
static float td_db_float(uint32_t i) {
    /* Assembled byte by byte: the host sends little-endian, whatever the target is. */
    const uint8_t *p = td_db + 4u * i;
    uint32_t bits = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                    ((uint32_t)p[3] << 24);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* As the MLPerf Tiny AD reference: round(x / scale) + zero_point, rounding half away from
 * zero, clamped to int8. NaN maps to the zero point. */
static int8_t td_quantize(float x, float scale, int32_t zp) {
    float v = x / scale;
    int32_t r, q;
    if (!(v == v)) {
        r = 0;
    } else if (v > 1000.0f) {
        r = 1000;                 /* clamps to 127 below, whatever zp is */
    } else if (v < -1000.0f) {
        r = -1000;
    } else {
        float frac;
        r = (int32_t)v;           /* truncates toward zero; exact below 2^23 */
        frac = v - (float)r;      /* exact */
        if (frac >= 0.5f) r++;
        else if (frac <= -0.5f) r--;
    }
    q = r + zp;
    if (q < -128) q = -128;
    if (q > 127) q = 127;
    return (int8_t)q;
}
#endif

void td_input_apply(void) {
#if TD_INPUT_MODE == TD_INPUT_FLOAT32
    uint32_t i;
    const float scale = td_model_inputs[0].scale;
    const int32_t zp = td_model_inputs[0].zero_point;
    for (i = 0; i < (uint32_t)TD_MODEL_INPUT_BYTES; i++) {
        td_q[i] = td_quantize(td_db_float(i), scale, zp);
    }
#endif
    td_input_restore();
}

void td_input_restore(void) {
    int8_t *in = td_model_input(0);
#if TD_INPUT_MODE == TD_INPUT_INT8
    memcpy(in, td_db, TD_MODEL_INPUT_BYTES);
#elif TD_INPUT_MODE == TD_INPUT_UINT8_OFFSET
    uint32_t i;
    /* u - 128 as int8 is u with the top bit flipped */
    for (i = 0; i < (uint32_t)TD_MODEL_INPUT_BYTES; i++) in[i] = (int8_t)(td_db[i] ^ 0x80u);
#else
    memcpy(in, td_q, TD_MODEL_INPUT_BYTES);
#endif
#if TD_MODEL_NUM_INPUTS > 1
    {
        int k;
        for (k = 1; k < TD_MODEL_NUM_INPUTS; k++) {
            memcpy(td_model_input(k), td_buf(k), (size_t)td_model_inputs[k].bytes);
        }
    }
#endif
}

static int td_more_intact(void) {
#if TD_MODEL_NUM_INPUTS > 1
    int k;
    for (k = 1; k < TD_MODEL_NUM_INPUTS; k++) {
        if (memcmp(td_model_input(k), td_buf(k), (size_t)td_model_inputs[k].bytes) != 0) {
            return 0;
        }
    }
#endif
    return 1;
}

int td_input_intact(void) {
    const int8_t *in = td_model_input(0);
    if (!td_more_intact()) return 0;
#if TD_INPUT_MODE == TD_INPUT_INT8
    return memcmp(in, td_db, TD_MODEL_INPUT_BYTES) == 0;
#elif TD_INPUT_MODE == TD_INPUT_UINT8_OFFSET
    uint32_t i;
    for (i = 0; i < (uint32_t)TD_MODEL_INPUT_BYTES; i++) {
        if (in[i] != (int8_t)(td_db[i] ^ 0x80u)) return 0;
    }
    return 1;
#else
    return memcmp(in, td_q, TD_MODEL_INPUT_BYTES) == 0;
#endif
}

float td_input_value(uint32_t i) {
#if TD_INPUT_MODE == TD_INPUT_FLOAT32
    return td_db_float(i);
#else
    const int8_t q = (TD_INPUT_MODE == TD_INPUT_INT8) ? (int8_t)td_db[i]
                                                      : (int8_t)(td_db[i] ^ 0x80u);
    return (float)((int32_t)q - td_model_inputs[0].zero_point) * td_model_inputs[0].scale;
#endif
}
