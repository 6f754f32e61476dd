"""The embedded engine's synonyms: kept in the index directory, applied by expanding queries.

`set_synonyms` writes them to `synonyms.json` in the engine's directory (beside the index
generations, so a rebuild keeps them), atomically: a temporary file renamed over the old one.
Every process using the directory looks at the file's signature before each search and reads it
again when it changed, so one process's change reaches the others at their next search. A query's
runs of one to three adjacent plain words that have synonyms gain, as further units of its plan,
each equivalent: one word (exact, no typos or prefix) or adjacent words (like a phrase), so the
ranking and the highlights treat an equivalent found as a match of those query words.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path

from search.query_syntax import ParsedQuery
from search.synonyms import Synonyms, SynonymTable, check, dumps
from search.tantivy.generations import Signature, signature
from search.tantivy.plan import Plan, Unit
from search.tantivy.text import QueryWord, terms_of_word

FILE = "synonyms.json"
MAX_FILE_BYTES = 4_000_000


def _engine_words(word: str) -> list[str]:
    # the index's terms without their doubled first letter
    return [term[1:] for term in terms_of_word(word)]


class SynonymStore:
    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / FILE
        self._lock = threading.Lock()
        self._seen: Signature = None
        # the table, numbered: each reading of the file gets the next number
        self._state: tuple[int, SynonymTable] = (0, SynonymTable({}))

    def write(self, synonyms: Synonyms) -> None:
        text = dumps(synonyms)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{FILE}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with temporary.open("w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()

    def read(self) -> dict[str, list[str]]:
        """The synonyms stored (none when the file is missing or unreadable)."""
        try:
            if self.path.stat().st_size > MAX_FILE_BYTES:
                return {}
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            return check(loaded) if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            return {}

    def table(self) -> SynonymTable:
        """The synonyms as last written by any process."""
        return self.current()[1]

    def current(self) -> tuple[int, SynonymTable]:
        """The synonyms as last written by any process, with a number that changes whenever
        they are read again (what a result cached under them is keyed on)."""
        current = signature(self.path)
        if current != self._seen:
            with self._lock:
                if current != self._seen:
                    self._state = (self._state[0] + 1, SynonymTable(self.read(), _engine_words))
                    self._seen = current
        return self._state

    def settled(self) -> int | None:
        """The number of the synonyms read when the file has not changed since (one stat);
        None when `current` must read it again."""
        try:
            if signature(self.path) != self._seen:
                return None
        except OSError:
            return None
        return self._state[0]

    def expand(self, plan: Plan, parsed: ParsedQuery, table: SynonymTable | None = None) -> None:
        """Add to `plan` a unit for each equivalent of its plain words' runs (those of `table`,
        by default the current synonyms)."""
        if table is None:
            table = self.table()
        if not table or not plan.terms:
            return
        words: list[str | None] = []
        for term in parsed.terms:
            terms = [t for w in term.words for t in terms_of_word(w)]
            if not terms:
                continue  # make_plan skips it too
            words.append(terms[0][1:] if len(terms) == 1 and not term.phrase else None)
        if len(words) != plan.terms:
            return
        adjacent = [
            i > 0 and plan.positions[i] == plan.positions[i - 1] + 1 for i in range(len(words))
        ]
        for found in table.expansions(words, adjacent):
            index_terms = tuple(w[0] + w for w in found.words)
            if len(index_terms) == 1:
                unit = Unit(found.first, found.last, word=QueryWord(index_terms[0], 0, False))
            else:
                unit = Unit(found.first, found.last, phrase=index_terms)
            if unit not in plan.units:
                plan.units.append(unit)
