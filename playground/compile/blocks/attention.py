"""attention blocks (declared with @register; see base.py)."""
