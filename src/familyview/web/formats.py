"""Dates, times, durations and numbers written the GOV.UK way ("4 June 2026 at 2:30pm")."""

from datetime import date, datetime

from django.utils import timezone

from familyview.words import clock_words, day_words


def govuk_date(value: date | datetime | None) -> str:
    """'20 November 2026'; a datetime is shown in local (UK) time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return day_words(value)


def govuk_time(value: datetime) -> str:
    """'2:30pm', '10am', 'midday', 'midnight' (the GOV.UK style guide's times)."""
    return clock_words(value)


def govuk_datetime(value: datetime | None) -> str:
    """'20 November 2026 at 2:30pm', in local (UK) time."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{govuk_date(local)} at {govuk_time(local)}"


def duration(milliseconds: int | None) -> str:
    """How long something took: '0.4 seconds', '12 seconds', '3 minutes 5 seconds'."""
    if milliseconds is None:
        return ""
    if milliseconds < 100:
        return "less than 0.1 seconds"
    seconds = milliseconds / 1000
    if seconds < 10:
        return f"{seconds:.1f} seconds"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(_plural(hours, "hour"))
    if minutes:
        parts.append(_plural(minutes, "minute"))
    if secs and not hours:
        parts.append(_plural(secs, "second"))
    return " ".join(parts)


def number(value: int | None) -> str:
    """'12,345'."""
    if value is None:
        return ""
    return f"{value:,}"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
