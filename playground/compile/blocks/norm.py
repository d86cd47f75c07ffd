"""norm blocks (declared with @register; see base.py)."""
