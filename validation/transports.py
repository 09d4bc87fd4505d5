"""Byte pipes to a running validation firmware: a serial port (pyserial) or QEMU's UART socket.

A transport has ``read(n, timeout_s) -> bytes`` (at most ``n`` bytes, ``b""`` at the
timeout), ``write(data)`` and ``close()``.  The protocol (:mod:`validation.protocol`) is the
same code for both: under ``--qemu`` the emulated UART is a TCP socket on the loopback
interface, so the host side that talks to a real board's serial port is what CI runs.
"""

from __future__ import annotations

import os
import select
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import serial

from attendnets_base.errors import BadInputError, ExternalToolError, ToolNotFoundError

DEFAULT_BAUD = 115200


class SerialTransport:
    """A serial port through pyserial (a USB-serial adapter, a board's virtual COM port, a pty)."""

    def __init__(self, port: str, baud: int = DEFAULT_BAUD):
        self.port = port
        if not port.startswith(("socket://", "rfc2217://", "loop://")) and not os.path.exists(port) \
                and not port.upper().startswith("COM"):
            raise BadInputError(f"serial port {port} does not exist (check the cable; list ports with "
                                "python -m serial.tools.list_ports)")
        try:
            self.serial = serial.serial_for_url(port, baudrate=baud, timeout=0, exclusive=True)
        except serial.SerialException as exc:
            reason = str(exc)
            if "busy" in reason.lower() or "lock" in reason.lower() or "Resource temporarily" in reason:
                raise BadInputError(f"serial port {port} is busy (another program has it open): {reason}") from None
            raise BadInputError(f"cannot open serial port {port}: {reason}") from None
        except (OSError, ValueError) as exc:
            raise BadInputError(f"cannot open serial port {port}: {exc}") from None

    def read(self, n: int, timeout_s: float) -> bytes:
        self.serial.timeout = max(timeout_s, 0.0)
        first = self.serial.read(1)
        if not first:
            return b""
        self.serial.timeout = 0
        return first + self.serial.read(min(n - 1, max(self.serial.in_waiting, 0)))

    def write(self, data: bytes):
        self.serial.write(data)
        self.serial.flush()

    def close(self):
        self.serial.close()


class SocketTransport:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def read(self, n: int, timeout_s: float) -> bytes:
        ready, _, _ = select.select([self.sock], [], [], max(timeout_s, 0.0))
        if not ready:
            return b""
        try:
            data = self.sock.recv(n)
        except ConnectionError:
            data = b""
        if not data:  # the other side closed: nothing more will come
            time.sleep(min(timeout_s, 0.05))
        return data

    def write(self, data: bytes):
        try:
            self.sock.sendall(data)
        except ConnectionError as exc:
            raise ExternalToolError(f"the device closed the connection: {exc}") from None

    def close(self):
        self.sock.close()


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def qemu_command(machine: str, elf: Path, port: int, extra_args=()) -> list[str]:
    """QEMU with UART0 on a loopback TCP server socket; semihosting output (model_init's messages) to stdout.
    ``extra_args``: e.g. the timing model's ``-plugin`` (codegen.runners.cycle_model)."""
    return ["qemu-system-arm", "-machine", machine, "-nographic", "-monitor", "none",
            "-serial", f"tcp:127.0.0.1:{port},server=on,wait=on", "-icount", "shift=0",
            "-semihosting-config", "enable=on,target=native", "-kernel", str(elf), *extra_args]


class QemuTransport(SocketTransport):
    """Starts qemu-system-arm with the firmware and connects to its UART socket."""

    def __init__(self, machine: str, elf: Path, log_path: Path | None = None, log=None, start_timeout_s=20.0,
                 extra_args=()):
        if shutil.which("qemu-system-arm") is None:
            raise ToolNotFoundError("qemu-system-arm not found: apt-get install qemu-system-arm")
        self.port = free_tcp_port()
        self.argv = qemu_command(machine, elf, self.port, extra_args)
        if log:
            log("$ " + shlex.join(self.argv))
        self.log_path = log_path
        self.log_file = open(log_path, "wb") if log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=self.log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + start_timeout_s
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=1.0)
                break
            except OSError:
                if self.process.poll() is not None:
                    self._close_log()
                    raise ExternalToolError(f"qemu-system-arm exited with status {self.process.returncode} "
                                            f"before its UART socket opened{self._log_hint()}") from None
                if time.monotonic() > deadline:
                    self.close()
                    raise ExternalToolError(f"qemu-system-arm did not open its UART socket within "
                                            f"{start_timeout_s:g} s") from None
                time.sleep(0.05)
        sock.settimeout(None)
        super().__init__(sock)

    def _log_hint(self) -> str:
        if self.log_path and Path(self.log_path).is_file():
            text = Path(self.log_path).read_text(errors="replace").strip()
            if text:
                return f": {text.splitlines()[-1]}"
        return ""

    def _close_log(self):
        if self.log_file not in (None, subprocess.DEVNULL):
            self.log_file.close()
            self.log_file = None

    def close(self, wait_s: float = 5.0):
        try:
            if hasattr(self, "sock"):
                super().close()
        finally:
            try:
                self.process.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self._close_log()
