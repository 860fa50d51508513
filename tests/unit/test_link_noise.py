"""A port that sends only noise: the error says how much arrived and that no protocol line
did (it said "nothing received"), and `profile` mentions partial results only when it has
some. A real TCP server on loopback stands in for the device."""
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from tinydeploy.cli.profile import has_results
from tinydeploy.measure.link import DeviceError, SerialLink
from tinydeploy.measure.profile import _empty_report

pytestmark = pytest.mark.unit

NOISE = (b"\x00\xffgarbage " * 64 + b"\r\n") * 2000        # about 1.2 MB, no protocol line


def _server(payload: bytes, repeat: int = 1):
    """Sends `payload` `repeat` times (50 ms apart), then holds the line until the client
    goes; never answers a command."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve():
        c, _ = srv.accept()
        try:
            for _ in range(repeat):
                c.sendall(payload)
                time.sleep(0.05)
            while c.recv(4096):     # hold the line open until the client goes
                pass
        except OSError:
            pass
        finally:
            c.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv, f"socket://127.0.0.1:{srv.getsockname()[1]}"


@pytest.mark.parametrize("payload, said", [
    (NOISE, r"; [\d,]+ (bytes|KB) received, no protocol line"),
    (b"", r"; nothing received$"),
])
def test_timeout_says_what_arrived(payload, said):
    srv, url = _server(payload)
    link = SerialLink.open(url, timeout=5.0)
    try:
        with pytest.raises(DeviceError) as e:
            link.read_reply(1.0, "name%")
    finally:
        link.close()
        srv.close()
    assert re.search(said, str(e.value)), str(e.value)


def test_profile_of_a_noisy_port_claims_no_partial_results():
    srv, url = _server(NOISE[:60_000], repeat=2400)   # noise until the client goes (<= 2 min)
    try:
        r = subprocess.run([sys.executable, "-m", "tinydeploy.cli", "profile", "--port", url,
                            "--runs", "1"], capture_output=True, text=True, timeout=300)
    finally:
        srv.close()
    assert r.returncode == 1 and "Traceback" not in r.stderr
    err = [ln for ln in r.stderr.splitlines() if ln.startswith("error: ")]
    assert len(err) == 1 and "received, no protocol line" in err[0], r.stderr
    assert "partial results" not in err[0]


def test_partial_results_are_named_only_when_there_are_some():
    empty = _empty_report("socket://x")
    assert not has_results(empty)
    assert has_results(dict(empty, latency={"value": 1.0}))
