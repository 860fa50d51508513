/* Host runner for generated models: reads raw int8 inputs from stdin, one inference per
 * TD_MODEL_INPUT_BYTES, and writes the raw int8 outputs to stdout. Used by
 * `tinydeploy predict` to run the exact device arithmetic on a whole data set. */
#include <stdio.h>
#include <string.h>
#include "td_model.h"

int main(void) {
    static int8_t in[TD_MODEL_INPUT_BYTES];
    size_t got;
    for (;;) {
        got = fread(in, 1, sizeof in, stdin);
        if (got == 0) break;
        if (got != sizeof in) {
            fprintf(stderr, "td_host: truncated input (%u of %u bytes)\n",
                    (unsigned)got, (unsigned)sizeof in);
            return 2;
        }
        memcpy(td_model_input(0), in, sizeof in);
        td_model_invoke();
        if (fwrite(td_model_output(0), 1, TD_MODEL_OUTPUT_BYTES, stdout) != TD_MODEL_OUTPUT_BYTES) {
            return 3;
        }
    }
    return fflush(stdout) == 0 ? 0 : 3;
}
