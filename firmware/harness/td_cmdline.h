/* The command line of the serial harness: receives bytes into an 80-character command
 * buffer, splits the finished command into tokens, and prints the e-[...] error replies
 * shared by all commands.
 *
 * Contract: feed every received byte to td_cmdline_rx() until it returns 1 (a '%'
 * arrived); then, unless td_cmdline_overflowed(), td_cmdline_tokenize() gives the tokens
 * as (pointer, length) pairs into the buffer (so NUL bytes are just characters); they
 * stay valid until td_cmdline_clear() starts the next command. Nothing can overflow:
 * over-long commands are discarded up to the next '%' and only flagged. */
#ifndef TD_CMDLINE_H
#define TD_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *p;
    size_t n;
} td_tok_t;

int td_cmdline_rx(char c);              /* one received byte; 1 when a command is complete */
int td_cmdline_overflowed(void);        /* the command had more than TD_CMD_MAX characters */
int td_cmdline_tokenize(td_tok_t *tok, int max);   /* token count, max + 1 if too many */
void td_cmdline_clear(void);            /* forget the command: ready for the next one */

int td_tok_is(const td_tok_t *t, const char *s);   /* 1 if the token equals s exactly */
int td_tok_u32(const td_tok_t *t, uint32_t *out);  /* unsigned decimal; 0 on success */

/* Error replies: e-[msg], e-[msg<token>tail], e-[Invalid number '<token>']. */
void td_error(const char *msg);
void td_error_tok(const char *msg, const td_tok_t *t, const char *tail);
void td_bad_number(const td_tok_t *t);
/* 1 if the command has no arguments; otherwise replies with an error and returns 0. */
int td_no_args(const td_tok_t *tok, int nt);

#endif
