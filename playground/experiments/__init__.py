"""Experiments: sweeps and comparisons of many training runs of one session.

Layer: above session and analysis, below workspace. May import analysis, session, train,
compile, data, graph, numpy, torch. Never Qt.
"""
