"""What `familyview ingest` writes when its output goes to a log rather than a terminal:
whole lines, never a progress bar's text run together with a message."""

import os
import subprocess
import sys

import pytest

from familyview.access.models import Authority
from familyview.sources.models import Source

from .extracts import person, write_csv, write_extract
from .test_interrupted_import import database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def ingest_logged(*args: str) -> tuple[int, str, str]:
    """`familyview ingest` with stdout and stderr to pipes, as cron or a CI job runs it:
    its exit status, and what it wrote, carriage returns and all."""
    ran = subprocess.run(
        [sys.executable, "-m", "familyview.cli", "ingest", *args],
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        timeout=120,
        check=False,
    )
    return ran.returncode, ran.stdout.decode(), ran.stderr.decode()


@pytest.fixture
def source() -> Source:
    authority = Authority.objects.create(code="stockport", name="Stockport")
    return Source.objects.create(
        authority=authority, code="CSC", name="Children's social care", service_category="gp"
    )


def test_a_refused_extract_is_one_line_of_its_own_in_a_log(source, tmp_path):
    folder = write_extract(tmp_path / "x")
    write_csv(folder / "people.csv", ["source_id", "hat"], [{"source_id": "P1", "hat": "x"}])

    status, _, err = ingest_logged("--source", "CSC", str(folder))

    assert status == 1
    assert "\r" not in err
    assert "Checking CSC" not in err
    assert err.split("\n")[0].startswith(
        "CommandError: CSC: rejected, nothing loaded: people.csv: unknown column(s) hat;"
    )


def test_a_loaded_extract_is_reported_in_whole_lines(source, tmp_path):
    folder = write_extract(tmp_path / "x", people=[person("P1"), person("P2")])

    status, out, err = ingest_logged("--source", "CSC", str(folder))

    assert status == 0, err
    assert err == ""
    assert out.startswith("CSC: loaded import ")
