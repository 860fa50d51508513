"""A search space for `tinydeploy search` on scikit-learn's digits (nothing downloaded):

    tinydeploy search --builder examples/digits/search_space.py:build \
        --data examples/digits/search_space.py:digits --board mps2-an386 --trials 12 -o td-search
"""
import numpy as np


def digits():
    """The same seeded split as train.py: 1437 training and 360 test digits, 8x8x1 in [0, 1]."""
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.images / 16.0).astype("float32")[..., None]
    y = d.target.astype("int64")
    idx = np.random.default_rng(0).permutation(len(x))
    x, y = x[idx], y[idx]
    return {"x_train": x[360:], "y_train": y[360:], "x_test": x[:360], "y_test": y[:360]}


def build(trial):
    """Conv width, a depthwise-separable block or not, a second conv, the head's width."""
    import tf_keras as k
    width = trial.suggest("width", [8, 16, 32])
    separable = trial.suggest("separable", [False, True])
    second = trial.suggest("second", [0, 16, 32])
    head = trial.suggest("head", [0, 32])
    x = k.Input(trial.input_shape)
    y = k.layers.Conv2D(width, 3, padding="same", activation="relu")(x)
    if separable:
        y = k.layers.DepthwiseConv2D(3, padding="same", activation="relu")(y)
        y = k.layers.Conv2D(width, 1, activation="relu")(y)
    y = k.layers.MaxPooling2D(2)(y)
    if second:
        y = k.layers.Conv2D(second, 3, padding="same", activation="relu")(y)
    y = k.layers.GlobalAveragePooling2D()(y) if not head else k.layers.Flatten()(y)
    if head:
        y = k.layers.Dense(head, activation="relu")(y)
    return k.Model(x, k.layers.Dense(trial.classes, activation="softmax")(y))
