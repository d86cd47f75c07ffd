"""The shape of the cli/ package: one module a command, COMMANDS from the parser, no cycles,
no lazy imports back into the CLI, and no torch for --version and --help."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from playground import cli
from playground.cli.parser import COMMAND_MODULES, build_parser, command_names

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "playground" / "cli"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
PROBE = ("import runpy, sys; sys.argv = ['playground', *sys.argv[1:]]\n"
         "try:\n    runpy.run_module('playground', run_name='__main__')\n"
         "except SystemExit:\n    pass\n"
         "sys.stderr.write('imported: ' + ' '.join(m for m in ('torch', 'numpy', 'PySide6') if m in sys.modules))\n")


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["train", "--help"], ["history", "--help"]])
def test_version_and_help_import_no_torch(argv):
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=ENV,
                          timeout=60)
    assert proc.stderr.strip() == "imported:", proc.stderr
    assert proc.stdout.strip()


def _cli_names(node: ast.AST) -> set[str]:
    if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("playground.cli"):
        if node.module == "playground.cli":
            return {f"playground.cli.{a.name}" for a in node.names}
        return {node.module}
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name.startswith("playground.cli")}
    return set()


def _module_imports(path: Path) -> tuple[set[str], set[str]]:
    """(playground.cli modules imported at module level, those imported anywhere deeper)."""
    tree = ast.parse(path.read_text())
    top = set().union(*(_cli_names(n) for n in tree.body))
    nested = set().union(*(_cli_names(n) for n in ast.walk(tree) if n not in tree.body))
    return top, nested


def test_no_lazy_imports_back_into_the_cli_and_no_cycles():
    graph = {}
    for path in sorted(CLI.glob("*.py")):
        name = "playground.cli" if path.stem == "__init__" else f"playground.cli.{path.stem}"
        top, nested = _module_imports(path)
        assert not nested, f"{path.name} imports {sorted(nested)} inside a function"
        graph[name] = {m for m in top if m in {f"playground.cli.{p.stem}" for p in CLI.glob("*.py")}}
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, f"import cycle: {' -> '.join((*trail, name))}"
        if name in done:
            return
        for dep in graph.get(name, ()):
            visit(dep, (*trail, name))
        done.add(name)

    for name in graph:
        visit(name, ())


def test_commands_come_from_the_parser():
    assert cli.COMMANDS == command_names(build_parser())
    assert set(cli.COMMANDS) == {"list", "new", "check", "train", "export", "history", "summary", "inspect",
                                 "lesion", "prune", "sweep", "experiment"}
    for module in COMMAND_MODULES:
        assert callable(module.register) and callable(module.run)


def test_the_console_script_and_the_package_list():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["playground"] == "playground.cli:main"
    assert cli.main is not None and "playground.cli" in project["tool"]["setuptools"]["packages"]
    assert "EXAMPLE_TEMPLATE" not in "".join(p.read_text() for p in CLI.glob("*.py"))
