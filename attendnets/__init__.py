"""attendnets: attention-condenser networks from Keras to Cortex-M firmware."""

__version__ = "0.1.0"
