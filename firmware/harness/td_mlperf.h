/* The standard MLPerf Tiny / EEMBC commands (docs/protocol.md): name, profile, timestamp,
 * db, infer, results and help, and the state of the last inference that tinydeploy's
 * td- commands report. */
#ifndef TD_MLPERF_H
#define TD_MLPERF_H

#include <stdint.h>

#include "td_cmdline.h"

/* Runs the command if tok[0] names a standard one and returns 1; else returns 0.
 * nt is 1 .. the harness's token limit. */
int td_mlperf_command(const td_tok_t *tok, int nt);

void td_timestamp(void);          /* a lap line now (performance) or a marker pulse (energy) */
int td_results_ready(void);       /* an inference has completed since boot */
/* Whether infer copies the input back before each run: -1 not yet measured, 0 no, 1 yes. */
int td_restore_state(void);
uint32_t td_infer_start(void);    /* td_port_counter() just before the last model invoke */
/* The last infer's timed window: runs, microseconds, td_port_counter() ticks. */
void td_infer_window(uint32_t *runs, uint32_t *us, uint32_t *count);

#endif
