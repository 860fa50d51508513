"""tinydeploy: Keras model to planned, bit-exact C on Cortex-M."""
__version__ = "0.1.0"
