"""The command line says what it does: every argument with its help, defaults once, the environment, the real URL."""

from __future__ import annotations

import argparse
import re
import socket
import subprocess

import pytest

from casereport.apps.cli import main
from casereport.apps.serve import prepare_site, voila_command, voila_environment
from casereport.data.bundled import default_case_dir


class _Built(Exception):
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


def _parsers() -> dict[str, argparse.ArgumentParser]:
    """The top-level parser and every subcommand's, as ``main`` builds them."""

    def capture(self, args=None, namespace=None):
        raise _Built(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(argparse.ArgumentParser, "parse_args", capture)
        with pytest.raises(_Built) as built:
            main([])
    top = built.value.parser
    found = {"": top}
    pending = [("", top)]
    while pending:
        prefix, parser = pending.pop()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found[f"{prefix} {name}".strip()] = sub
                    pending.append((f"{prefix} {name}".strip(), sub))
    return found


PARSERS = _parsers()


def _help(command: str, capsys) -> str:
    with pytest.raises(SystemExit):
        main([*command.split(), "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("command", sorted(PARSERS))
def test_every_argument_has_a_line_of_help_and_its_default_once(command, capsys):
    for action in PARSERS[command]._actions:
        # A group of subcommands has a line for each subcommand, not one of its own.
        lines = action._choices_actions if isinstance(action, argparse._SubParsersAction) else [action]
        for line in lines:
            assert line.help, f"casereport {command}: {line.dest} has no help"
    text = " ".join(_help(command, capsys).split())
    assert "(default: None)" not in text
    assert not re.search(r"default: (\S+) \(default: \1\)", text), text
    assert "`" not in text, "help is read in a terminal: no Markdown"


def test_defaults_are_shown_where_there_is_one(capsys):
    text = " ".join(_help("figures", capsys).split())
    assert "resolution of the PNG files (default: 300)" in text
    assert "--out OUT folder for the figures --format" in text  # required: no default to name
    text = " ".join(_help("report", capsys).split())
    assert "Markdown, HTML or JSON (default: md)" in text


@pytest.mark.parametrize("command", ["", "dashboard", "figures", "slides"])
def test_the_environment_variables_are_named(command, capsys):
    text = _help(command, capsys)
    for variable in ("CASEREPORT_CASE", "CASEREPORT_ROOT"):
        assert re.search(rf"^  {variable}  \S", text, re.MULTILINE), text


def test_voila_serves_on_the_port_printed_or_not_at_all():
    """Voila moves to the next free port when it finds its own taken, so the URL printed before it starts named
    a port nothing served: it is told to take that port or none."""
    site = prepare_site()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            voila_command(port=port),
            cwd=site,
            env=voila_environment(default_case_dir(), site),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode != 0
    assert "could not be started" in result.stderr
