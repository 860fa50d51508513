"""The filter window shared by convolutions and pooling (TFLite's padding.h; td_window.h
clips the window on the device)."""
from __future__ import annotations


def conv_padding(padding: str, stride: int, dil: int, in_size: int, k: int, out_size: int) -> int:
    """ComputePaddingWithOffset: the leading (top/left) padding."""
    eff = (k - 1) * dil + 1
    total = max((out_size - 1) * stride + eff - in_size, 0)
    return total // 2
