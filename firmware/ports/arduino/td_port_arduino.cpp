/* Port for Arduino-framework boards (Nano 33 BLE: Arduino mbed core). USB CDC Serial for the
 * protocol, micros() as the timer (the mbed core's us_ticker: 1 us resolution, 32-bit).
 * Optional: TD_PORT_MARKER_PIN, the GPIO the energy monitor watches (default: none). */
#include <Arduino.h>

extern "C" {
#include "td_board.h"
#include "td_port.h"
}

extern "C" void td_port_init(void) {
    Serial.begin(TD_BOARD_BAUD);
    /* USB CDC: wait (bounded) for the host to open the port so the boot banner is seen. */
    unsigned long start = millis();
    while (!Serial && millis() - start < 5000) {
    }
#ifdef TD_PORT_MARKER_PIN
    pinMode(TD_PORT_MARKER_PIN, OUTPUT);
    digitalWrite(TD_PORT_MARKER_PIN, HIGH);
#endif
}

extern "C" void td_port_putc(char c) { Serial.write((uint8_t)c); }

extern "C" int td_port_getc(void) { return Serial.available() > 0 ? Serial.read() : -1; }

extern "C" uint32_t td_port_timer(void) { return (uint32_t)micros(); }

extern "C" uint32_t td_port_counter(void) { return (uint32_t)micros(); }

extern "C" void td_port_marker(int level) {
#ifdef TD_PORT_MARKER_PIN
    digitalWrite(TD_PORT_MARKER_PIN, level ? HIGH : LOW);
#else
    (void)level;
#endif
}
