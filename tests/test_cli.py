from attendnets_base import __version__
from attendnets.cli import COMMAND_NAMES

from conftest import assert_one_line_error


def test_help_lists_every_command(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for name in COMMAND_NAMES:
        assert f"  {name} " in result.stdout, f"command {name} missing from --help"


def test_every_command_has_help(cli):
    for name in COMMAND_NAMES:
        result = cli(name, "--help")
        assert result.exit_code == 0, (name, result)
        assert "Usage:" in result.stdout


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_unknown_command_is_one_line(cli):
    result = cli("no-such-command")
    assert_one_line_error(result, code=2)


def test_help_does_not_import_tensorflow(cli_subprocess):
    result = cli_subprocess(
        "--help",
    )
    assert result.exit_code == 0
    from conftest import packages_imported_by

    assert packages_imported_by("from attendnets.cli import main; main(['--help'])", ("tensorflow",)) == []


def test_ctrl_c_exits_130(monkeypatch, cli):
    import click

    from attendnets import cli as cli_module

    def interrupted(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise click.Abort() from exc

    monkeypatch.setattr(cli_module.cli, "main", interrupted)
    result = cli("--help")
    assert result.exit_code == 130
    assert result.stderr.strip() == "error: interrupted"
