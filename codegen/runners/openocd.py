from attendnets_base.errors import BadInputError
from codegen.runners.base import FlashRunner, RunnerCapabilities


class OpenOcdRunner(FlashRunner):
    """OpenOCD: loads the ELF with ``program ... verify reset exit``."""

    name = "openocd"
    program = "openocd"
    install_hint = "apt-get install openocd (RP2040 needs OpenOCD 0.12 or the Raspberry Pi fork)"
    capabilities = RunnerCapabilities(probe=True, file_format="elf")

    def commands(self):
        argv = [self.program]
        for config in self.options["config"]:
            argv += ["-f", str(config)]
        for command in self.options.get("commands", ()):  # board settings after the configs, e.g. adapter speed
            argv += ["-c", str(command)]
        if self.probe:
            argv += ["-c", f"adapter serial {self.probe}"]
        # OpenOCD's commands are Tcl: the path is braced so spaces and $ [ ] stay part of it
        image = str(self.image)
        if "{" in image or "}" in image:
            raise BadInputError(f"openocd cannot take a path with braces: {image} (move the project)")
        argv += ["-c", f"program {{{image}}} verify reset exit"]
        return [argv]
