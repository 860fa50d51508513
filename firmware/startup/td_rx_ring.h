/* Receive ring for the bare-metal ports: the UART RX interrupt puts, td_port_getc() takes
 * with interrupts masked, so head/tail need no further locking. */
#ifndef TD_RX_RING_H
#define TD_RX_RING_H

#include <stdint.h>

#define TD_RX_RING_BYTES 256u /* power of two: the modulo is a mask */

typedef struct {
    volatile uint8_t buf[TD_RX_RING_BYTES];
    volatile uint32_t head; /* free-running counters; head - tail = bytes held */
    volatile uint32_t tail;
} td_rx_ring_t;

static inline int td_rx_ring_full(const td_rx_ring_t *r)
{
    return (r->head - r->tail) >= TD_RX_RING_BYTES;
}

static inline void td_rx_ring_put(td_rx_ring_t *r, uint8_t byte)
{
    r->buf[r->head % TD_RX_RING_BYTES] = byte;
    r->head++;
}

/* The oldest byte, or -1 when empty. */
static inline int td_rx_ring_get(td_rx_ring_t *r)
{
    int c;
    if (r->tail == r->head) return -1;
    c = r->buf[r->tail % TD_RX_RING_BYTES];
    r->tail++;
    return c;
}

#endif
