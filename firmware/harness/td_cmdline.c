/* The command reader, tokenizer and error replies of the serial harness (td_cmdline.h). */
#include <stddef.h>
#include <stdint.h>

#include "td_harness.h"
#include "td_fmt.h"
#include "td_cmdline.h"

static char td_cmd[TD_CMD_MAX];
static size_t td_cmd_len;
static int td_cmd_overflow;

/* Feeds one received byte; returns 1 when a complete command ('%') is waiting. */
int td_cmdline_rx(char c) {
    if (c == '%') return 1;
    if (c == '\r' || c == '\n') return 0;   /* terminal habits; never part of a command */
    if (td_cmd_len < TD_CMD_MAX) {
        td_cmd[td_cmd_len++] = c;
    } else {
        td_cmd_overflow = 1;                /* keep discarding up to the next '%' */
    }
    return 0;
}

int td_cmdline_overflowed(void) {
    return td_cmd_overflow;
}

int td_cmdline_tokenize(td_tok_t *tok, int max) {
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

void td_cmdline_clear(void) {
    td_cmd_len = 0;
    td_cmd_overflow = 0;
}

int td_tok_is(const td_tok_t *t, const char *s) {
    size_t i;
    for (i = 0; i < t->n; i++) {
        if (s[i] == '\0' || s[i] != t->p[i]) return 0;
    }
    return s[i] == '\0';
}

/* Unsigned decimal, digits only, no overflow. Returns 0 on success. */
int td_tok_u32(const td_tok_t *t, uint32_t *out) {
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

void td_error(const char *msg) {
    td_put_str("e-[");
    td_put_str(msg);
    td_put_line("]");
}

void td_error_tok(const char *msg, const td_tok_t *t, const char *tail) {
    td_put_str("e-[");
    td_put_str(msg);
    td_put_mem(t->p, t->n);
    td_put_str(tail);
    td_put_line("]");
}

void td_bad_number(const td_tok_t *t) {
    td_error_tok("Invalid number '", t, "'");
}

int td_no_args(const td_tok_t *tok, int nt) {
    if (nt > 1) {
        td_error_tok("Unexpected argument '", &tok[1], "'");
        return 0;
    }
    return 1;
}
