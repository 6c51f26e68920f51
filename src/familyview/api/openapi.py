"""The API's OpenAPI 3 document, generated from the code, and its checked-in copy.

`familyview api-openapi` writes docs/openapi.json; `familyview api-openapi --check` (and
tests/api/test_openapi.py) fails when the copy and the code have drifted apart.
"""

import json
from pathlib import Path
from typing import Any

from django.conf import settings


def checked_in_path() -> Path:
    """Where the repository keeps the document: docs/openapi.json."""
    return Path(settings.PROJECT_DIR) / "docs" / "openapi.json"


def openapi_document() -> dict[str, Any]:
    """The document as /api/v1/openapi.json serves it."""
    from familyview.api.api import api

    return api.get_openapi_schema()


def openapi_text() -> str:
    """The document as it is checked in: indented, one trailing newline."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False, default=str) + "\n"
