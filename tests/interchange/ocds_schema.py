"""A JSON Schema (draft 4, as OCDS uses) for the parts of an OCDS 1.1 release the registry
writes, stated from the standard's release schema, with the techniques extension's own schema
from the samples patched in. The full release schema is not installable offline, so this holds
the structural rules: required release fields, codelist values, references and numbers."""

import json

from tests.interchange.samples import OCDS

DATE_TIME = {"type": "string", "format": "date-time"}
RELEASE_TAGS = [
    "planning", "planningUpdate", "tender", "tenderAmendment", "tenderUpdate",
    "tenderCancellation", "award", "awardUpdate", "awardCancellation", "contract",
    "contractUpdate", "contractAmendment", "implementation", "implementationUpdate",
    "contractTermination", "compiled",
]  # fmt: skip
TENDER_STATUSES = [
    "planning", "planned", "active", "cancelled", "unsuccessful", "complete", "withdrawn",
]  # fmt: skip
PARTY_ROLES = [
    "buyer", "procuringEntity", "supplier", "tenderer", "funder", "enquirer", "payer",
    "payee", "reviewBody", "interestedParty",
]  # fmt: skip


def release_schema() -> dict:
    extension = json.loads(
        (OCDS / "schema" / "techniques_extension__release-schema.json").read_text("utf-8")
    )
    definitions = {
        "Identifier": {
            "type": "object",
            "properties": {
                "scheme": {"type": "string"},
                "id": {"type": "string"},
                "legalName": {"type": "string"},
                "uri": {"type": "string", "format": "uri"},
            },
            "additionalProperties": False,
        },
        "Organization": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "name": {"type": "string"},
                "identifier": {"$ref": "#/definitions/Identifier"},
                "additionalIdentifiers": {
                    "type": "array",
                    "items": {"$ref": "#/definitions/Identifier"},
                },
                "roles": {"type": "array", "items": {"enum": PARTY_ROLES}, "uniqueItems": True},
            },
            "additionalProperties": False,
        },
        "OrganizationReference": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            "additionalProperties": False,
        },
        "Value": {
            "type": "object",
            "properties": {
                "amount": {"type": "number"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            },
            "additionalProperties": False,
        },
        "Period": {
            "type": "object",
            "properties": {
                "startDate": DATE_TIME,
                "endDate": DATE_TIME,
                "durationInDays": {"type": "integer", "minimum": 0},
            },
            "additionalProperties": False,
        },
        "Document": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "documentType": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
            },
        },
        "Lot": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "value": {"$ref": "#/definitions/Value"},
                "contractPeriod": {"$ref": "#/definitions/Period"},
            },
        },
        "Tender": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "procuringEntity": {"$ref": "#/definitions/OrganizationReference"},
                "status": {"enum": TENDER_STATUSES},
                "procurementMethod": {"enum": ["open", "selective", "limited", "direct"]},
                "value": {"$ref": "#/definitions/Value"},
                "contractPeriod": {"$ref": "#/definitions/Period"},
                "lots": {"type": "array", "items": {"$ref": "#/definitions/Lot"}},
                "documents": {"type": "array", "items": {"$ref": "#/definitions/Document"}},
            },
        },
        "Award": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "status": {"enum": ["pending", "active", "cancelled", "unsuccessful"]},
                "relatedLots": {"type": "array", "items": {"type": "string"}},
                "suppliers": {
                    "type": "array",
                    "items": {"$ref": "#/definitions/OrganizationReference"},
                },
            },
        },
    }
    # The extension adds `techniques` to Tender and Lot (and LotGroup) and defines its types.
    for name, patch in extension["definitions"].items():
        if name in definitions and "properties" in patch:
            definitions[name]["properties"].update(patch["properties"])
        elif name not in definitions:
            definitions[name] = patch
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": ["ocid", "id", "date", "tag", "initiationType"],
        "properties": {
            "ocid": {"type": "string", "pattern": "^ocds-[a-z0-9]{6}-"},
            "id": {"type": "string", "minLength": 1},
            "date": DATE_TIME,
            "tag": {"type": "array", "items": {"enum": RELEASE_TAGS}, "minItems": 1},
            "initiationType": {"enum": ["tender"]},
            "parties": {"type": "array", "items": {"$ref": "#/definitions/Organization"}},
            "buyer": {"$ref": "#/definitions/OrganizationReference"},
            "tender": {"$ref": "#/definitions/Tender"},
            "awards": {"type": "array", "items": {"$ref": "#/definitions/Award"}},
        },
        "definitions": definitions,
    }


def package_schema() -> dict:
    """A release package of OCDS 1.1: the fields 1.1 requires of a package, its releases each
    valid against `release_schema`."""
    release = release_schema()
    definitions = release.pop("definitions")
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": ["uri", "publisher", "publishedDate", "releases", "version"],
        "properties": {
            "uri": {"type": "string", "format": "uri"},
            "version": {"enum": ["1.1"]},
            "publishedDate": DATE_TIME,
            "publisher": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string", "minLength": 1}},
            },
            "extensions": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "releases": {"type": "array", "minItems": 1, "items": release},
        },
        "definitions": definitions,
    }
