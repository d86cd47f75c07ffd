"""Data layer: built-in toy datasets (generated or shipped in resources/) and CSV import.

Layer: beside compile, above graph. May import numpy, torch and ``playground.graph.spec``
(plain data) only.
"""
