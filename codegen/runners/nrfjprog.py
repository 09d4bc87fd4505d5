from codegen.runners.base import FlashRunner, RunnerCapabilities


class NrfjprogRunner(FlashRunner):
    """Nordic nrfjprog (J-Link): program with sector erase and verify, then reset."""

    name = "nrfjprog"
    program = "nrfjprog"
    install_hint = "install nRF Command Line Tools from nordicsemi.com (nrfjprog, with SEGGER J-Link)"
    capabilities = RunnerCapabilities(probe=True, file_format="hex")

    def _common(self):
        argv = ["-f", str(self.options["family"])]
        if "coprocessor" in self.options:
            argv += ["--coprocessor", str(self.options["coprocessor"])]
        if self.probe:
            argv += ["--snr", self.probe]
        return argv

    def commands(self):
        return [
            [self.program, "--program", str(self.image), "--sectorerase", "--verify", *self._common()],
            [self.program, "--reset", *self._common()],
        ]
