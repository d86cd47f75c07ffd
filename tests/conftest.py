import os

# No display in tests; keep torch to one thread so parallel runs on 2 cores stay predictable.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PLAYGROUND_NO_AUTOSAVE_PROMPT", "1")
