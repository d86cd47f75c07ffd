"""Write the example sessions shipped under ``resources/examples/`` (File ▸ Open Example).

    .venv/bin/python packaging/make_examples.py [--check]

Each file is ``playground.workspace.examples.build_example(name)`` saved as it is: untrained, so
it stays small, with its story in the notes. Run this whenever the examples, the templates or the
session schema change; ``--check`` only reports the files that are out of date (exit 1 if any),
as ``tests/unit/test_examples.py`` does.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "examples"


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from playground.session import save_session
    from playground.workspace.examples import EXAMPLES, build_example, out_of_date

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report out-of-date files, write nothing")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, example in EXAMPLES.items():
        path = OUT / example.file
        fresh = build_example(name)
        if args.check:
            problem = "missing" if not path.is_file() else out_of_date(path, fresh)
            if problem:
                stale.append(f"{path.name}: {problem}")
            continue
        save_session(fresh, str(path))
        print(f"wrote {path.relative_to(ROOT)} ({os.path.getsize(path) / 1024:.1f} KiB)")
    for line in stale:
        print(f"out of date: {line}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
