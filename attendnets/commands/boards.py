"""``attendnets boards``: list the board catalog (firmware_template/boards.toml)."""

import json

import click

from attendnets.commands.options import json_option
from codegen.boards import load_boards


@click.command()
@json_option("Print the catalog as JSON.")
def command(as_json):
    """List the boards firmware can be generated for."""
    boards = load_boards()
    if as_json:
        click.echo(json.dumps({"boards": [b.to_dict() for b in boards.values()]}, indent=2))
        return
    header = f"{'board':<27} {'cpu':<14} {'fpu':<12} {'clock MHz':>9} {'flash KiB':>9} {'arena RAM KiB':>13} tools"
    click.echo(header)
    click.echo("-" * len(header))
    for b in boards.values():
        click.echo(
            f"{b.name:<27} {b.cpu:<14} {b.fpu:<12} {b.clock_hz / 1e6:>9g} {b.flash_bytes // 1024:>9} "
            f"{b.ram_bytes // 1024:>13} {', '.join(b.tools)}"
        )
        for r in b.memory:
            click.echo(f"{'':<4}{r.name:<12} {r.size_bytes // 1024:>6} KiB @0x{r.origin:08X}  {r.speed:<8} "
                       f"{b.holds(r)}")
        click.echo(f"{'':<4}console: {b.console.summary}" + (f" ({b.console.note})" if b.console.note else "")
                   + ("; SWO with --console swo" if b.swo is not None else ""))
        if b.console.source:
            click.echo(f"{'':<6}source: {b.console.source}")
        if b.link_uart is not None:
            click.echo(f"{'':<4}validate link: {b.link_uart.driver} at 0x{b.link_uart.base:08X}"
                       + (f" ({b.link_uart.note})" if b.link_uart.note else ""))
