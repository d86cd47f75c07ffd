"""``playground list templates|datasets|blocks``."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("list", help="list templates, datasets or blocks")
    p.add_argument("what", choices=["templates", "datasets", "blocks"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.what == "blocks":
        from playground.compile.blocks import BLOCKS

        for name, block in sorted(BLOCKS.items(), key=lambda kv: (kv[1].category, kv[0])):
            print(f"{name:<18} {block.category:<15} {block.description}")
    elif args.what == "templates":
        from playground.graph.templates import TEMPLATES

        for name, t in TEMPLATES.items():
            print(f"{name:<16} {t.dataset:<12} {t.title}: {t.description}")
            print(f"{'':<29} reaches {t.promise()}")
    else:
        from playground.data import DATASETS

        for name, d in sorted(DATASETS.items(), key=lambda kv: (kv[1].category, kv[0])):
            print(f"{name:<14} {d.category:<13} {d.title}: {d.description}")
    return 0
