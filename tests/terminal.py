"""Run a command with stdout and stderr on a pseudo-terminal (progress-bar tests)."""
import os
import pty
import select
import subprocess


def on_pty(args) -> str:
    """Run with stdout and stderr on a pseudo-terminal; everything it wrote."""
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm", COLUMNS="100")
    p = subprocess.Popen(args, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            p.kill()
            break
        try:
            data = os.read(master, 4096)
        except OSError:                 # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert p.wait(60) == 0, b"".join(chunks)[-2000:]
    return b"".join(chunks).decode(errors="replace")
