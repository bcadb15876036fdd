"""Regenerates the command reference in docs/cli.md from ``--help`` (``python -m cli.doc``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.main import main

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
BEGIN, END = "<!-- BEGIN GENERATED HELP -->", "<!-- END GENERATED HELP -->"


def _helps(group: click.Group, parent: click.Context) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name in group.list_commands(parent):  # a lazy group loads each command here
        command = group.get_command(parent, name)
        assert command is not None, name
        ctx = click.Context(command, info_name=name, parent=parent)
        found.append((ctx.command_path, command.get_help(ctx)))
        if isinstance(command, click.Group):
            found += _helps(command, ctx)
    return found


def reference() -> str:
    """Every command's help text, as Markdown."""
    root = click.Context(main, info_name="oigwatch", **main.context_settings)
    parts = [f"### `{path}`\n\n```\n{text}\n```\n" for path, text in _helps(main, root)]
    return "\n".join(parts)


def render(document: str) -> str:
    """The document with its generated section replaced."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n\n{reference()}\n{END}{tail}"


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
