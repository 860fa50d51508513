"""A user builder and a tiny synthetic dataset for tests/tf/test_search.py."""
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
