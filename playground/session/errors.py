"""The one exception the session layer raises for any file a person hands it."""

from __future__ import annotations


class SessionError(Exception):
    """A session file that cannot be saved or opened, with a message for a person.

    ``path`` is the file concerned (when known); ``str(err)`` says what and where.
    """

    def __init__(self, message: str, path: str | None = None) -> None:
        self.message = message
        self.path = path
        super().__init__(f"{_shown(path)}: {message}" if path else message)


def _shown(path: str) -> str:
    # a name with a newline or control character would split or garble the one-line message
    if any(ord(c) < 32 or ord(c) == 127 for c in path) or path != path.strip():
        return repr(path)
    return path
