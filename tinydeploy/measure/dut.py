"""The commands of the device serial protocol: MLPerf Tiny's and tinydeploy's `td-` extensions.

Contract: `Dut(port)` is a SerialLink (link.py: framing, timeouts, garbage) with typed
helpers (`name`, `profile`, `info`, `load`, `infer`, `layers`, `output`, ...) that send one
command each, parse the reply strictly and raise `DeviceError` on anything unexpected.
No TensorFlow here.
"""
from __future__ import annotations

import re
import time

from .link import DB_CHUNK, READY, UNITS, DeviceError, SerialLink, shorten

__all__ = ["DB_CHUNK", "UNITS", "DeviceError", "Dut"]

_NAME = re.compile(r"^m-name-dut-\[(.*)\]$")
_PROFILE = re.compile(r"^m-profile-\[(.*)\]$")
_MODEL = re.compile(r"^m-model-\[(.*)\]$")
_LAP = re.compile(r"^m-lap-us-(\d+)$")
_RESULTS = re.compile(r"^m-results-\[(.*)\]$")
_BUFFER = re.compile(r"^m-buffer-([0-9a-f]{2}(?:-[0-9a-f]{2}){0,7})$")
_TD = re.compile(r"^m-td-([a-z0-9-]+?)-\[(.*)\]$")


class Dut(SerialLink):
    """A device under test on an open serial port (see the module docstring)."""

    # ---- parsing helpers -----------------------------------------------------------------

    @staticmethod
    def _one(lines: list[str], pattern: re.Pattern, cmd: str) -> re.Match:
        found = [m for m in map(pattern.match, lines) if m]
        if len(found) != 1:
            raise DeviceError(f"unexpected reply to '{cmd}': {lines[:-1]}", lines)
        return found[0]

    @staticmethod
    def _only(lines: list[str], expected: list[str], cmd: str) -> None:
        if lines[:-1] != expected:
            raise DeviceError(f"unexpected reply to '{shorten(cmd)}': {lines[:-1]} "
                              f"(expected {expected})", lines)

    @staticmethod
    def _floats(text: str, cmd: str, lines) -> list[float]:
        try:
            return [float(v) for v in text.split(",")] if text else []
        except ValueError:
            raise DeviceError(f"malformed results in reply to '{cmd}': [{text}]", lines) from None

    # ---- standard commands ---------------------------------------------------------------

    def name(self) -> str:
        return self._one(self.command("name"), _NAME, "name").group(1)

    def settle(self, timeout: float = 10.0) -> str:
        """End any half-sent command and skip whatever the device still had to say (a boot
        banner that arrived after the port opened, a late reply): sends `%` then `name%`
        and reads replies until name's, however many come before it. Returns the name."""
        deadline = time.monotonic() + timeout
        self._drain("settle")
        self.send_raw(b"%name%", "settle")
        while True:
            lines = self.read_reply(max(deadline - time.monotonic(), 0.0), "settle")
            found = [m for m in map(_NAME.match, lines) if m]
            if found:
                return found[-1].group(1)

    def profile(self) -> dict:
        """{"profile": firmware profile string, "model": benchmark id}"""
        lines = self.command("profile")
        return {"profile": self._one(lines, _PROFILE, "profile").group(1),
                "model": self._one(lines, _MODEL, "profile").group(1)}

    def timestamp(self) -> int | None:
        """The device timer now; None in energy mode (the timestamp is a pin pulse)."""
        lines = self.command("timestamp")
        if lines == [READY]:
            return None
        return int(self._one(lines, _LAP, "timestamp").group(1))

    def load(self, data: bytes, timeout: float | None = None, input: int | None = None) -> None:
        """`db load N`, then `db <hex>` in chunks of 31 bytes; checks m-load-done. With
        `input`, first selects that model input (`td-in K`, tinydeploy firmware only)."""
        data = bytes(data)
        if not data:
            raise ValueError("nothing to load")
        if input is not None:
            self.select_input(input)
        self._only(self.command(f"db load {len(data)}", timeout),
                   [f"m-[Expecting {len(data)} bytes]"], "db load")
        for i in range(0, len(data), DB_CHUNK):
            cmd = "db " + data[i:i + DB_CHUNK].hex()
            last = i + DB_CHUNK >= len(data)
            self._only(self.command(cmd, timeout), ["m-load-done"] if last else [], cmd)

    def buffer(self) -> bytes:
        """The loaded bytes (`db print`)."""
        lines = self.command("db print")
        out = bytearray()
        for line in lines[:-1]:
            m = _BUFFER.match(line)
            if not m:
                raise DeviceError(f"malformed line in reply to 'db print': {line!r}", lines)
            out += bytes.fromhex(m.group(1).replace("-", ""))
        return bytes(out)

    def infer(self, n: int = 1, warmup: int = 10, timeout: float = 60.0) -> dict:
        """`infer n warmup`. Returns t0, t1 (None in energy mode), elapsed = t1 - t0 (mod
        2^32), latency = elapsed / n, unit ("us": the lap lines carry microseconds of the
        device's clock, virtual on emulated boards), results. The exact counter window is
        `timing()`'s."""
        if n < 1 or warmup < 0:
            raise ValueError("infer needs n >= 1 and warmup >= 0")
        unit = "us"
        cmd = f"infer {n} {warmup}"
        lines = self.command(cmd, timeout)
        body = lines[:-1]
        head = [f"m-warmup-start-{warmup}", "m-warmup-done", f"m-infer-start-{n}"]
        laps = [_LAP.match(x) for x in body[3:5]]
        energy = not (len(laps) == 2 and all(laps))
        tail = body[3:] if energy else body[5:]
        ok = body[:3] == head and len(tail) == 2 and tail[0] == "m-infer-done"
        res = _RESULTS.match(tail[1]) if ok else None
        if res is None:
            raise DeviceError(f"unexpected reply to '{cmd}': {body}", lines)
        t0 = t1 = elapsed = latency = None
        if not energy:
            t0, t1 = int(laps[0].group(1)), int(laps[1].group(1))
            elapsed = (t1 - t0) % (1 << 32)
            latency = elapsed / n
        return {"n": n, "warmup": warmup, "t0": t0, "t1": t1, "elapsed": elapsed,
                "latency": latency, "unit": unit,
                "results": self._floats(res.group(1), cmd, lines)}

    def results(self) -> list[float]:
        lines = self.command("results")
        return self._floats(self._one(lines, _RESULTS, "results").group(1), "results", lines)

    # ---- tinydeploy additions ------------------------------------------------------------

    def _td_lines(self, cmd: str) -> tuple[list[tuple[str, str]], list[str]]:
        lines = self.command(cmd)
        pairs = []
        for line in lines[:-1]:
            m = _TD.match(line)
            if not m:
                raise DeviceError(f"malformed line in reply to '{cmd}': {line!r}", lines)
            pairs.append((m.group(1), m.group(2)))
        return pairs, lines

    @staticmethod
    def _tensor(value: str, lines) -> dict:
        parts = value.split(",", 5)
        try:
            if len(parts) != 6:
                raise ValueError
            index, shape, nbytes, scale, zp, name = parts
            return {"index": int(index),
                    "shape": tuple(int(d) for d in shape.split("x")) if shape else (),
                    "bytes": int(nbytes), "scale": float(scale), "zero_point": int(zp),
                    "name": name}
        except ValueError:
            raise DeviceError(f"malformed tensor line in td-info: [{value}]", lines) from None

    def info(self) -> dict:
        """Parsed `td-info`: model, hash, build, board, benchmark, timer_unit ("us"), clock
        ("virtual" on emulated boards, else "hardware"), clock_hz, counter_unit, input_mode,
        results_mode, inputs/outputs (index, shape, bytes, scale, zero_point, name),
        arena_bytes, layers, db_bytes, profiling (bool), input_restore."""
        pairs, lines = self._td_lines("td-info")
        info: dict = {"inputs": [], "outputs": []}
        for key, value in pairs:
            k = key.replace("-", "_")
            if key in ("input", "output"):
                info[k + "s"].append(self._tensor(value, lines))
            elif key in ("arena-bytes", "layers", "db-bytes", "clock-hz"):
                try:
                    info[k] = int(value)
                except ValueError:
                    raise DeviceError(f"malformed td-info line: {key} [{value}]", lines) from None
            elif key == "profiling":
                info[k] = value == "on"
            else:
                info[k] = value
        missing = [k for k in ("model", "timer_unit", "counter_unit", "layers", "db_bytes")
                   if k not in info]
        if missing or not info["inputs"] or not info["outputs"]:
            raise DeviceError(f"incomplete td-info reply (missing {missing or 'tensors'}); "
                              "rebuild the firmware with this tinydeploy", lines)
        if info["timer_unit"] != "us":
            raise DeviceError(f"device timer counts '{info['timer_unit']}', not microseconds; "
                              "rebuild the firmware with this tinydeploy", lines)
        if info["counter_unit"] not in UNITS:
            raise DeviceError(f"device reports an unknown counter unit "
                              f"'{info['counter_unit']}'", lines)
        self._unit = info["counter_unit"]
        return info

    def counter_unit(self) -> str:
        """What the device's profiling counter counts (td-layers, td-timing): 'us' or
        'instructions'. Firmware without td-info follows the standard: microseconds."""
        if self._unit is None:
            try:
                self.info()
            except DeviceError as e:
                if "Unknown command" not in str(e):
                    raise
                self._unit = "us"
        return self._unit

    def timing(self) -> dict:
        """The last infer's window (`td-timing`): runs, window_us, counter_unit,
        window_counter (exact instructions on emulated boards)."""
        pairs, lines = self._td_lines("td-timing")
        d = dict(pairs)
        try:
            out = {"runs": int(d["runs"]), "window_us": int(d["window-us"]),
                   "counter_unit": d["counter-unit"], "window_counter": int(d["window-counter"])}
        except (KeyError, ValueError):
            raise DeviceError(f"malformed reply to 'td-timing': {lines[:-1]}", lines) from None
        if out["counter_unit"] not in UNITS or out["runs"] < 1:
            raise DeviceError(f"malformed reply to 'td-timing': {lines[:-1]}", lines)
        self._unit = out["counter_unit"]
        return out

    def layers(self) -> list[dict]:
        """Per-layer times of the last inference: index, op, tflite_index, macs, time (in
        counter_unit())."""
        pairs, lines = self._td_lines("td-layers")
        out, total = [], None
        try:
            for key, value in pairs:
                if key == "layer":
                    i, op, tfl, macs, t = value.split(",")
                    out.append({"index": int(i), "op": op, "tflite_index": int(tfl),
                                "macs": int(macs), "time": int(t)})
                elif key == "layers-total":
                    total = int(value)
                elif key == "counter-unit":
                    self._unit = value
                else:
                    raise ValueError
        except ValueError:
            raise DeviceError(f"malformed reply to 'td-layers': {lines[:-1]}", lines) from None
        if ([r["index"] for r in out] != list(range(len(out))) or total is None
                or sum(r["time"] for r in out) % (1 << 32) != total):
            raise DeviceError(f"inconsistent reply to 'td-layers': {lines[:-1]}", lines)
        return out

    def select_input(self, index: int) -> int:
        """`td-in K`: the input the next `db load` / `db` fill; returns its byte count."""
        pairs, lines = self._td_lines(f"td-in {int(index)}")
        try:
            (key, value), = pairs
            k, n = (int(v) for v in value.split(","))
            if key != "in" or k != index:
                raise ValueError
        except ValueError:
            raise DeviceError(f"malformed reply to 'td-in {index}': {lines[:-1]}", lines) from None
        return n

    def outputs(self, index: int | None = None) -> list[bytes]:
        """Raw bytes of every output tensor after the last inference (`td-out`), or of
        output `index` only (`td-out K`: a one-element list)."""
        cmd = "td-out" if index is None else f"td-out {int(index)}"
        pairs, lines = self._td_lines(cmd)
        outs: list[bytearray] = []
        sizes: list[int] = []
        try:
            for key, value in pairs:
                if key == "out":
                    k, n = (int(v) for v in value.split(","))
                    if k != (len(outs) if index is None else index) or (index is not None
                                                                         and outs):
                        raise ValueError
                    outs.append(bytearray())
                    sizes.append(n)
                elif key == "out-hex" and outs:
                    outs[-1] += bytes.fromhex(value)
                else:
                    raise ValueError
        except ValueError:
            raise DeviceError(f"malformed reply to '{cmd}': {lines[:-1]}", lines) from None
        if not outs or [len(o) for o in outs] != sizes:
            raise DeviceError(f"incomplete reply to '{cmd}': {lines[:-1]}", lines)
        return [bytes(o) for o in outs]

    def output(self, index: int = 0) -> bytes:
        """Raw bytes of output `index` after the last inference (`td-out K`)."""
        return self.outputs(index)[0]

    def stack(self) -> dict:
        """`td-stack`: the stack's high-water mark since reset (bytes below the top of RAM
        that no longer hold the paint of td_startup.c) and the bytes the image reserves."""
        pairs, lines = self._td_lines("td-stack")
        d = dict(pairs)
        try:
            return {"used": int(d["stack-used"]), "reserved": int(d["stack-reserved"])}
        except (KeyError, ValueError):
            raise DeviceError(f"malformed reply to 'td-stack': {lines[:-1]}", lines) from None
