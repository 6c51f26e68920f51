"""Files of personal data that Family View writes (the person index, a source's duplicates,
the review queue) are readable by their owner only, whatever the umask, and a file that
was there before loses its wider permissions before anything is written to it."""

import os
import stat
from io import StringIO

import pytest
from django.core.management import call_command

from familyview.access.factories import create_authority
from familyview.sources.factories import create_source

pytestmark = pytest.mark.django_db

COMMANDS = {
    "export-index": lambda out: ("export-index", str(out)),
    "duplicates": lambda out: ("duplicates", "CSC", str(out)),
    "review export": lambda out: ("review", "export", str(out)),
}


@pytest.fixture(autouse=True)
def permissive_umask():
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.fixture(autouse=True)
def source():
    return create_source(create_authority("stockport"), code="CSC", name="Children's services")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_new_file_of_personal_data_is_its_owners_alone(command, tmp_path):
    out = tmp_path / "written.csv"

    call_command(*COMMANDS[command](out), stdout=StringIO())

    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_file_written_over_loses_its_wider_permissions(command, tmp_path):
    out = tmp_path / "written.csv"
    out.write_text("an older export")
    out.chmod(0o644)

    call_command(*COMMANDS[command](out), stdout=StringIO())

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "an older export" not in out.read_text()
