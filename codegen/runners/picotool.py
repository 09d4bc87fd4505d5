from codegen.runners.base import FlashRunner, RunnerCapabilities


class PicotoolRunner(FlashRunner):
    """Raspberry Pi picotool over USB: the Pico must be in BOOTSEL mode (hold BOOTSEL while plugging
    it in). Without picotool, copying build/<name>.uf2 onto the RPI-RP2 drive does the same."""

    name = "picotool"
    program = "picotool"
    install_hint = ("install picotool 2.0 or later (--probe uses its --ser option, new in 2.0): build it from "
                    "github.com/raspberrypi/picotool or take it from the Pico SDK tools; Debian 12 has no package")
    capabilities = RunnerCapabilities(probe=True, file_format="uf2")

    def commands(self):
        argv = [self.program, "load", "--verify", "--execute", str(self.image)]
        if self.probe:
            argv += ["--ser", self.probe]
        return [argv]
