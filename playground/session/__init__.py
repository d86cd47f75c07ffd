"""Session layer: the session file format, save/load, migrations, autosave and recovery.

Layer: above train. May import train, compile, data, graph. Never Qt.

    from playground.session import Session, save_session, load_session, SessionError
    from playground.session import Autosaver, find_recoverable
"""

from playground.session.autosave import Autosaver, Recoverable, find_recoverable, state_dir
from playground.session.errors import SessionError
from playground.session.fileformat import load_session, load_session_bytes, save_session, session_bytes
from playground.session.model import SCHEMA_VERSION, Session

__all__ = [
    "SCHEMA_VERSION",
    "Autosaver",
    "Recoverable",
    "Session",
    "SessionError",
    "find_recoverable",
    "load_session",
    "load_session_bytes",
    "save_session",
    "session_bytes",
    "state_dir",
]
