"""Measurement: talk to a running device over its serial port and report what it does.

Reads a serial port/URL (the MLPerf Tiny protocol plus tinydeploy's extensions), input
sets and optionally a `Compiled` model as the host reference; hands on a JSON-able profile
report (latency, per-layer cost, output check, energy). `run` chains build, flash and
profile for one model and one board; calibrate_cost measures the cost model's rows in QEMU.
"""
