"""Low-rank factorization for `optimize --factorize`: Dense and 1x1 Conv2D layers become two
thinner layers by truncated SVD of the kernel.

Contract:
- `parse_factorize(value)` -> an int RANK (>= 1) or a float ENERGY in (0, 1); anything else
  is a one-line TinyDeployError (the CLI turns it into a usage error).
- `choose_rank(s, spec)`: RANK is min(RANK, len(s)); ENERGY the smallest r with
  sum(s[:r]^2) / sum(s^2) >= ENERGY.
- `svd_factors(w, r)`: for W (in x out) = U S V^T, A = U_r sqrt(S_r) (in x r) and
  B = sqrt(S_r) V_r^T (r x out), so A @ B is the best rank-r approximation of W.
- `factorize_model(tfk, model, spec)` -> (tf_keras model, per-layer rows; a factorized row
  names its two layers in "into"). Every top-level
  Dense and 1x1 Conv2D (stride 1, one group) whose rank r saves parameters
  (r * (in + out) < in * out) becomes layer A (in -> r: no bias, linear, kernel A) then
  layer B (r -> out: the original name, bias and activation, kernel B); every other Dense and
  Conv2D is kept and its row says why. The model is rebuilt from its config (Sequential or
  functional; shared layers too), the other layers keep their weights. Nested and subclassed
  models, and a model with nothing to factorize, are refused with a one-line ModelError.
"""
from __future__ import annotations

import copy
import re

import numpy as np

from ..errors import ModelError, TinyDeployError

RANK_OR_ENERGY = "a RANK (an integer >= 1, e.g. 8) or an ENERGY fraction between 0 and 1 (e.g. 0.9)"


def parse_factorize(value) -> int | float:
    """RANK or ENERGY from an option value (see module docstring)."""
    text = str(value).strip()
    try:
        v = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    except ValueError:
        v = None
    if isinstance(v, int) and v >= 1 or isinstance(v, float) and 0 < v < 1:
        return v
    raise TinyDeployError(f"--factorize: {value!r} is not {RANK_OR_ENERGY}")


def describe(spec: int | float) -> str:
    """"rank 8" or "energy 0.9", as stage labels and progress lines say it."""
    return f"rank {spec}" if isinstance(spec, int) else f"energy {spec:g}"


def choose_rank(s: np.ndarray, spec: int | float) -> int:
    """The rank kept for singular values `s` (descending) under RANK or ENERGY."""
    if isinstance(spec, int):
        return min(spec, len(s))
    energy = np.cumsum(np.square(s, dtype=np.float64))
    if energy[-1] == 0:
        return 1  # an all-zero kernel: one (zero) component keeps everything there is
    return int(np.searchsorted(energy / energy[-1], spec * (1 - 1e-12))) + 1


def svd_factors(w: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A, B, singular values) of the 2-D kernel `w` at rank `r` (see module docstring)."""
    u, s, vt = np.linalg.svd(np.asarray(w, np.float64), full_matrices=False)
    root = np.sqrt(s[:r])
    return ((u[:, :r] * root).astype(np.float32), (root[:, None] * vt[:r]).astype(np.float32),
            s)


def factorize_model(tfk, model, spec: int | float):
    """(the rebuilt tf_keras model, one row per Dense/Conv2D layer); see module docstring."""
    if not (isinstance(model, tfk.Sequential) or getattr(model, "_is_graph_network", False)):
        raise ModelError(f"--factorize: {model.name} is a subclassed model; it rebuilds "
                         "Sequential and functional models only")
    nested = [lay.name for lay in model.layers if hasattr(lay, "layers")]
    if nested:
        raise ModelError(f"--factorize: layer {nested[0]} is a nested model; it rebuilds "
                         "flat Sequential and functional models only (flatten it first)")
    rows, factors = [], {}
    for lay in model.layers:
        if type(lay) not in (tfk.layers.Dense, tfk.layers.Conv2D):
            continue
        row, ab = _plan(lay, spec)
        rows.append(row)
        if ab is not None:
            factors[lay.name] = ab
    if not factors:
        kept = "; ".join(f"{r['layer']}: {r['status']}" for r in rows) or "none in the model"
        raise ModelError(f"--factorize {spec}: nothing to factorize (Dense and 1x1 Conv2D "
                         f"layers where the rank saves parameters): {kept}")
    new, firsts = _rebuild(tfk, model, factors)
    for row in rows:
        if row["layer"] in factors:
            row["into"] = [firsts[row["layer"]], row["layer"]]
    return new, rows


def _plan(lay, spec):
    """(the layer's row, its factors (A, B) shaped as kernels, or None when it is kept)."""
    kernel = lay.get_weights()[0]
    conv = kernel.ndim == 4
    row = dict(layer=lay.name, type="Conv2D" if conv else "Dense",
               shape=[int(d) for d in kernel.shape], rank=None, energy=None,
               params_before=int(sum(w.size for w in lay.get_weights())))
    row["params_after"] = row["params_before"]
    reason = None
    if conv and tuple(lay.kernel_size) != (1, 1):
        reason = "x".join(map(str, lay.kernel_size)) + " kernel"
    elif conv and tuple(lay.strides) != (1, 1):
        reason = "stride " + "x".join(map(str, lay.strides))
    elif conv and lay.groups != 1:
        reason = f"{lay.groups} groups"
    if reason:
        return dict(row, status=f"kept: {reason}"), None
    w = kernel.reshape(kernel.shape[-2:])
    n_in, n_out = w.shape
    a, b, s = svd_factors(w, min(n_in, n_out))
    r = choose_rank(s, spec)
    if r * (n_in + n_out) >= n_in * n_out:
        return dict(row, status=f"kept: rank {r} saves no parameters"), None
    row.update(rank=r, energy=float(np.sum(s[:r] ** 2) / np.sum(s ** 2)) if s.any() else 1.0,
               params_after=row["params_before"] - w.size + r * (n_in + n_out),
               status="factorized")
    a, b = a[:, :r], b[:r]
    if conv:
        a, b = a[None, None], b[None, None]
    return row, (a, b)


def _rebuild(tfk, model, factors: dict):
    """(the model from its config with each factorized layer split in two, weights set;
    {factorized layer: the name of its first layer})."""
    cfg = model.get_config()
    taken = {lay.name for lay in model.layers}
    first = {}  # A's name -> the factorized layer's name
    entries = []
    for entry in cfg["layers"]:
        name = entry["config"]["name"]
        if name not in factors:
            entries.append(entry)
            continue
        a_name = _unique(f"{name}_svd", taken)
        first[a_name] = name
        width = factors[name][0].shape[-1]
        a, b = copy.deepcopy(entry), copy.deepcopy(entry)
        a["config"].update(name=a_name, activation="linear", use_bias=False,
                           activity_regularizer=None,
                           **{"filters" if "filters" in entry["config"] else "units": width})
        b["config"].pop("batch_input_shape", None)  # B is never a Sequential's first layer
        for e in (a, b):
            e.pop("build_config", None)  # the input width of B changed: build from the call
        if "inbound_nodes" in entry:  # functional: A takes the calls, B follows each of them
            a["name"] = a_name
            b["inbound_nodes"] = [[[a_name, i, 0, {}]] for i in range(len(entry["inbound_nodes"]))]
        entries += [a, b]
    cfg["layers"] = entries
    try:
        new = type(model).from_config(cfg)
    except Exception as exc:
        raise ModelError("--factorize: cannot rebuild the model with the factorized layers: "
                         f"{(str(exc).splitlines() or [''])[0][:200]}") from None
    for lay in new.layers:
        if lay.name in factors:
            lay.set_weights([factors[lay.name][1], *model.get_layer(lay.name).get_weights()[1:]])
        elif lay.name in first:
            lay.set_weights([factors[first[lay.name]][0]])
        else:
            lay.set_weights(model.get_layer(lay.name).get_weights())
    return new, {v: k for k, v in first.items()}


def _unique(name: str, taken: set) -> str:
    out, i = name, 1
    while out in taken:
        out, i = f"{name}_{i}", i + 1
    taken.add(out)
    return out
