"""tfmot's 2:4 pruning (what `optimize --prune-structure 2:4` applies) reaches the 2:4
kernels: its groups run along the input channels, which after conversion are the last
axis of TFLite's [out][in] and [oc][kh][kw][ic] weights, so with a multiple of 4 input
channels every aligned group of the flattened reduction is 2:4; "auto" then stores the
Dense and Conv2D layers nm, and the build stays bit-exact with TFLite Micro."""
import numpy as np
import pytest

from tinydeploy.compiler.lower import lower
from tinydeploy.compiler.reader import load_model

from bitexact import assert_same, run_ours
from oracle import run_tflm

pytestmark = [pytest.mark.tf, pytest.mark.host_c]


def test_tfmot_2_4_pruned_layers_are_stored_nm_and_bit_exact(tmp_path):
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot
    import tf_keras
    tf_keras.utils.set_random_seed(3)
    L = tf_keras.layers
    prune = tfmot.sparsity.keras.prune_low_magnitude
    sched = tfmot.sparsity.keras.ConstantSparsity(0.5, 0)
    model = tf_keras.Sequential([
        tf_keras.Input((6, 6, 8), batch_size=1),
        prune(L.Conv2D(12, 3, activation="relu"), pruning_schedule=sched,
              sparsity_m_by_n=(2, 4)),
        L.Flatten(),
        prune(L.Dense(10), pruning_schedule=sched, sparsity_m_by_n=(2, 4))])
    x = np.random.default_rng(0).standard_normal((64, 6, 6, 8)).astype(np.float32)
    model.compile("adam", "mse")
    model.fit(x, np.zeros((64, 10), np.float32), epochs=1, batch_size=16, verbose=0,
              callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
    model = tfmot.sparsity.keras.strip_pruning(model)

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([x[i:i + 1]] for i in range(32))
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = conv.inference_output_type = tf.int8
    path = tmp_path / "tfmot24.tflite"
    path.write_bytes(conv.convert())

    layers = [la for la in lower(load_model(path)).layers
              if la.op in ("CONV_2D", "FULLY_CONNECTED")]
    assert [la.encoding for la in layers] == ["nm", "nm"]
    xq = np.random.default_rng(1).integers(-128, 128, (4, 1, 6, 6, 8)).astype(np.int8)
    ours = run_ours(path, xq, ["-DTD_SIMD_EMULATE=1"])
    assert_same(ours, run_tflm(path, xq).reshape(ours.shape))
