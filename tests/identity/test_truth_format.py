"""`familyview evaluate_linkage TRUTH_DIR`: the truth format as docs/architecture.md
describes it, and a truth it cannot read refused with the file and the columns needed."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.identity.evaluation import TRUTH_COLUMNS, check_truth, evaluate

pytestmark = pytest.mark.django_db

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def documented_example(folder: Path) -> Path:
    """The example truth in docs/architecture.md, written out as its two files."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text[text.index("**The truth format**") :]
    block = section.split("```\n", 2)[1]
    files: dict[str, list[str]] = {}
    names: list[str] = []
    for line in block.splitlines():
        parts = line.split()
        if not names:
            names = parts
            continue
        for name, part in zip(names, parts, strict=False):
            files.setdefault(name, []).append(part)
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_the_documented_example_is_a_truth(tmp_path):
    truth = documented_example(tmp_path)
    assert sorted(p.name for p in truth.iterdir()) == ["records.csv", "relationships.csv"]
    check_truth(truth)
    result = evaluate(truth)
    assert (result.records_in_truth, result.true_pairs_in_truth) == (3, 1)
    assert result.family_truth


def test_every_needed_column_is_documented():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text[text.index("**The truth format**") : text.index("For example")]
    for name, columns in TRUTH_COLUMNS.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{name}`"))
        assert all(f"`{c}`" in row for c in columns), (name, row)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"relationships.csv": "person_id,related_person_id,relationship_type\n"},
            "no records.csv",
        ),
        (
            {
                "records.csv": "source,id,person\nCSC,1,P1\n",
                "relationships.csv": "person_id,related_person_id,relationship_type\n",
            },
            "records.csv: no column source_id, person_id; its header is source, id, person, "
            "and it needs source, source_id, person_id",
        ),
        (
            {
                "records.csv": "source,source_id,person_id\n",
                "relationships.csv": "person_id,related_person_id,relationship_type\n",
                "people.csv": "person_id,twin\n",
            },
            "people.csv: no column twin_of",
        ),
    ],
)
def test_a_truth_it_cannot_read_is_refused_naming_the_file_and_columns(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=r"docs/architecture\.md") as refused:
        call_command("evaluate_linkage", str(tmp_path))
    assert message in str(refused.value)


def test_a_truth_not_in_utf8_is_refused(tmp_path):
    (tmp_path / "records.csv").write_bytes(
        "source,source_id,person_id\nCSC,1,Zoë\n".encode("cp1252")
    )
    (tmp_path / "relationships.csv").write_text("person_id,related_person_id,relationship_type\n")
    with pytest.raises(CommandError, match=r"records\.csv is not UTF-8"):
        call_command("evaluate_linkage", str(tmp_path))
