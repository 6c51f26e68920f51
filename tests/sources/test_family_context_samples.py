"""The predecessor's own sample extracts (Family Context, sample_data/) import unchanged
through the built-in mappings: every person, every involvement."""

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from familyview.access.models import Authority
from familyview.involvements.models import Involvement
from familyview.sources.ingest import ingest
from familyview.sources.models import PersonRecord, Source

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).with_name("family_context_samples")


def statuses_as_sent(path: Path) -> Counter:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return Counter(row["Service Involvement"] for row in csv.DictReader(f))


@pytest.mark.parametrize(
    ("file_name", "mapping", "category"),
    [
        ("csc.csv", "family-context-cdm", "childrens_social_care"),
        ("education.csv", "family-context-cdm-school", "education"),
    ],
)
def test_the_sample_files_import_unchanged(tmp_path, file_name, mapping, category):
    authority = Authority.objects.create(code="test", name="Test")
    Source.objects.create(
        authority=authority,
        code="FC",
        name="Family Context sample",
        service_category=category,
        mapping=mapping,
    )
    path = shutil.copy(SAMPLES / file_name, tmp_path / file_name)

    imp = ingest("FC", [Path(path)], "tester").extract_import

    assert imp.status == "loaded", imp.message
    assert imp.rows_quarantined == 0, list(imp.quarantined_rows.values_list("reason", flat=True))
    assert (imp.people_accepted, imp.involvements_accepted) == (500, 500)
    assert PersonRecord.objects.count() == 500
    assert imp.extracted_at.date().isoformat() == "2022-10-15"
    assert (imp.coverage_start.isoformat(), imp.coverage_end.isoformat()) == (
        "2018-01-01",
        "2022-09-30",
    )
    sent = statuses_as_sent(SAMPLES / file_name)
    held = Counter(Involvement.objects.values_list("status", flat=True))
    # 'Not Specified' is kept as a status of its own, never guessed current or historic.
    assert held == {
        "current": sent["Current"],
        "historic": sent["Historic"],
        "not_recorded": sent["Not Specified"],
    }
    assert held["not_recorded"] > 0
    # Multi-line addresses: the lines on one line, the postcode apart.
    assert not PersonRecord.objects.filter(postcode="").exists()
    assert not PersonRecord.objects.filter(address_line1__contains="\n").exists()


def test_a_value_map_in_a_mapping_is_honoured_for_the_status(source_with_mapping, tmp_path):
    mapping = source_with_mapping
    text = (SAMPLES / "csc.csv").read_text(encoding="utf-8")
    mapping.write_text(
        (Path(__file__).parents[2] / "src/familyview/sources/mappings/family-context-cdm.toml")
        .read_text(encoding="utf-8")
        .replace(
            "[row.values.sex]",
            '[row.values.status]\n"Not Specified" = "historic"\n\n'
            '[row.values.organisation]\n"Barnet Council" = "London Borough of Barnet"\n\n'
            "[row.values.sex]",
        )
    )
    path = tmp_path / "csc.csv"
    path.write_text(text, encoding="utf-8")

    imp = ingest("FC", [path], "tester").extract_import

    assert imp.status == "loaded", imp.message
    assert not Involvement.objects.filter(status="not_recorded").exists()
    assert Involvement.objects.filter(organisation="London Borough of Barnet").exists()
    assert not Involvement.objects.filter(organisation="Barnet Council").exists()


@pytest.fixture
def source_with_mapping(tmp_path):
    authority = Authority.objects.create(code="test", name="Test")
    mapping = tmp_path / "fc.toml"
    Source.objects.create(
        authority=authority,
        code="FC",
        name="Family Context sample",
        service_category="childrens_social_care",
        mapping=str(mapping),
    )
    return mapping
