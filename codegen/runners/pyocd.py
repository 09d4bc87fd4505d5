from codegen.runners.base import FlashRunner, RunnerCapabilities


class PyOcdRunner(FlashRunner):
    """pyOCD: CMSIS-DAP, ST-LINK and J-Link probes. Targets outside pyOCD's built-ins need their
    CMSIS pack first: ``pyocd pack install <target>``."""

    name = "pyocd"
    program = "pyocd"
    install_hint = "pip install pyocd (then pyocd pack install <target> for STM32/nRF53 parts)"
    capabilities = RunnerCapabilities(probe=True, file_format="hex")

    def commands(self):
        argv = [self.program, "flash", "--target", str(self.options["target"])]
        if self.probe:
            argv += ["--uid", self.probe]
        return [argv + [str(self.image)]]
