"""After the whole suite: no name, date of birth or NHS number of any person the tests
used appears in a log line or a URL.

Every log line of the test process and of the `familyview` processes the tests start is
appended to one file (FAMILYVIEW_LOG_FILE, inherited by subprocesses); every URL a page
or API request asked for is kept (request_started). After each test that touched the
database, the person records it held are noted. At the end of the session the log lines
and URLs are searched for those people's full names, dates of birth (as ISO, UK and
compact dates) and NHS numbers; any finding fails the run and is printed.
"""

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LOG_FILE = Path(__file__).resolve().parent.parent / "var" / f"test-log-{os.getpid()}.log"
os.environ.setdefault("FAMILYVIEW_LOG_FILE", str(LOG_FILE))


# Every date-shaped run of characters at every position (overlapping, so a date inside a
# longer run of digits is found too), in the three spellings noted below.
_DATE_LIKE = re.compile(r"(?=(\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}|\d{8}))")


@dataclass
class PersonalData:
    """What identifies the people the tests used, as strings to look for."""

    full_names: set[str] = field(default_factory=set)
    birth_dates: set[str] = field(default_factory=set)
    nhs_numbers: set[str] = field(default_factory=set)

    def note(self, given: str, family: str, year, month, day, nhs: str) -> None:
        if given.strip() and family.strip():
            self.full_names.add(f"{given.strip()} {family.strip()}".lower())
        if year and month and day:
            self.birth_dates.update(
                {
                    f"{year:04d}-{month:02d}-{day:02d}",
                    f"{day:02d}/{month:02d}/{year:04d}",
                    f"{year:04d}{month:02d}{day:02d}",
                }
            )
        if len(nhs) == 10:
            self.nhs_numbers.add(nhs)

    def findings(self, lines: Iterable[tuple[str, str]]) -> list[str]:
        """Each (where, text) that holds one of the people's identifying details."""
        found = []
        for where, text in lines:
            words = set(re.findall(r"\d+", text))
            tokens = re.findall(r"[\w'-]+", text.lower())
            runs = {" ".join(tokens[i : i + n]) for n in range(2, 5) for i in range(len(tokens))}
            for name in sorted(self.full_names & runs):
                found.append(f"{where}: a person's name ({name!r}) in {text.strip()!r}")
            for date in sorted(self.birth_dates & set(_DATE_LIKE.findall(text))):
                found.append(f"{where}: a date of birth ({date}) in {text.strip()!r}")
            for nhs in self.nhs_numbers & words:
                found.append(f"{where}: an NHS number ({nhs}) in {text.strip()!r}")
        return found


class PersonalDataScan:
    """The pytest plugin: collects people and URLs during the run, scans at the end."""

    def __init__(self) -> None:
        self.people = PersonalData()
        self.urls: list[str] = []

    def pytest_configure(self, config) -> None:
        LOG_FILE.parent.mkdir(exist_ok=True)
        LOG_FILE.unlink(missing_ok=True)
        # This process's own log lines (subprocesses add theirs through the settings).
        handler = logging.FileHandler(LOG_FILE)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        for logger in (logging.getLogger(), logging.getLogger("django.server")):
            if not any(getattr(h, "baseFilename", None) == str(LOG_FILE) for h in logger.handlers):
                logger.addHandler(handler)
        from django.core.signals import request_started

        request_started.connect(self._request_started, weak=False)

    def _request_started(self, sender, environ=None, scope=None, **kwargs) -> None:
        if environ is not None:
            query = environ.get("QUERY_STRING", "")
            self.urls.append(environ.get("PATH_INFO", "") + (f"?{query}" if query else ""))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        yield
        # The test's data is still in its database here (teardown has not rolled it back).
        if item.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
            getattr(item, "fixturenames", ())
        ):
            self._note_people(item)

    def _note_people(self, item) -> None:
        from django.db import DatabaseError

        from familyview.sources.models import PersonRecord

        with item._request.getfixturevalue("django_db_blocker").unblock():
            try:
                rows = list(
                    PersonRecord.objects.values_list(
                        "given_name",
                        "family_name",
                        "birth_year",
                        "birth_month",
                        "birth_day",
                        "nhs_number",
                    )[:20000]
                )
            except DatabaseError:
                return  # the test asked for no database after all (none was set up)
        for row in rows:
            self.people.note(*row)

    def pytest_sessionfinish(self, session, exitstatus) -> None:
        lines = [
            (f"log line {n}", line)
            for n, line in enumerate(
                LOG_FILE.read_text(errors="replace").splitlines() if LOG_FILE.exists() else [],
                start=1,
            )
        ] + [("URL", url) for url in self.urls]
        findings = self.people.findings(lines)
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if findings:
            if reporter:
                reporter.write_sep("=", "personal data found in logs or URLs", red=True)
                for finding in findings[:50]:
                    reporter.write_line(finding)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            return
        LOG_FILE.unlink(missing_ok=True)
        if reporter:
            reporter.write_line(
                f"personal data scan: {len(lines)} log lines and URLs, "
                f"{len(self.people.full_names)} names, {len(self.people.nhs_numbers)} NHS "
                "numbers: none found"
            )
