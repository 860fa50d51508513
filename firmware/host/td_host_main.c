/* Host runner for generated models: reads raw inputs from stdin and writes raw outputs to
 * stdout, one inference per record. A record is every input's bytes in input order
 * (td_model_inputs[i].bytes each, the tensor's dtype little-endian); the reply is every
 * output's bytes in output order. Used by `tinydeploy predict`, hostrun.HostModel and the
 * tests to run the exact device arithmetic on a whole data set. */
#include <stdio.h>
#include <string.h>
#include "td_model.h"

int main(void) {
    int i;
    for (;;) {
        for (i = 0; i < TD_MODEL_NUM_INPUTS; i++) {
            const size_t want = (size_t)td_model_inputs[i].bytes;
            const size_t got = fread(td_model_input(i), 1, want, stdin);
            if (got == 0 && i == 0) {
                return fflush(stdout) == 0 ? 0 : 3;
            }
            if (got != want) {
                fprintf(stderr, "td_host: truncated input %d (%u of %u bytes)\n", i,
                        (unsigned)got, (unsigned)want);
                return 2;
            }
        }
        td_model_invoke();
        for (i = 0; i < TD_MODEL_NUM_OUTPUTS; i++) {
            const size_t n = (size_t)td_model_outputs[i].bytes;
            if (fwrite(td_model_output(i), 1, n, stdout) != n) return 3;
        }
    }
}
