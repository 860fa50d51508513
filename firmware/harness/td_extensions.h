/* tinydeploy's additions to the serial protocol (docs/protocol.md): td-info (model, board
 * and build facts), td-layers (per-layer times of the last inference, with
 * -DTD_PROFILE_LAYERS) and td-out (the raw int8 outputs as hex). Their replies are
 * m-td-<key>-[...] lines. */
#ifndef TD_EXTENSIONS_H
#define TD_EXTENSIONS_H

#include "td_cmdline.h"

/* Runs the command if tok[0] names a td- command and returns 1; else returns 0. */
int td_extension_command(const td_tok_t *tok, int nt);

#endif
