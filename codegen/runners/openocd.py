from codegen.runners.base import FlashRunner, RunnerCapabilities


class OpenOcdRunner(FlashRunner):
    """OpenOCD: loads the ELF with ``program ... verify reset exit``."""

    name = "openocd"
    program = "openocd"
    install_hint = "apt-get install openocd (RP2040 needs OpenOCD 0.12 or the Raspberry Pi fork)"
    capabilities = RunnerCapabilities(probe=True, file_format="elf")

    def commands(self):
        argv = ["openocd"]
        for config in self.options["config"]:
            argv += ["-f", str(config)]
        if self.probe:
            argv += ["-c", f"adapter serial {self.probe}"]
        argv += ["-c", f"program {self.image} verify reset exit"]
        return [argv]
