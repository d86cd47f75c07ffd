"""Command line: ``playground [FILE] | list | new | check | train | export``.

Layer: above session. Imports the core freely; imports ``playground.ui`` only to launch the app.
"""

from __future__ import annotations

import argparse
import sys

from playground import __version__


def _list(args: argparse.Namespace) -> int:
    if args.what == "blocks":
        from playground.compile.blocks import BLOCKS

        for name, block in sorted(BLOCKS.items(), key=lambda kv: (kv[1].category, kv[0])):
            print(f"{name:<22} {block.category:<16} {block.description}")
        return 0
    print(f"playground: cannot list {args.what!r} yet", file=sys.stderr)
    return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="playground", description="Neural Playground")
    parser.add_argument("--version", action="version", version=f"Neural Playground {__version__}")
    sub = parser.add_subparsers(dest="command")
    p_list = sub.add_parser("list", help="list templates, datasets or blocks")
    p_list.add_argument("what", choices=["blocks", "templates", "datasets"])
    p_list.set_defaults(func=_list)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
