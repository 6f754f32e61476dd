"""Which filter values the discover page lists, and in what order."""

from __future__ import annotations

import pytest

from registry.web.pages.discover import facet

pytestmark = pytest.mark.no_database


def test_values_come_most_results_first_then_alphabetically():
    shown = facet("kind", {"platform": 3, "challenge": 5, "component": 3}, [], None)
    assert [(v.value, v.count) for v in shown.values] == [
        ("challenge", 5),
        ("component", 3),
        ("platform", 3),
    ]
    assert shown.left_out == 0


def test_a_long_list_shows_the_largest_and_keeps_what_was_chosen():
    counts = {f"org-{n:02d}": 100 - n for n in range(20)}
    shown = facet("owner", counts, ["org-19", "gone-from-results"], 5)
    assert [v.value for v in shown.values] == [
        "org-00",
        "org-01",
        "org-02",
        "org-03",
        "org-04",
        "org-19",
        "gone-from-results",
    ]
    assert [v.chosen for v in shown.values][-2:] == [True, True]
    assert shown.values[-1].count == 0  # chosen, though no result has it any more
    assert shown.left_out == 14  # 20 with results, 6 of them listed
