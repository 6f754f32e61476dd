"""The JSON API under /api/v1: its typed request and response shapes (`schemas`) and the
operations that read (`read`). Handlers parse and check their input, call one service function
and answer with a typed shape; refusals use the one error shape of `registry.web.errors`."""

from registry.web.api.read import OrganisationsApi, SearchApi, SolutionsApi
from registry.web.api.synonyms import SynonymsApi

API_CONTROLLERS = [OrganisationsApi, SolutionsApi, SearchApi, SynonymsApi]

__all__ = ["API_CONTROLLERS", "OrganisationsApi", "SearchApi", "SolutionsApi"]
