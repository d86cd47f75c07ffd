"""The Help menu: the tour of the first five minutes, what each view shows, the keyboard
shortcuts (made from the real actions) and the About box with versions.

Layer: ui (imports Qt; may import everything below it).
"""

from playground.ui.help.menu import HelpMenu
from playground.ui.help.tour import TOUR_STEPS, Tour, tour_dismissed

__all__ = ["TOUR_STEPS", "HelpMenu", "Tour", "tour_dismissed"]
