"""`familyview mapping suggest`: a draft mapping, from a new source's files alone, that
imports them with no edit, or says exactly what it could not decide."""

import json
import shutil
import subprocess
import sys
import tomllib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.access.models import Authority
from familyview.involvements.models import Involvement
from familyview.sources.ingest import ingest
from familyview.sources.mapping import load_mapping
from familyview.sources.models import PersonRecord, Source, SourceRelationship

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).with_name("family_context_samples")


def nhs_number(stem: str) -> str:
    """A valid NHS number from nine digits (one whose check digit would be 10 is skipped)."""
    total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    assert check != 10, stem
    return stem + str(check)


def register(code: str, mapping: Path, category: str = "early_help") -> Source:
    authority, _ = Authority.objects.get_or_create(code="test", defaults={"name": "Test"})
    return Source.objects.create(
        authority=authority,
        code=code,
        name=f"{code} system",
        service_category=category,
        mapping=str(mapping),
    )


def suggest(*paths: Path, output: Path, source: str | None = None) -> str:
    """Run the command as an analyst would; what it printed besides the draft."""
    out = StringIO()
    args = ["mapping", "suggest", *map(str, paths), "--output", str(output)]
    call_command(*args, *(["--source", source] if source else []), stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("file_name", "built_in", "category"),
    [
        ("csc.csv", "family-context-cdm", "childrens_social_care"),
        ("education.csv", "family-context-cdm-school", "education"),
    ],
)
def test_a_draft_for_each_family_context_sample_imports_it_whole(
    tmp_path, file_name, built_in, category
):
    sample = Path(shutil.copy(SAMPLES / file_name, tmp_path / file_name))
    draft = tmp_path / "draft.toml"

    printed = suggest(sample, output=draft)

    assert "Undecided" not in printed
    mapping = load_mapping(str(draft))
    assert mapping.layout == "family-context-cdm"
    # Every column placed as the predecessor's own mapping places it.
    assert mapping.columns["row"] == load_mapping(built_in).columns["row"]
    register("FC", draft, category)
    imp = ingest("FC", [sample], "tester").extract_import
    assert imp.status == "loaded", imp.message
    assert (imp.people_accepted, imp.involvements_accepted) == (500, 500)
    assert (imp.rows_quarantined, imp.fields_held_back) == (0, 0)


PEOPLE_CSV = [
    # Another system's names, semicolons (European-locale Excel), day-first dates, M/F.
    "Client Ref;Forename;Surname;DOB;Gender;Health Ref;Address 1;Town;Post Code;Mobile;"
    "Ethnicity;Registered",
    f"CL-0001;Amira;Khan;14/03/2016;F;{nhs_number('943476591')};1 Mill Lane;Stockport;"
    "SK4 2AB;07700 900123;Asian;02/01/2020",
    f"CL-0002;Yusuf;Khan;23/09/1988;M;{nhs_number('401023213')};1 Mill Lane;Stockport;"
    "sk42ab;07700 900456;Asian;02/01/2020",
    "CL-0003;Lena;Khan;31/11/2019;F;;1 Mill Lane;Stockport;SK4 2AB;;Asian;05/06/2021",
    f"CL-0004;Tom;Price;05/12/1979;U;{nhs_number('434567890')};12 High St;Marple;SK6 7AA;"
    "+44 (0)161 496 0000;White;13/07/2018",
    "CL-0005;Olivia;Price;08/01/2009;F;;12 High St;Marple;SK6 7AA;;White;13/07/2018",
]
INVOLVEMENTS = [
    {"EpisodeRef": "EP-1", "ClientRef": "CL-0001", "Service": "Early Help", "Status": "Open",
     "Team": "Family Support East", "Worker": "Jo Bloggs", "Worker Email": "jo@example.org",
     "Worker Phone": "0161 496 0001", "Opened": "03/02/2024", "Closed": None},
    {"EpisodeRef": "EP-2", "ClientRef": "CL-0003", "Service": "Early Help", "Status": "Closed",
     "Team": "Family Support East", "Worker": "Jo Bloggs", "Worker Email": "jo@example.org",
     "Worker Phone": "0161 496 0001", "Opened": "03/02/2023", "Closed": "30/06/2023"},
    {"EpisodeRef": "EP-3", "ClientRef": "CL-0005", "Service": "Children's social care",
     "Status": "Not Known", "Team": "Marple CiN", "Worker": "Sam Patel",
     "Worker Email": "sam.patel@example.org", "Worker Phone": "0161 496 0002",
     "Opened": "17/10/2025", "Closed": None},
]  # fmt: skip
RELATIONSHIPS_CSV = [
    "Person;Related Person;Relationship",
    "CL-0001;CL-0002;Dad",
    "CL-0003;CL-0001;Sister",
    "CL-0005;CL-0004;Step-Father",
]


def write_other_system(folder: Path) -> Path:
    folder.mkdir()
    (folder / "people.csv").write_text("\r\n".join(PEOPLE_CSV) + "\r\n", encoding="utf-8-sig")
    (folder / "involvements.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in INVOLVEMENTS), encoding="utf-8"
    )
    (folder / "relationships.csv").write_text("\n".join(RELATIONSHIPS_CSV) + "\n", "utf-8")
    (folder / "extract.json").write_text(
        json.dumps({"source": "EHM", "extracted_at": "2026-11-20T02:00:00Z", "kind": "full"}),
        encoding="utf-8",
    )
    return folder


def test_a_draft_for_another_systems_files_imports_them_with_no_edit(tmp_path):
    extract = write_other_system(tmp_path / "ehm")
    draft = tmp_path / "ehm.toml"

    printed = suggest(extract, output=draft, source="EHM")

    assert "Undecided" not in printed, printed
    text = draft.read_text(encoding="utf-8")
    mapping = load_mapping(str(draft))
    assert mapping.layout == "canonical"
    assert mapping.date_formats == ("%d/%m/%Y",)
    assert mapping.columns["people"] == {
        "source_id": "Client Ref",
        "given_name": "Forename",
        "family_name": "Surname",
        "date_of_birth": "DOB",
        "sex": "Gender",
        "nhs_number": "Health Ref",  # from its contents: the name says nothing
        "address_line1": "Address 1",
        "town": "Town",
        "postcode": "Post Code",
    }
    assert "3 of 3 values are valid NHS numbers" in text
    assert "1 value no real date (held back when imported)" in text
    assert mapping.ignore_columns == {"Mobile", "Ethnicity", "Registered"}
    assert mapping.values["people"]["sex"] == {"m": "male", "f": "female", "u": "unknown"}
    assert mapping.columns["involvements"] == {
        "involvement_id": "EpisodeRef",
        "person_source_id": "ClientRef",
        "service_category": "Service",
        "status": "Status",
        "team": "Team",
        "lead_name": "Worker",
        "lead_email": "Worker Email",
        "lead_phone": "Worker Phone",
        "start_date": "Opened",
        "end_date": "Closed",
    }
    assert mapping.values["involvements"]["status"] == {"open": "current", "closed": "historic"}
    assert mapping.values["involvements"]["service_category"] == {
        "early help": "early_help",
        "children's social care": "childrens_social_care",
    }
    assert mapping.values["relationships"]["relationship_type"] == {
        "dad": "father",
        "sister": "sibling",
        "step-father": "step_parent",
    }

    register("EHM", draft)
    imp = ingest("EHM", [extract], "tester").extract_import

    assert imp.status == "loaded", imp.message
    assert (imp.people_accepted, imp.involvements_accepted, imp.relationships_accepted) == (
        5,
        3,
        3,
    )
    # The one impossible date of birth is held back; its person and their records load.
    assert (imp.rows_quarantined, imp.fields_held_back) == (0, 1)
    held = imp.quarantined_rows.get()
    assert (held.field, held.value) == ("date_of_birth", "31/11/2019")
    amira = PersonRecord.objects.get(source_record_id="CL-0001")
    assert (amira.birth_year, amira.birth_month, amira.birth_day, amira.sex) == (
        2016,
        3,
        14,
        "female",
    )
    assert amira.nhs_number and amira.postcode == "SK4 2AB"
    assert PersonRecord.objects.get(source_record_id="CL-0002").postcode == "SK4 2AB"
    assert dict(Involvement.objects.values_list("source_involvement_id", "status")) == {
        "EP-1": "current",
        "EP-2": "historic",
        "EP-3": "not_recorded",
    }
    assert set(SourceRelationship.objects.values_list("relationship_type", flat=True)) == {
        "father",
        "sibling",
        "step_parent",
    }


def test_what_it_cannot_decide_is_said_one_line_each_and_the_draft_still_loads(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Forename,Surname,DOB,Date of Birth,Sex,Notes\n"
        "Amira,Khan,2016-03-14,14/03/2016,F,x\n"
        "Yusuf,Khan,1988-09-23,23/09/1988,Q,y\n",
        encoding="utf-8",
    )
    draft = tmp_path / "draft.toml"

    printed = suggest(path, output=draft)

    undecided = [line for line in printed.splitlines() if line.startswith("Undecided: ")]
    assert len(undecided) == 3, printed
    assert "'DOB' and 'Date of Birth' both look like date_of_birth" in undecided[0]
    assert "no column identifies each person" in undecided[1]
    assert "'Q' (1 row) are not female, male, other or unknown" in undecided[2]
    text = draft.read_text(encoding="utf-8")
    assert "# UNDECIDED" in text and text.count("both look like date_of_birth") == 1
    mapping = load_mapping(str(draft))
    assert {"DOB", "Date of Birth", "Notes"} <= mapping.ignore_columns
    assert "date_of_birth" not in mapping.columns["people"]
    # It says what the canonical layout needs besides the mapping.
    assert "rename it when importing" in printed and "extract.json" in printed


def test_without_output_the_draft_is_printed_and_the_points_go_to_stderr(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Id,Forename,Gender\n1,Amira,Z\n", encoding="utf-8")
    out, err = StringIO(), StringIO()

    call_command("mapping", "suggest", str(path), stdout=out, stderr=err)

    # What is printed is the TOML alone, ready to be redirected into a file.
    assert tomllib.loads(out.getvalue())["people"]["columns"]["given_name"] == "Forename"
    assert "Undecided: people.csv: 'Gender' values 'Z'" in err.getvalue()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "does not exist"),
        (b"", "is empty"),
        (b"Forename,Surname\n", "has a header but no rows"),
        (b"Forename,Surname\nJos\xe9,Smith\n", "is not UTF-8"),
    ],
)
def test_a_file_it_cannot_read_is_one_clear_sentence(tmp_path, content, says):
    path = tmp_path / "export.csv"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(CommandError, match=says) as raised:
        suggest(path, output=tmp_path / "draft.toml")

    assert str(raised.value).startswith("no draft written: ")
    assert not (tmp_path / "draft.toml").exists()


def test_an_existing_file_is_never_overwritten(tmp_path):
    draft = tmp_path / "reviewed.toml"
    draft.write_text("name = 'reviewed'\n", encoding="utf-8")

    with pytest.raises(CommandError, match="exists already"):
        suggest(SAMPLES / "csc.csv", output=draft)

    assert draft.read_text(encoding="utf-8") == "name = 'reviewed'\n"


def test_the_command_exits_1_without_a_traceback_for_a_missing_file(tmp_path):
    run = subprocess.run(
        [Path(sys.executable).with_name("familyview"), "mapping", "suggest", "nowhere.csv"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 1
    assert run.stderr.strip() == "CommandError: no draft written: nowhere.csv does not exist"


def test_people_and_involvements_in_one_json_lines_file_are_named_as_undecided(tmp_path):
    path = tmp_path / "export.jsonl"
    rows = [
        {"Cms Id": "1", "First Name": "Amira", "Service Involvement": "Open"},
        {"Cms Id": "2", "First Name": "Yusuf", "Service Involvement": "Closed"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    printed = suggest(path, output=tmp_path / "draft.toml")

    assert (
        "Undecided: export.jsonl holds people and their involvements in each row, as the "
        "Family Context layout does, but that layout reads one CSV file alone" in printed
    )
    assert load_mapping(str(tmp_path / "draft.toml")).columns["people"]["source_id"] == "Cms Id"


def test_identifiers_of_seven_digits_are_not_taken_for_dates():
    from familyview.sources.suggest import _date_formats

    ids = [f"{n:07d}" for n in range(1_000_001, 1_000_501)] + ["1987011", "2001123"]
    assert _date_formats(ids) == ((), 0)
    assert _date_formats(["20160309", "19991231", "20010230"])[0] == ("%Y%m%d",)
