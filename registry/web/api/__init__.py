"""The JSON API under /api/v1: its typed request and response shapes (`schemas`) and the
operations that read (`read`) and write (`write`, `programmes`), who is asking and how often
(`access`, bearer tokens and rate limits), and what the operations share (`common`).
Handlers parse and check their input, call one service function and answer with a typed
shape; refusals use the one error shape of `registry.web.errors`."""

from registry.web.api.programmes import HistoryApi, ProgrammesApi
from registry.web.api.read import OrganisationsApi, SearchApi, SolutionReadsApi
from registry.web.api.synonyms import SynonymsApi
from registry.web.api.write import SolutionWritesApi


class SolutionsApi(SolutionReadsApi, SolutionWritesApi):
    """Reading and writing solutions: one controller, since they share their paths."""


API_CONTROLLERS = [
    OrganisationsApi,
    SolutionsApi,
    SearchApi,
    ProgrammesApi,
    HistoryApi,
    SynonymsApi,
]

__all__ = [
    "API_CONTROLLERS",
    "HistoryApi",
    "OrganisationsApi",
    "ProgrammesApi",
    "SearchApi",
    "SolutionWritesApi",
    "SolutionsApi",
    "SynonymsApi",
]
