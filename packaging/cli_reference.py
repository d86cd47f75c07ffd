"""Write the README's CLI reference from the real argument parsers, so that it cannot drift.

    python packaging/cli_reference.py          # rewrite the section in README.md
    python packaging/cli_reference.py --check  # exit 1 if README.md is out of date

The section sits between the markers ``<!-- cli-reference:start -->`` and
``<!-- cli-reference:end -->``; ``tests/unit/test_cli_reference.py`` checks it is current.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def reference() -> str:
    """Each command's usage and options as ``--help`` prints them, at a fixed width."""
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal: the same text everywhere
    sys.path.insert(0, str(ROOT))
    from playground.cli.parser import build_parser, command_names

    parser = build_parser()
    parts = ["```text", parser.format_help().rstrip(), "```"]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in command_names(parser):
        parts += ["", f"### `playground {name}`", "", "```text", sub.choices[name].format_help().rstrip(), "```"]
    return "\n".join(parts)


def updated(text: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"{README}: the markers {START} and {END} are missing")
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{START}\n{reference()}\n{END}{tail}"


def main() -> int:
    check = "--check" in sys.argv[1:]
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if check:
        if new != text:
            print("README.md's CLI reference is out of date: run python packaging/cli_reference.py")
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    print(f"wrote the CLI reference into {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
