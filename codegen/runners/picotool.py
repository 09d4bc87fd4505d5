from codegen.runners.base import FlashRunner, RunnerCapabilities


class PicotoolRunner(FlashRunner):
    """Raspberry Pi picotool over USB: the Pico must be in BOOTSEL mode (hold BOOTSEL while plugging
    it in). Without picotool, copying build/<name>.uf2 onto the RPI-RP2 drive does the same."""

    name = "picotool"
    program = "picotool"
    install_hint = "install picotool (apt-get install picotool, or build it from github.com/raspberrypi/picotool)"
    capabilities = RunnerCapabilities(probe=True, file_format="uf2")

    def commands(self):
        argv = ["picotool", "load", "--verify", "--execute", str(self.image)]
        if self.probe:
            argv += ["--ser", self.probe]
        return [argv]
