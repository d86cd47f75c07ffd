"""The packaged app's entry point: the same command line as ``playground`` (``neural-playground``
alone opens the app on an example, ``neural-playground FILE`` opens a session, and every
subcommand works as it does from a pip install)."""

import sys

try:
    from playground.cli import main
except KeyboardInterrupt:  # Ctrl+C while the bundle is still unpacking its imports
    sys.stderr.write("playground: interrupted (Ctrl+C)\n")
    raise SystemExit(130) from None

raise SystemExit(main())
