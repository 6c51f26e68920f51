"""Dates and times written the GOV.UK way ("4 June 2026", "2:30pm"), for pages and domain
messages alike."""

from datetime import date, time

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def date_words(year: int | None, month: int | None = None, day: int | None = None) -> str:
    """'4 June 2026', 'June 2026' or '2026' as much of the date as is known; '' if none."""
    if not year:
        return ""
    if month and day:
        return f"{day} {MONTHS[month - 1]} {year}"
    if month:
        return f"{MONTHS[month - 1]} {year}"
    return str(year)


def day_words(value: date) -> str:
    """A date as '4 June 2026'."""
    return date_words(value.year, value.month, value.day)


def clock_words(value: time) -> str:
    """'2:30pm', '10am', 'midday', 'midnight' (the GOV.UK style)."""
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    if value.hour == 12 and value.minute == 0:
        return "midday"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def every_words(days: int) -> str:
    """How often something is expected, as people say it: 'daily', 'weekly', 'monthly',
    'every 2 weeks', 'every 3 days', 'yearly'."""
    if days <= 1:
        return "daily"
    named = {7: "weekly", 30: "monthly", 31: "monthly", 365: "yearly"}
    if days in named:
        return named[days]
    if days % 365 == 0:
        return f"every {days // 365} years"
    if days % 7 == 0 and days < 28:
        return f"every {days // 7} weeks"
    return f"every {days} days"


def days_ago_words(days: int) -> str:
    """'today', 'yesterday', '18 days ago' (a date in the future reads 'today')."""
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"
