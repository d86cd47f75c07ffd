"""The "Compare Runs…" window: variants × seeds trained on the same data, their curves overlaid
with min–max bands, a table of final metrics, sizes and time, and any two runs' views side by side.

Layer: ui (PySide6, pyqtgraph). The training and the numbers come from
``playground.experiments.compare``; these widgets only show them and edit the variant list.
"""
