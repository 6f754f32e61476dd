"""Pan-sector programmes the Digital Office tracks: linked solutions, milestones and progress
(`progress`), changing them (`editing`, Digital Office staff only) and the dashboard
(`dashboard`).

Progress is always computed when it is read, never stored, so it cannot drift from the data it
describes.
"""

from registry.programmes.dashboard import Dashboard, dashboard
from registry.programmes.editing import (
    link_solutions,
    record_figure,
    save_milestone,
    save_programme,
)
from registry.programmes.progress import (
    get_programme,
    list_programmes,
    milestones_with_progress,
    progress,
)

__all__ = [
    "Dashboard",
    "dashboard",
    "get_programme",
    "link_solutions",
    "list_programmes",
    "milestones_with_progress",
    "progress",
    "record_figure",
    "save_milestone",
    "save_programme",
]
