"""Fixtures shared by the ingest tests."""

import pytest

from familyview.access.models import Authority
from familyview.sources.models import Source


@pytest.fixture
def source() -> Source:
    """Stockport's children's social care, the source most extracts here are from."""
    authority = Authority.objects.create(code="stockport", name="Stockport")
    return Source.objects.create(
        authority=authority,
        code="CSC",
        name="Children's social care",
        service_category="childrens_social_care",
    )
