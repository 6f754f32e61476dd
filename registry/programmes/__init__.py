"""Pan-sector programmes the Digital Office tracks: linked solutions, milestones with their
progress, rating and figures (module `progress`), changing them (`editing`, Digital Office
curators only), the figures' history drawn as a chart (`charts`) and the Digital Office's
dashboard (module `dashboard`, read with `read_dashboard`).

Progress is always computed when it is read, never stored, so it cannot drift from the data it
describes.
"""

from registry.programmes.charts import HistoryChart, history_chart
from registry.programmes.dashboard import Dashboard, read_dashboard
from registry.programmes.editing import (
    add_milestone,
    create_programme,
    editable_milestone,
    editable_programme,
    link_solutions,
    record_figure,
    remove_milestone,
    save_milestone,
    save_programme,
    unlink_solution,
    update_milestone,
    update_programme,
)
from registry.programmes.progress import (
    RAG_RULE,
    FigureView,
    MilestoneView,
    ProgrammeView,
    Progress,
    get_programme,
    list_programmes,
    milestone_progress,
    milestones_with_progress,
)
from registry.programmes.reading import (
    ProgrammeForm,
    programme_for_editing,
    solutions_to_link,
)

__all__ = [
    "RAG_RULE",
    "Dashboard",
    "FigureView",
    "HistoryChart",
    "MilestoneView",
    "ProgrammeForm",
    "ProgrammeView",
    "Progress",
    "add_milestone",
    "create_programme",
    "editable_milestone",
    "editable_programme",
    "get_programme",
    "history_chart",
    "link_solutions",
    "list_programmes",
    "milestone_progress",
    "milestones_with_progress",
    "programme_for_editing",
    "read_dashboard",
    "record_figure",
    "remove_milestone",
    "save_milestone",
    "save_programme",
    "solutions_to_link",
    "unlink_solution",
    "update_milestone",
    "update_programme",
]
