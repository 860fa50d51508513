"""The per-channel constants of the fast kernels are 12 bytes a channel (accumulator start
and the 8-byte td_rq_t), and channels the direct one-step form cannot take still run the
fast kernels bit-exact with TFLite Micro: a tiny scale with output zero point -128 (c_hi
wider than 24 bits) and an effective scale >= 0.25 (right shift 1), each re-expressed over
the accumulators the channel can see (kernel_layout.requant_table), checked on the host
with the scalar and the packed (DSP twin) loops, on random and on extreme inputs."""
import copy

import numpy as np
import pytest

from tinydeploy.compiler import kernel_layout as kl
from tinydeploy.compiler import quant
from tinydeploy.compiler.compiled import compile_model

from bitexact import FLAVOURS, assert_same, run_ours
from corrupt_models import base_spec, build_spec
from oracle import run_tflm

pytestmark = pytest.mark.host_c

IN_SCALE, OUT_SCALE = 0.05, 0.1
# per output channel of the first conv: a tiny scale (right shift 18), an effective scale
# of 0.3 (right shift 1), two ordinary ones
W_SCALES = [5e-6, 0.6, 0.015, 0.012]
FAST = ("td_conv2d_im2col_s8", "td_depthwise_conv2d_3x3_s8", "td_fully_connected_rows4_s8")


def _model() -> bytes:
    spec = copy.deepcopy(base_spec())
    t = spec["tensors"]
    t[1]["scale"] = W_SCALES
    t[2]["scale"] = [IN_SCALE * s for s in W_SCALES]
    t[3].update(scale=OUT_SCALE, zp=-128)
    return build_spec(spec)


def test_hard_channels_are_reexpressed_and_bit_exact(tmp_path):
    path = tmp_path / "rq.tflite"
    path.write_bytes(_model())
    mult, shift = zip(*(quant.quantize_multiplier(IN_SCALE * s / OUT_SCALE) for s in W_SCALES))
    assert -shift[0] >= 17 and -shift[1] == 1                     # the two hard channels
    assert kl.requant_table(mult, shift, -128) is None            # the direct form cannot

    c = compile_model(path)
    conv = c.program.layers[0]
    assert conv.kernel == "td_conv2d_im2col_s8"                  # yet the fast kernel runs
    g = c.graph
    w, b = (next(t.data for t in g.tensors if t.name == n) for n in ("c1/w", "c1/b"))
    plain = b.astype(np.int64) + conv.params.in_offset * w.reshape(4, -1).astype(np.int64).sum(1)
    acc0 = next(k.values for k in conv.consts if k.name == conv.params.acc0)
    assert (acc0 != plain).any()                                  # a start was raised

    for layer in c.program.layers:
        if layer.kernel in FAST:                            # at most 12 bytes a channel
            table_bytes = sum(k.nbytes for k in layer.consts if not k.name.endswith("_w"))
            channels = getattr(layer.params, "out_c", None) or layer.params.out_n
            assert table_bytes <= 12 * channels, layer.kernel

    x = np.random.default_rng(3).integers(-128, 128, (24, 8, 8, 3)).astype(np.int8)
    x[0], x[1] = -128, 127                                        # the accumulator range ends
    ref = run_tflm(path, x)
    for flags in FLAVOURS.values():
        ours = run_ours(path, x, flags)
        assert_same(ours, ref.reshape(ours.shape))
