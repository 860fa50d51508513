/* The device side of the MLPerf Tiny / EEMBC serial protocol (docs/protocol.md).
 *
 * main() boots, then reads bytes with td_port_getc() into an 80-character command buffer
 * and runs each '%'-terminated command; every reply ends with m-ready. Nothing here can
 * overflow: over-long commands are refused, tokens are (pointer, length) pairs into the
 * buffer (so NUL bytes are just characters), and all echoed text is sanitized.
 *
 * The modules: td_cmdline (command buffer, tokens, error replies), td_mlperf (the standard
 * commands and inference), td_extensions (td-info, td-layers, td-out), td_input (the db
 * buffer), td_fmt (text output without printf). This file boots and dispatches. */
#include <stddef.h>
#include <stdint.h>

#include "td_port.h"
#include "td_harness.h"
#include "td_fmt.h"
#include "td_cmdline.h"
#include "td_mlperf.h"
#include "td_extensions.h"

#define TD_MAX_TOKENS 4

static void td_dispatch(void) {
    td_tok_t tok[TD_MAX_TOKENS];
    int nt;
    if (td_cmdline_overflowed()) {
        td_error("Command too long: more than 80 characters before '%'");
        return;
    }
    nt = td_cmdline_tokenize(tok, TD_MAX_TOKENS);
    if (nt == 0) return;             /* a bare '%' only asks for m-ready: hosts sync with it */
    if (nt > TD_MAX_TOKENS) {
        td_put_str("e-[Too many arguments for '");
        td_put_mem(tok[0].p, tok[0].n);
        td_put_line("']");
        return;
    }
    if (td_mlperf_command(tok, nt)) return;
    if (td_extension_command(tok, nt)) return;
    td_error_tok("Unknown command: ", &tok[0], "");
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
    if (td_cmdline_rx((char)c)) {
        td_dispatch();
        td_cmdline_clear();
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
