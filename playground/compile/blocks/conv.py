"""conv blocks (declared with @register; see base.py)."""
