import os

# No display in tests; keep torch to one thread so parallel runs on 2 cores stay predictable.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PLAYGROUND_NO_AUTOSAVE_PROMPT", "1")

# Property tests draw the same examples on every machine and every run: a CI failure is then one
# that anyone can reproduce, never a lucky draw (a new example is a new test, added on purpose).
from hypothesis import settings

settings.register_profile("reproducible", derandomize=True, database=None)
settings.load_profile("reproducible")
