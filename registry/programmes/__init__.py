"""Pan-sector programmes the Digital Office tracks: linked solutions, milestones and their
progress (module `progress`), changing them (`editing`, Digital Office staff only) and the
Digital Office's dashboard (module `dashboard`, read with `read_dashboard`).

Progress is always computed when it is read, never stored, so it cannot drift from the data it
describes.
"""

from registry.programmes.dashboard import Dashboard, read_dashboard
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
    milestone_progress,
    milestones_with_progress,
)

__all__ = [
    "Dashboard",
    "MilestoneView",
    "ProgrammeView",
    "Progress",
    "get_programme",
    "link_solutions",
    "list_programmes",
    "milestone_progress",
    "milestones_with_progress",
    "read_dashboard",
    "record_figure",
    "save_milestone",
    "save_programme",
]
