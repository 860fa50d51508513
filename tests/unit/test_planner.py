"""The arena planner: live tensors never overlap, aliases share memory, arena is tight."""
import numpy as np
import pytest

from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.planner import lifetimes, plan
from tinydeploy.compiler.reader import load_model

from tflite_builder import build, tensor

pytestmark = pytest.mark.unit


def _chain_model(tmp_path):
    """x -FC-> a -RESHAPE-> b -FC-> c -ADD(x2)-> d ; the ADD also reads a (long lifetime)."""
    rng = np.random.default_rng(0)
    w1 = rng.integers(-127, 127, (32, 16), dtype=np.int8)
    w2 = rng.integers(-127, 127, (32, 32), dtype=np.int8)
    shape_t = np.array([1, 32], np.int32)
    t = [tensor("x", [1, 16], "int8", 0.1, 0),
         tensor("w1", [32, 16], "int8", 0.01, 0, w1),
         tensor("a", [1, 32], "int8", 0.2, 1),
         tensor("shape", [2], "int32", data=shape_t),
         tensor("b", [1, 32], "int8", 0.2, 1),
         tensor("w2", [32, 32], "int8", 0.01, 0, w2),
         tensor("c", [1, 32], "int8", 0.3, -2),
         tensor("d", [1, 32], "int8", 0.4, 0)]
    ops = [("FULLY_CONNECTED", [0, 1, -1], [2], ("FullyConnectedOptions", {})),
           ("RESHAPE", [2, 3], [4]),
           ("FULLY_CONNECTED", [4, 5, -1], [6], ("FullyConnectedOptions", {})),
           ("ADD", [6, 2], [7], ("AddOptions", {}))]
    p = tmp_path / "chain.tflite"
    p.write_bytes(build(t, ops, [0], [7]))
    return p


def test_live_buffers_never_overlap_and_aliases_share(tmp_path):
    program = lower(load_model(_chain_model(tmp_path)))
    pl = plan(program)
    assert pl.offsets[4] == pl.offsets[2]            # RESHAPE output aliases its input
    bufs = pl.buffers
    for i, a in enumerate(bufs):
        assert a.offset % 4 == 0
        assert a.offset + a.size <= pl.arena_bytes
        for b in bufs[i + 1:]:
            if not (a.last < b.first or b.last < a.first):
                assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset


def test_lifetimes_follow_alias_readers(tmp_path):
    program = lower(load_model(_chain_model(tmp_path)))
    buffers, roots = lifetimes(program)
    by_tensor = {b.tensor: b for b in buffers}
    a = by_tensor[roots[2]]
    assert a.first == 0 and a.last == 3               # read by the final ADD
    assert by_tensor[roots[0]].first == -1            # graph input live from the start
    assert by_tensor[roots[7]].last == len(program.layers)  # graph output kept to the end


def test_arena_is_the_peak_of_live_bytes_with_in_place_add(tmp_path):
    program = lower(load_model(_chain_model(tmp_path)))
    pl = plan(program)
    # a and c (32 B each) die at the ADD, which writes d over one of them: peak a + c = 64 B.
    assert pl.offsets[7] in (pl.offsets[2], pl.offsets[6])
    assert pl.arena_bytes == 64


def test_graph_input_is_never_overwritten_in_place(tmp_path):
    t = [tensor("x", [1, 8], "int8", 0.1, 0), tensor("y", [1, 8], "int8", 0.1, 0)]
    p = tmp_path / "relu.tflite"
    p.write_bytes(build(t, [("RELU", [0], [1])], [0], [1]))
    pl = plan(lower(load_model(p)))
    assert pl.offsets[0] != pl.offsets[1] and pl.arena_bytes == 16


def test_lower_leaves_the_graph_it_is_given_unchanged(tmp_path):
    g = load_model(_chain_model(tmp_path))
    ops, tensors = list(g.ops), list(g.tensors)
    data = [None if t.data is None else t.data.copy() for t in g.tensors]
    program = lower(g)
    assert g.ops == ops and g.tensors == tensors
    assert all((a is None and t.data is None) or np.array_equal(a, t.data)
               for a, t in zip(data, g.tensors))
    assert program.graph is not g


def test_check_accepts_the_plan_and_rejects_overlapping_live_buffers(tmp_path):
    from tinydeploy.compiler.planner import PlanError, check, overlaps
    pl = plan(lower(load_model(_chain_model(tmp_path))))
    check(pl)
    assert overlaps(pl) == []
    a, b = next((a, b) for a in pl.buffers for b in pl.buffers
                if a is not b and not (a.last < b.first or b.last < a.first))
    b.offset = a.offset
    with pytest.raises(PlanError, match=f"tensor {min(a.tensor, b.tensor)} .* overlap"):
        check(pl)


def test_inspect_plan_rows_cover_every_buffer(tmp_path):
    from tinydeploy.compiler.compiled import compile_model
    from tinydeploy.compiler.inspection import format_inspect, inspect_model
    c = compile_model(_chain_model(tmp_path))
    r = inspect_model(c, with_plan=True)
    assert sorted(row["tensor"] for row in r["plan"]) == sorted(b.tensor for b in c.plan.buffers)
    x = next(row for row in r["plan"] if row["name"] == "x")
    assert x["first"] == "input" and x["bytes"] == 16
    assert any(row["last"] == "output" for row in r["plan"])
    assert "memory plan" in format_inspect(r)


def test_scratch_buffers_are_planned_for_their_layer_only(tmp_path):
    from tinydeploy.compiler.inspection import buffer_name
    from tinydeploy.compiler.planner import check, scratch_key
    program = lower(load_model(_chain_model(tmp_path)))
    base = plan(program).arena_bytes
    program.layers[2].scratch = 20          # the second FC, while a (32 B) and b live
    pl = plan(program)
    check(pl)
    s = next(b for b in pl.buffers if b.tensor == scratch_key(2))
    assert (s.first, s.last, s.size) == (2, 2, 20)
    assert pl.offsets[scratch_key(2)] == s.offset and s.offset % 8 == 0
    assert base < pl.arena_bytes <= base + 24
    assert buffer_name(program, s.tensor, s.first).startswith("scratch of td_fully_connected")
