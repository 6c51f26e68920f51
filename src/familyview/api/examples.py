"""Examples for the OpenAPI document: one made-up family (no real person), a request and
an answer for every operation, as a client would send and read them.

`api.finish_document` puts each where it belongs; tests/api/test_openapi.py checks that
every operation has one and that each fits its schema.
"""

from typing import Any

CHILD = "P3F2A9C41B7D0E8A6"
MOTHER = "P8C1D2E3F4A5B6C7D"
TODAY = "2026-12-07"

_SOURCE = {
    "code": "stockport_housing",
    "name": "Stockport Homes",
    "organisation": "Stockport Homes Group",
    "service_category": "housing",
    "duty_phone": "0161 474 4999",
    "data_current_as_of": "2026-12-06T02:00:00Z",
    "stale": False,
}
_INVOLVEMENT = {
    "involvement_id": 4182,
    "service_category": "housing",
    "service_name": "Housing",
    "status": "current",
    "current": True,
    "start_date": "2023-04-01",
    "end_date": None,
    "last_contact_date": "2026-11-20",
    "team": "Tenancy Sustainment",
    "organisation": "Stockport Homes Group",
    "lead_professional": {
        "name": "Sam Okafor",
        "role": "Tenancy support officer",
        "phone": "0161 474 4210",
        "email": "sam.okafor@example.org",
    },
    "withheld_reason": "",
    "duty_phone": "0161 474 4999",
    "sensitive": False,
    "summary_only": False,
    "offences": [],
    "details": [{"label": "Rent arrears", "value": "open"}],
    "source": _SOURCE,
}
_IDENTITY = {"probability": 0.998, "words": "Very sure", "records": 3, "source_names": []}
_CHILD_MEMBER = {
    "person_id": CHILD,
    "display_name": "Amelia Hart",
    "age": 9,
    "date_of_birth": "4 June 2017",
    "partial_address": "Brinnington Road, SK5",
    "shielded": False,
    "group": "child",
    "relationships": [],
    "identity": {**_IDENTITY, "source_names": ["Children's social care", "Stockport Homes"]},
    "involvements": [],
}
_MOTHER_MEMBER = {
    **_CHILD_MEMBER,
    "person_id": MOTHER,
    "display_name": "Laura Hart",
    "age": 34,
    "date_of_birth": "1992",
    "group": "parent_or_carer",
    "relationships": [
        {
            "relationship_type": "mother",
            "label": "Mother",
            "confidence": 0.97,
            "confidence_words": "Very likely",
            "provenance": [
                {
                    "kind": "source",
                    "source_code": "stockport_csc",
                    "source_name": "Children's social care",
                    "said_at": "2026-12-06T02:00:00Z",
                    "since": "2017-06-04",
                    "until": None,
                    "description": "Children's social care said so",
                }
            ],
            "disputed": False,
        }
    ],
    "identity": {**_IDENTITY, "source_names": ["Stockport Homes"]},
    "involvements": [_INVOLVEMENT],
}
_PROBLEM_REPORT = {
    "id": 57,
    "person_id": CHILD,
    "kind": "wrong_detail",
    "what": "The school shown is the one she left in July.",
    "involvement_id": None,
    "same_as_id": None,
    "status": "open",
    "reported_at": "2026-12-07T10:15:00Z",
    "resolved_at": None,
}
_REFERENCE_PERSON = {
    "id": CHILD,
    "cmsId": "CSC-104233",
    "firstName": "Amelia",
    "lastName": "Hart",
    "dateOfBirth": "2017-06-04",
    "gender": "female",
    "address": "Brinnington Road, SK5",
}
_SERVICE_SUMMARY = {
    "id": "housing",
    "title": "Housing",
    "lastSynchronised": "2026-12-06T02:00:00Z",
    "coverageStartDate": "2019-01-01",
    "dataSource": "Stockport Homes",
    "recordsAvailable": True,
    "coverageExplanation": "From Stockport Homes, data current as of 6 December 2026, "
    "covering 1 January 2019 to now",
}

# operationId: {"request": the body sent, if any; "response": the successful answer}
EXAMPLES: dict[str, dict[str, Any]] = {
    "getMe": {
        "response": {
            "username": "j.smith",
            "display_name": "Jo Smith",
            "roles": ["practitioner"],
            "authority": "Stockport",
            "api_client": "Liquidlogic",
        }
    },
    "searchPeople": {
        "request": {"name": "Amelia Hart", "date_of_birth": {"year": 2017, "month": 6}},
        "response": {
            "items": [
                {
                    "person_id": CHILD,
                    "name": "Amelia Hart",
                    "age": 9,
                    "partial_address": "Brinnington Road, SK5",
                    "shielded": False,
                    "deceased": False,
                    "sources": ["Children's social care", "Stockport Homes"],
                }
            ],
            "limit": 20,
            "offset": 0,
            "next_offset": None,
        },
    },
    "getPerson": {
        "response": {
            "person_id": CHILD,
            "name": "Amelia Hart",
            "given_name": "Amelia",
            "family_name": "Hart",
            "date_of_birth": "2017-06-04",
            "age": 9,
            "sex": "female",
            "partial_address": "Brinnington Road, SK5",
            "shielded": False,
            "deceased": False,
            "sources": ["Children's social care", "Stockport Homes"],
        }
    },
    "getFamilyNetwork": {
        "response": {
            "child": _CHILD_MEMBER,
            "parents_and_carers": [_MOTHER_MEMBER],
            "siblings": [],
            "household": [],
            "other_family": [],
            "sources": [_SOURCE],
            "rules_version": "2026.3",
            "today": TODAY,
        }
    },
    "listInvolvements": {
        "response": {
            "items": [_INVOLVEMENT],
            "total": 1,
            "limit": 20,
            "offset": 0,
            "links": {
                "self": f"/api/v1/people/{MOTHER}/involvements?limit=20&offset=0",
                "next": None,
                "prev": None,
            },
        }
    },
    "getEcomap": {
        "response": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 600">'
        "<title>Ecomap for Amelia Hart</title>...</svg>"
    },
    "givePurpose": {
        "request": {"purpose": "section_17_assessment", "case_reference": "CIN-2026-0042"},
        "response": {
            "person_id": CHILD,
            "purpose": "section_17_assessment",
            "description": "Section 17 assessment (child in need)",
            "other_text": "",
            "case_reference": "CIN-2026-0042",
        },
    },
    "askNeighbours": {
        "response": {
            "child": CHILD,
            "time_limit_seconds": 4.0,
            "asked": [
                {
                    "person_id": MOTHER,
                    "answers": [
                        {
                            "peer": "manchester",
                            "council": "Manchester City Council",
                            "outcome": "answered",
                            "why": "",
                            "held": None,
                            "services": [
                                {
                                    "service": "Probation",
                                    "category": "probation",
                                    "status": "current",
                                    "start_date": "2026-02-01",
                                    "end_date": None,
                                    "last_contact_date": "2026-11-30",
                                    "team": "Manchester South Probation",
                                    "organisation": "Probation Service",
                                    "lead_professional": {
                                        "name": "Pat Okafor",
                                        "role": "Probation officer",
                                        "phone": "0161 496 0555",
                                        "email": "pat.okafor@example.org",
                                    },
                                    "withheld": "",
                                    "duty_line": "0161 496 0500",
                                    "data_current_as_of": "2026-12-06T02:00:00+00:00",
                                }
                            ],
                        },
                        {
                            "peer": "trafford",
                            "council": "trafford",
                            "outcome": "did_not_answer",
                            "why": "no answer in time",
                            "held": None,
                            "services": [],
                        },
                    ],
                }
            ],
            "not_asked": [CHILD],
        }
    },
    "breakGlass": {
        "request": {
            "justification": "Section 47 strategy meeting today: need the household's "
            "other agencies before the visit."
        },
        "response": {"person_id": CHILD, "opened": True},
    },
    "reportProblem": {
        "request": {
            "kind": "wrong_detail",
            "what": "The school shown is the one she left in July.",
        },
        "response": _PROBLEM_REPORT,
    },
    "listProblemReports": {
        "response": {
            "items": [_PROBLEM_REPORT],
            "total": 1,
            "limit": 20,
            "offset": 0,
            "links": {
                "self": "/api/v1/problem-reports?status=open&limit=20&offset=0",
                "next": None,
                "prev": None,
            },
        }
    },
    "getAuthStatus": {"response": {"id": "j.smith", "name": "Jo Smith", "status": "authenticated"}},
    "searchPerson": {
        "request": {
            "firstName": "Amelia",
            "lastName": "Hart",
            "dateOfBirth": "2017-06-04",
            "paginationDetails": {"resultsPerPage": 20, "pageNumber": 1},
        },
        "response": {
            "paginationInfo": {"totalResults": 1, "resultsPerPage": 20, "pageNumber": 1},
            "results": [{k: v for k, v in _REFERENCE_PERSON.items() if k != "dateOfBirth"}],
        },
    },
    "getPersonById": {"response": _REFERENCE_PERSON},
    "getPersonServicesById": {
        "response": [
            _SERVICE_SUMMARY,
            {
                "id": "police",
                "title": "Police",
                "recordsAvailable": False,
                "coverageExplanation": "No source of police data is connected.",
            },
        ]
    },
    "getPersonServiceByTypeAndId": {
        "response": {
            "summary": _SERVICE_SUMMARY,
            "schema": {"title": "Housing", "type": "object", "properties": {}},
            "data": {
                "serviceInvolvement": "current",
                "housingAssociation": "Stockport Homes Group",
                "contact": {"name": "Sam Okafor", "phone": "0161 474 4210"},
                "tenancyStart": "2023-04-01",
                "rentArrears": "open",
            },
        }
    },
    "getPersonRelated": {
        "response": [
            {
                "id": MOTHER,
                "firstName": "Laura",
                "lastName": "Hart",
                "gender": "female",
                "address": "Brinnington Road, SK5",
                "relationship": "Mother",
                "relationshipToId": CHILD,
            }
        ]
    },
    # HEAD answers carry no body: their example is the call's headers and status alone.
    "searchPersonSupported": {},
    "getPersonRelatedSupported": {},
}

PROBLEM_EXAMPLES: dict[str, dict[str, Any]] = {
    "401": {
        "type": "/api/v1/problems/unauthenticated",
        "title": "Authentication is needed",
        "status": 401,
        "detail": "Send an API client's bearer token (Authorization: Bearer ...) and the "
        "member of staff it acts for (X-Acting-User), or sign in.",
        "instance": f"/api/v1/people/{CHILD}/family",
        "errors": [],
    },
    "429": {
        "type": "/api/v1/problems/rate-limited",
        "title": "Too many calls",
        "status": 429,
        "detail": "Too many calls for j.smith through Liquidlogic: at most 60 a minute for "
        "each member of staff. Try again in 4 seconds.",
        "instance": f"/api/v1/people/{CHILD}/family",
        "errors": [],
    },
}
