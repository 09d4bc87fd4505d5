from codegen.runners.base import FlashRunner, RunnerCapabilities

DEFAULT_TIMEOUT_S = 120


class QemuRunner(FlashRunner):
    """qemu-system-arm: runs the ELF with semihosting, streams its output, returns its exit status
    (the firmware ends through SYS_EXIT_EXTENDED). ``-icount shift=0``: one instruction per
    virtual nanosecond, so the SysTick cycle count is deterministic."""

    name = "qemu"
    program = "qemu-system-arm"
    install_hint = "apt-get install qemu-system-arm"
    capabilities = RunnerCapabilities(probe=False, streams_output=True, file_format="elf")

    def __init__(self, project, probe=None, dry_run=False, timeout_s=None, log=print):
        super().__init__(project, probe, dry_run, timeout_s or DEFAULT_TIMEOUT_S, log)

    def commands(self):
        return [[
            "qemu-system-arm", "-M", str(self.options["machine"]), "-nographic", "-monitor", "none",
            "-serial", "none", "-icount", "shift=0", "-semihosting-config", "enable=on,target=native",
            "-kernel", str(self.image),
        ]]
