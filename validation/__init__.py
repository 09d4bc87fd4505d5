"""Talking to running firmware: the framed UART protocol (protocol), transports (serial port,
QEMU socket), the validation build (firmware) and ``attendnets validate`` (bit-exactness,
accuracy, latency, per-operator profile). See docs/validate.md."""
