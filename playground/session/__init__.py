"""Session layer: the session file format, save/load, migrations, autosave and recovery.

Layer: above train. May import train, compile, data, graph. Never Qt.
"""
