"""Train the bundled example: a small CNN on scikit-learn's 8x8 digits (shipped with
scikit-learn, so nothing is downloaded). Writes digits.keras (Keras 3) and digits.npz."""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(out_dir: str) -> None:
    import keras
    import numpy as np
    from sklearn.datasets import load_digits

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(0)
    d = load_digits()
    x = (d.images / 16.0).astype("float32")[..., None]     # [1797, 8, 8, 1] in [0, 1]
    y = d.target.astype("int64")
    idx = np.random.default_rng(0).permutation(len(x))
    x, y = x[idx], y[idx]
    n_test = 360
    x_train, y_train, x_test, y_test = x[n_test:], y[n_test:], x[:n_test], y[:n_test]
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ], name="digits")
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=30, batch_size=32, verbose=0)
    _, acc = model.evaluate(x_test, y_test, verbose=0)
    model.save(out / "digits.keras")
    np.savez(out / "digits.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    np.save(out / "x_test.npy", x_test)
    np.save(out / "y_test.npy", y_test)
    print(f"trained digits CNN: float test accuracy {acc * 100:.1f}% on {n_test} held-out digits")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "demo-out")
