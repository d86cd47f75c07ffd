"""The README's CLI reference is the parsers' own help text, so it cannot drift from them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_cli_reference_is_current():
    sys.path.insert(0, str(ROOT / "packaging"))
    import cli_reference

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert cli_reference.updated(text) == text, "run python packaging/cli_reference.py"
    for name in ("train", "sweep", "experiment", "prune", "lesion", "summary"):
        assert f"### `playground {name}`" in text


def test_the_check_mode_fails_on_a_stale_reference(tmp_path):
    script = ROOT / "packaging" / "cli_reference.py"
    stale = (ROOT / "README.md").read_text(encoding="utf-8").replace("usage: playground sweep", "usage: playground swep", 1)
    copy = tmp_path / "packaging"
    copy.mkdir()
    (copy / "cli_reference.py").write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "README.md").write_text(stale, encoding="utf-8")
    (tmp_path / "playground").symlink_to(ROOT / "playground")
    result = subprocess.run([sys.executable, str(copy / "cli_reference.py"), "--check"], capture_output=True,
                            text=True, cwd=tmp_path)
    assert result.returncode == 1 and "out of date" in result.stdout
