"""The sentences the registry writes about what organisations do: what an organisation's
interest, use and pledge are now, and what an action changed ("Glasgow City Council now
intends to adopt myjobscotland"). One place, so every page and notice says them the same way
and one test can read every sentence for its grammar.
"""

from __future__ import annotations

from registry.vocabulary import ADOPTION_STATUSES, INTEREST_LEVELS

# What an organisation does about a solution at each level of interest: a verb phrase that
# follows the organisation's name, in the present ("Fife Council is exploring myjobscotland").
INTEREST_PHRASES = {
    "following": "is following",
    "exploring": "is exploring",
    "intends_to_adopt": "intends to adopt",
}
# What each level means and what happens next: the hint beside each choice.
INTEREST_HINTS = {
    "following": "You want to hear about changes to it. Nothing is expected of your "
    "organisation; you can be told when it changes.",
    "exploring": "You are finding out whether it would work for you. The owner may contact "
    "you, and it counts towards the demand the Digital Office sees.",
    "intends_to_adopt": "You plan to use it. It counts as firm demand: the owner and the "
    "Digital Office may plan a joint approach with you. Record your use once you start.",
}
ADOPTION_PHRASES = {
    "planned": "plans to use",
    "live": "now uses",
    "retired": "no longer uses",
}
assert set(INTEREST_PHRASES) == set(INTEREST_LEVELS)
assert set(ADOPTION_PHRASES) == set(ADOPTION_STATUSES)


def _sentence(text: str) -> str:
    return text if text.endswith(".") else f"{text}."


def amounts(pence: int, days: int) -> str:
    """A pledge's amounts in words: "£12,500 and 5 days", "£12,500", "1 day"."""
    parts = []
    if pence:
        pounds, rest = divmod(int(pence), 100)
        parts.append(f"£{pounds:,}.{rest:02d}" if rest else f"£{pounds:,}")
    if days:
        parts.append(f"{days:,} day" if days == 1 else f"{days:,} days")
    return " and ".join(parts) or "nothing"


def interest_now(organisation: str, level: str) -> str:
    """What an organisation's interest is: "Glasgow City Council intends to adopt it"."""
    return _sentence(f"{organisation} {INTEREST_PHRASES[level]} it")


def interest_registered(organisation: str, title: str, level: str) -> str:
    phrase = INTEREST_PHRASES[level]
    if phrase.startswith("is "):
        return _sentence(f"{organisation} is now {phrase.removeprefix('is ')} {title}")
    return _sentence(f"{organisation} now {phrase} {title}")


def interest_withdrawn(organisation: str, title: str) -> str:
    return _sentence(f"{organisation} is no longer interested in {title}")


def adoption_recorded(organisation: str, title: str, status: str, ended_level: str = "") -> str:
    """What recording use changed; `ended_level` is the interest it ended, if any."""
    text = _sentence(f"{organisation} {ADOPTION_PHRASES[status]} {title}")
    if ended_level:
        text += (
            f" Its interest ({INTEREST_PHRASES[ended_level].removeprefix('is ')} it) has ended, "
            "because an organisation using a solution is no longer demand for it."
        )
    return text


def adoption_now(organisation: str, status: str) -> str:
    return _sentence(f"{organisation} {ADOPTION_PHRASES[status].replace('now ', '')} it")


def pledge_now(organisation: str, pence: int, days: int, status: str) -> str:
    state = "confirmed" if status == "confirmed" else "not yet confirmed"
    return _sentence(f"{organisation} has pledged {amounts(pence, days)} ({state})")


def change_pledge_label(pence: int, days: int) -> str:
    """The pledge form's button and heading when one is already made."""
    return f"Change your pledge (currently {amounts(pence, days)})"


def pledge_recorded(
    organisation: str,
    title: str,
    pence: int,
    days: int,
    before: tuple[int, int] | None = None,
    unconfirmed: bool = False,
) -> str:
    if before is None:
        return _sentence(f"{organisation} has pledged {amounts(pence, days)} to {title}")
    if before == (pence, days):
        unchanged = amounts(pence, days)
        return _sentence(f"{organisation}'s pledge to {title} is unchanged at {unchanged}")
    text = _sentence(
        f"{organisation}'s pledge to {title} changed from {amounts(*before)} "
        f"to {amounts(pence, days)}"
    )
    if unconfirmed:
        text += " It was confirmed before; it needs confirming again."
    return text


def pledge_withdrawn(organisation: str, title: str) -> str:
    return _sentence(f"{organisation} has withdrawn its pledge to {title}")


def pledge_confirmed(organisation: str, title: str) -> str:
    return _sentence(f"{organisation}'s pledge to {title} is confirmed")


def solution_created(title: str, owner: str) -> str:
    return _sentence(
        f"{title} has been saved as a draft. Only members of {owner} and the Digital Office "
        "can see it until it is published"
    )


def solution_saved(title: str) -> str:
    return _sentence(f"Your changes to {title} have been saved")


def solution_published(title: str) -> str:
    return _sentence(f"{title} is published: anyone can now find it")


def solution_retired(title: str) -> str:
    return _sentence(
        f"{title} has been retired. It stays in the registry, so links and history remain true"
    )


def supply_linked(title: str, procurement: str, lot: str = "") -> str:
    on = f" ({lot})" if lot else ""
    return _sentence(f"{title} can now be bought through {procurement}{on}")


def supply_unlinked(title: str, procurement: str) -> str:
    return _sentence(f"{title} is no longer listed as bought through {procurement}")
