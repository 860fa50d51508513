/* Host port for tests: the "UART" is stdin/stdout, which the test connects to the master
 * side of a pseudo-terminal (exactly what QEMU's `-serial pty` gives), and the timer is
 * CLOCK_MONOTONIC in microseconds (TD_PORT_COUNTER_UNIT "us").
 *
 * The process exits with status 0 as soon as the other side of the terminal goes away
 * (EOF, hang-up or a read/write error), so a test can never leave it behind. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "td_port.h"

void td_port_init(void) {}

void td_port_putc(char c) {
    for (;;) {
        ssize_t w = write(STDOUT_FILENO, &c, 1);
        if (w == 1) return;
        if (w < 0 && errno == EINTR) continue;
        exit(0);            /* the reader vanished: nobody left to talk to */
    }
}

int td_port_getc(void) {
    struct pollfd p;
    unsigned char c;
    ssize_t r;
    p.fd = STDIN_FILENO;
    p.events = POLLIN;
    p.revents = 0;
    /* A 1 ms wait when idle keeps the harness loop from spinning at 100% CPU. */
    if (poll(&p, 1, 1) <= 0) return -1;
    if ((p.revents & POLLIN) == 0) {
        if ((p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) exit(0);
        return -1;
    }
    r = read(STDIN_FILENO, &c, 1);
    if (r == 1) return c;
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return -1;
    exit(0);                /* EOF, or EIO once the terminal's other side is closed */
}

uint32_t td_port_timer(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

uint32_t td_port_counter(void) {
    return td_port_timer();
}

void td_port_marker(int level) {
    (void)level;
}
