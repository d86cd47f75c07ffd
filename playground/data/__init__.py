"""Data layer: built-in toy datasets (generated or shipped in resources/) and CSV import.

Layer: beside compile, above graph. May import numpy, torch and ``playground.graph.spec``
(plain data) only.
"""

from playground.data import csv_import, hierarchy, images, planar, regression, sequences  # noqa: F401  (register)
from playground.data.bundle import DataBundle, DatasetError
from playground.data.csv_import import load_csv
from playground.data.preview import preview
from playground.data.registry import DATASETS, DatasetDef, get_dataset, make_dataset

# The order lists show them in: the classic 2-D sets first, the user's own file last.
_ORDER = ("spirals", "circles", "xor", "gaussians", "moons", "checkerboard", "plane", "bumps", "sine",
          "polynomial", "copy", "reverse", "sort", "addition", "parity", "majority", "digits", "shapes",
          "hierarchy", "csv")
for _name in _ORDER:
    if _name in DATASETS:
        DATASETS[_name] = DATASETS.pop(_name)

__all__ = ["DATASETS", "DataBundle", "DatasetDef", "DatasetError", "get_dataset", "load_csv", "make_dataset",
           "preview"]
