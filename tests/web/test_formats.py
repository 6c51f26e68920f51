"""Dates, times and durations in the GOV.UK style."""

from datetime import UTC, date, datetime

import pytest

from familyview.web.formats import duration, govuk_date, govuk_datetime, govuk_time, number


@pytest.mark.parametrize(
    ("hour", "minute", "words"),
    [(0, 0, "midnight"), (12, 0, "midday"), (10, 0, "10am"), (14, 30, "2:30pm"), (0, 5, "12:05am")],
)
def test_times(hour, minute, words):
    assert govuk_time(datetime(2026, 1, 1, hour, minute)) == words


def test_dates_and_times_are_shown_in_uk_time():
    # 1 July is in British Summer Time: 23:30 UTC is 00:30 the next day in London.
    assert govuk_datetime(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "2 July 2026 at 12:30am"
    assert govuk_date(date(2026, 11, 20)) == "20 November 2026"
    assert govuk_date(None) == ""


@pytest.mark.parametrize(
    ("milliseconds", "words"),
    [
        (None, ""),
        (40, "less than 0.1 seconds"),
        (1234, "1.2 seconds"),
        (12_400, "12 seconds"),
        (61_000, "1 minute 1 second"),
        (185_000, "3 minutes 5 seconds"),
        (3_725_000, "1 hour 2 minutes"),
    ],
)
def test_durations(milliseconds, words):
    assert duration(milliseconds) == words


def test_numbers_have_thousands_separators():
    assert number(1234567) == "1,234,567"
