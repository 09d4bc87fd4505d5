import tempfile
from pathlib import Path

from codegen.runners.base import FlashRunner, RunnerCapabilities
from codegen.runners.cycle_model import QemuTiming, TimingSettings

DEFAULT_TIMEOUT_S = 120


class QemuRunner(FlashRunner):
    """qemu-system-arm: runs the ELF with semihosting, streams its output, returns its exit status
    (the firmware ends through SYS_EXIT_EXTENDED). ``-icount shift=0``: one instruction per
    virtual nanosecond, so the SysTick cycle count is deterministic.

    Each run also loads the Cortex-M4 timing model (codegen.runners.cycle_model, docs/timing.md)
    and logs every inference as "N instructions (QEMU), M cycles (Cortex-M4 timing model, 0 wait
    states)"; on other cores the instructions only, with the reason."""

    name = "qemu"
    program = "qemu-system-arm"
    install_hint = "apt-get install qemu-system-arm"
    capabilities = RunnerCapabilities(probe=False, streams_output=True, file_format="elf")

    def __init__(self, project, probe=None, dry_run=False, timeout_s=None, log=print, wait_states=0):
        super().__init__(project, probe, dry_run, timeout_s or DEFAULT_TIMEOUT_S, log)
        self.wait_states = wait_states  # the timing model's flash wait states (docs/timing.md)
        self.timing = None
        self.invocations = None  # cycle_model.Invocation per model_invoke() after run()

    def commands(self):
        return [[
            self.program, "-M", str(self.options["machine"]), "-nographic", "-monitor", "none",
            "-serial", "none", "-icount", "shift=0", "-semihosting-config", "enable=on,target=native",
            "-kernel", str(self.image), *(self.timing.argv if self.timing else []),
        ]]

    def run(self) -> int:
        if self.dry_run or not self.image.is_file():
            return super().run()
        with tempfile.TemporaryDirectory(prefix="attendnets-timing-") as work:
            settings = TimingSettings.for_board(self.board, self.wait_states)
            self.timing = QemuTiming.try_create(self.board.cpu, self.image, Path(work) / "timing.txt", log=self.log,
                                                settings=settings)
            try:
                status = super().run()
                if self.timing is not None:
                    self._log_timing()
            finally:
                self.timing = None
        return status

    def _log_timing(self):
        self.invocations = self.timing.invocations()
        if self.invocations is None:
            self.log("timing model: QEMU wrote no result (stopped early?)")
            return
        for n, inv in enumerate(self.invocations):
            self.log(f"inference {n + 1}: {self.timing.describe(inv.total)}")
