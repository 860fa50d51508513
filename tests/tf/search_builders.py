"""User builders and a tiny synthetic dataset for tests/tf/test_search*.py."""
import numpy as np


def tiny_cnn(trial):
    """Conv width is the knob that decides whether the int8 model fits the RAM limit."""
    import tf_keras as k
    width = trial.suggest("width", [2, 48])
    dense = trial.suggest("dense", [0, 8])
    x = k.Input(trial.input_shape)
    y = k.layers.Conv2D(width, 3, padding="same", activation="relu")(x)
    y = k.layers.MaxPooling2D(2)(y)
    y = k.layers.Flatten()(y)
    if dense:
        y = k.layers.Dense(dense, activation="relu")(y)
    return k.Model(x, k.layers.Dense(trial.classes, activation="softmax")(y))


def stripes(n=800, seed=0):
    """Two classes: a bright top half or a bright bottom half (learnable in an epoch or two)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 0.5, (n, 12, 12, 1)).astype(np.float32)
    y = rng.integers(0, 2, n)
    x[y == 0, :6] += 1.0
    x[y == 1, 6:] += 1.0
    return x, y.astype(np.int64)


def save_stripes(path, n=800, seed=0):
    x, y = stripes(n, seed)
    np.savez(path, x=x, y=y)
    return path


# Builders for the multi-node Ray tests (tests/tf/test_search_ray_cluster.py): a node of the
# test's cluster has TD_TEST_NODE (its name) and TD_TEST_DIR (a shared folder) in its
# environment, and so do the trials it runs; the driver has neither and builds as tiny_cnn.
def _wait(done, seconds=120):
    """Until done() or `seconds` (a guard: the test's own assertions then fail)."""
    import time
    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:
        time.sleep(0.1)


def on_both_nodes(trial):
    """tiny_cnn; a trial first waits until a trial has started on each of the nodes "head"
    and "2", so that a search holds a trial on both whatever the host's speed."""
    import os
    from pathlib import Path
    node, shared = os.environ.get("TD_TEST_NODE"), os.environ.get("TD_TEST_DIR")
    if node and shared:
        Path(shared, f"started-{node}").touch()
        _wait(lambda: Path(shared, "started-head").exists() and Path(shared, "started-2").exists())
    return tiny_cnn(trial)


def dies_on_node_2(trial):
    """tiny_cnn; a trial on node "2" writes its node id and knobs to TD_TEST_DIR/victim (JSON)
    and waits there to be killed with its node; a trial on the head waits until the victim
    exists, so that a trial is lost with node 2 whatever the host's speed."""
    import json
    import os
    from pathlib import Path
    node, shared = os.environ.get("TD_TEST_NODE"), os.environ.get("TD_TEST_DIR")
    if node == "2" and shared:
        import ray
        knobs = {"width": trial.suggest("width", [2, 48]), "dense": trial.suggest("dense", [0, 8])}
        Path(shared, "victim.part").write_text(json.dumps(
            {"node": ray.get_runtime_context().get_node_id(), "knobs": knobs}))
        Path(shared, "victim.part").rename(Path(shared, "victim"))
        _wait(lambda: False)
    elif node and shared:
        _wait(lambda: Path(shared, "victim").exists())
    return tiny_cnn(trial)
