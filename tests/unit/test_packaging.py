"""A wheel must carry every subpackage and the bundled data (pyproject lists them explicitly)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_and_the_resources_are_packaged():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "playground").rglob("__init__.py")
    }
    listed = set(config["packages"])
    assert on_disk <= listed, f"not packaged: {sorted(on_disk - listed)}"
    assert config["package-dir"]["playground.resources"] == "resources"
    data = config["package-data"]["playground.resources"]
    for shipped in ("digits.npz", "DIGITS_LICENSE.txt"):
        assert (ROOT / "resources" / shipped).is_file()
        assert any(Path(shipped).match(pattern) for pattern in data), shipped
