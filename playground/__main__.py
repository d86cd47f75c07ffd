"""``python -m playground`` runs the command line."""

import sys

try:
    from playground.cli import main
except KeyboardInterrupt:  # Ctrl+C while Python is still starting up: one line, like any other moment
    sys.stderr.write("playground: interrupted (Ctrl+C)\n")
    raise SystemExit(130) from None

raise SystemExit(main())
