from codegen.runners.base import FlashRunner, RunnerCapabilities


class Stm32CubeProgrammerRunner(FlashRunner):
    """STMicroelectronics STM32CubeProgrammer command line (STM32_Programmer_CLI) over the ST-LINK."""

    name = "stm32cubeprogrammer"
    program = "STM32_Programmer_CLI"
    install_hint = ("install STM32CubeProgrammer from st.com (STM32CubeProg) and put its bin/ folder "
                    "(STM32_Programmer_CLI) on PATH")
    capabilities = RunnerCapabilities(probe=True, file_format="hex")

    def commands(self):
        argv = [self.program, "--connect", f"port={self.options.get('port', 'SWD')}"]
        if self.probe:
            argv.append(f"sn={self.probe}")
        return [argv + ["--download", str(self.image), "--verify", "-rst"]]
