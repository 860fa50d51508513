"""Whole blocks of the models people bring (tests/zoo_blocks.py: MobileNetV3 with hard-swish
and squeeze-excite, a U-Net with Conv2DTranspose / UpSampling2D decoders and concatenated
skips, MultiHeadAttention) bit-exact with TFLite Micro, scalar and DSP loops."""
import pytest

from bitexact import stem_tests

pytestmark = [pytest.mark.tf, pytest.mark.host_c]

globals().update(stem_tests("model_blocks"))
