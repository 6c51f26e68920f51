"""What `familyview link` says: how many records wait to be linked, that there is nothing
to link before any extract is imported, and that a run stopped with Ctrl-C wrote nothing
(or, stopped while building families, exactly what it wrote). Never a traceback."""

import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.access.models import Authority
from familyview.families.models import FamilyBuild
from familyview.identity import linkage
from familyview.identity.feature_store import read_features
from familyview.identity.linkage import NothingToLink
from familyview.identity.models import LinkageModel, LinkedRecord, LinkRun, Person, ReviewPair
from familyview.involvements.categories import load_categories
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.sources.models import Source
from familyview.sources.registry import load_sources
from familyview.synth import generate
from tests.sources.extracts import person, write_extract
from tests.sources.test_interrupted_import import database_url

pytestmark = pytest.mark.django_db


def nothing_in_the_index() -> dict[str, int]:
    return {
        "models": LinkageModel.objects.count(),
        "runs": LinkRun.objects.count(),
        "links": LinkedRecord.objects.count(),
        "persons": Person.objects.count(),
        "review": ReviewPair.objects.count(),
    }


NOTHING = {"models": 0, "runs": 0, "links": 0, "persons": 0, "review": 0}


class InterruptedAt(StringIO):
    """The command's stderr, where Ctrl-C is pressed as the run says `words`: the
    KeyboardInterrupt comes from the middle of the run, as a real one would."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words

    def write(self, text: str) -> int:
        if self.words in text:
            raise KeyboardInterrupt
        return super().write(text)


@pytest.fixture
def two_sources(tmp_path) -> Path:
    """Two people in each of two sources' extracts."""
    authority = Authority.objects.create(code="stockport", name="Stockport")
    for code, category in (("CSC", "childrens_social_care"), ("GP", "gp")):
        Source.objects.create(authority=authority, code=code, name=code, service_category=category)
        folder = write_extract(
            tmp_path / code, code, people=[person("P1"), person("P2", given_name="Jo")]
        )
        assert ingest(code, [folder], "tests").ok
    return tmp_path


# How many records wait


def test_after_a_run_that_stopped_the_next_says_every_record_waits_to_be_linked(two_sources):
    # A run that read the records (keeping their features) and stopped before writing.
    read_features().stored.result()
    said = StringIO()

    call_command("link", stderr=said)

    assert "4 person records: 4 not yet in the person index, 0 changed since they were linked" in (
        said.getvalue()
    )
    assert "0 of them new or changed" not in said.getvalue()


def test_a_run_after_new_and_changed_records_says_how_many_of_each(two_sources, tmp_path):
    link()
    folder = write_extract(
        tmp_path / "CSC-2",
        "CSC",
        people=[person("P1", family_name="Exampel"), person("P2", given_name="Jo"), person("P3")],
        extracted_at="2026-11-27T02:00:00Z",
    )
    assert ingest("CSC", [folder], "tests").ok
    said = StringIO()

    call_command("link", stderr=said)

    assert "5 person records: 1 not yet in the person index, 1 changed since they were linked" in (
        said.getvalue()
    )


# Nothing to link


def test_with_no_person_records_link_says_to_import_an_extract_first():
    with pytest.raises(CommandError) as refused:
        call_command("link")

    assert str(refused.value) == (
        "There is nothing to link: no person records have been imported; import an extract "
        "first (familyview ingest --source CODE PATH)."
    )
    assert refused.value.returncode == 1
    assert nothing_in_the_index() == NOTHING
    with pytest.raises(NothingToLink):
        link()


# Overtaken


class AnotherRunFinishesAt(StringIO):
    """The command's stderr, where another link run finishes as this one says `words`."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words

    def write(self, text: str) -> int:
        if self.words in text:
            model = LinkageModel.objects.create(
                version=99, trained_on_records=4, splink_settings={}
            )
            LinkRun.objects.create(mode=LinkRun.Mode.FULL, model=model)
        return super().write(text)


def test_a_run_overtaken_by_another_says_so_without_a_traceback(two_sources):
    with pytest.raises(CommandError) as refused:
        call_command("link", stderr=AnotherRunFinishesAt("Writing the person index"))

    assert str(refused.value) == (
        "The person index changed while this run was working (a steward's decision or "
        "another link run); nothing was written. Run familyview link again."
    )
    assert LinkedRecord.objects.count() == 0


# Ctrl-C


def test_ctrl_c_before_the_index_is_written_writes_nothing(two_sources):
    with pytest.raises(CommandError) as stopped:
        call_command("link", stderr=InterruptedAt("Writing the person index"))

    assert str(stopped.value) == (
        "Link run interrupted: nothing was written; the person index is as it was."
    )
    assert stopped.value.returncode == 130
    assert nothing_in_the_index() == NOTHING


def test_ctrl_c_after_the_index_is_written_says_the_families_wait(two_sources):
    with pytest.raises(CommandError) as stopped:
        call_command("link", stderr=InterruptedAt("Mapping the sources' relationships"))

    [run] = LinkRun.objects.all()
    assert str(stopped.value) == (
        f"Link run interrupted after it wrote the person index (run {run.pk}); the families "
        "were not updated: they will be with the next link run, or run familyview families "
        "build."
    )
    assert stopped.value.returncode == 130
    assert LinkedRecord.objects.count() == 4
    assert not FamilyBuild.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_ctrl_c_while_the_model_trains_says_so_in_one_line_and_writes_nothing(tmp_path):
    # A transactional test before this one may have emptied every table, the service
    # categories a new installation starts with included.
    load_categories()
    generate(300, 3, tmp_path)
    for source in load_sources(tmp_path / "sources.toml"):
        assert ingest(source.code, [tmp_path / source.code], "tests").ok
    process = subprocess.Popen(
        [sys.executable, "-m", "familyview.cli", "link"],
        env={**os.environ, "DATABASE_URL": database_url()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Ctrl-C as at a terminal: a suite started in the background by a shell without
        # job control has SIGINT ignored, and a child would inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    said = []
    for line in process.stderr:
        said.append(line.decode())
        if "Training: how often unrelated records agree" in said[-1]:
            time.sleep(0.2)  # DuckDB is then working out the model's u probabilities
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=120)
    said.append(err.decode())

    assert process.returncode == 130, "".join(said)
    assert "Traceback" not in "".join(said)
    assert said[-1].rstrip("\n").split("\n")[-1] == (
        "CommandError: Link run interrupted: nothing was written; the person index is as it was."
    )
    assert out == b""
    assert nothing_in_the_index() == NOTHING


class PressedAt(StringIO):
    """The command's stderr, where Ctrl-C is noted as the run says `words` but never
    surfaces (as DuckDB turns one into a "query interrupted" error of its own, which a
    training step may take for a session that could not run)."""

    def __init__(self, words: str, pressed: threading.Event) -> None:
        super().__init__()
        self.words, self.pressed = words, pressed

    def write(self, text: str) -> int:
        if self.words in text:
            self.pressed.set()
        return super().write(text)


def test_a_ctrl_c_something_swallowed_still_stops_the_run_at_its_next_step(
    two_sources, monkeypatch
):
    pressed = threading.Event()
    monkeypatch.setattr(linkage, "ctrl_c_noted", contextmanager(lambda: (yield pressed)))
    with pytest.raises(CommandError) as stopped:
        call_command(
            "link", stderr=PressedAt("Training: how often unrelated records agree", pressed)
        )

    assert str(stopped.value) == (
        "Link run interrupted: nothing was written; the person index is as it was."
    )
    assert nothing_in_the_index() == NOTHING
