"""MLPerf Tiny benchmark ids: what the official runner sends and expects for each.

The one table the firmware project (which input conversion and result format the harness
is built with) and the profiler (how to feed a standard MLPerf Tiny firmware that has no
tinydeploy extensions) both read.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Benchmark:
    input_mode: str    # how the `db` bytes become the int8 input: int8, uint8-offset, float32
    results: str       # what `infer` reports: scores (per class) or mse

    @property
    def c_input(self) -> str:
        """The harness's TD_INPUT_* macro for this input mode."""
        return "TD_INPUT_" + self.input_mode.upper().replace("-", "_")

    @property
    def c_results(self) -> str:
        """The harness's TD_RESULTS_* macro for this result format."""
        return "TD_RESULTS_" + self.results.upper()


BENCHMARKS = {
    "kws01": Benchmark("int8", "scores"),
    "vww01": Benchmark("uint8-offset", "scores"),
    "ic01": Benchmark("uint8-offset", "scores"),
    "ad01": Benchmark("float32", "mse"),
}
DEFAULT = Benchmark("int8", "scores")     # any other id: the model's own int8 input


def benchmark(benchmark_id: str | None) -> Benchmark:
    """The benchmark an id stands for; DEFAULT for ids that are not MLPerf Tiny's."""
    return BENCHMARKS.get(benchmark_id or "", DEFAULT)
