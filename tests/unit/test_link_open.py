"""Opening a socket:// port keeps a boot banner that arrives while pyserial is still
opening it: the cause of the CI flake "no m-ready within 20 s after 'boot'; nothing
received" (QEMU's wait=on chardev starts the guest on accept). A real TCP server stands in
for QEMU and sends its banner at once; the window in which a loaded machine deschedules
the opener is made wide and certain by a delay inside pyserial's open."""
import socket
import threading
import time

import pytest
import serial
from serial.urlhandler import protocol_socket

from tinydeploy.measure.link import SerialLink

pytestmark = pytest.mark.unit

BANNER = b"tinydeploy harness booted\r\nm-ready\r\n"


@pytest.fixture
def banner_server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    conns = []

    def serve():
        c, _ = srv.accept()
        conns.append(c)
        c.sendall(BANNER)          # the guest boots the moment the connection is accepted

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield f"socket://127.0.0.1:{srv.getsockname()[1]}"
    t.join(5)
    for c in conns:
        c.close()
    srv.close()


@pytest.fixture
def slow_open(monkeypatch):
    real = protocol_socket.Serial._reconfigure_port

    def descheduled(self, *a, **k):
        time.sleep(0.3)            # the banner lands before pyserial's input reset
        return real(self, *a, **k)
    monkeypatch.setattr(protocol_socket.Serial, "_reconfigure_port", descheduled)


def test_banner_sent_on_connect_survives_opening(banner_server, slow_open):
    link = SerialLink.open(banner_server, timeout=5.0)
    try:
        assert link.wait_ready(5.0)[-1] == "m-ready"
    finally:
        link.close()


def test_plain_pyserial_open_loses_it(banner_server, slow_open):
    """The mechanism the fix is for: pyserial's own socket:// open discards the banner."""
    port = serial.serial_for_url(banner_server, timeout=0.05)
    try:
        time.sleep(0.2)
        assert port.read(4096) == b""
    finally:
        port.close()
