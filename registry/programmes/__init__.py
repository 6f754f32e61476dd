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
    MilestoneView,
    ProgrammeView,
    Progress,
    get_programme,
    list_programmes,
    milestones_with_progress,
    progress,
)

__all__ = [
    "Dashboard",
    "MilestoneView",
    "ProgrammeView",
    "Progress",
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
