"""The pages' own GOV.UK components (web/components.html) render the markup the GOV.UK
Frontend macros do, for the rows and tags the pages pass them."""

import re

import pytest
from django.template import engines
from markupsafe import Markup

ROWS = [
    {"key": {"text": "Team"}, "value": {"text": "Youth <justice> & care"}},
    {"key": {"text": "Lead professional"}, "value": {"html": Markup("<a href='tel:01'>Call</a>")}},
    {"key": {"text": "Started"}, "value": {"text": "1 March 2024"}},
]


def render(source: str, **context) -> str:
    html = engines["jinja2"].env.from_string(source).render(**context)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).replace("> ", ">").replace(" <", "<")


@pytest.mark.parametrize("classes", ["", "govuk-summary-list--no-border"])
def test_summary_list_matches_the_govuk_macro(classes):
    ours = render(
        '{% from "web/components.html" import summaryList %}{{ summaryList(rows, classes) }}',
        rows=ROWS,
        classes=classes,
    )
    theirs = render(
        '{% from "govuk_frontend_jinja/components/summary-list/macro.html" '
        "import govukSummaryList %}"
        '{{ govukSummaryList({"rows": rows, "classes": classes}) }}',
        rows=ROWS,
        classes=classes,
    )
    assert ours == theirs
    assert "Youth &lt;justice&gt; &amp; care" in ours


def test_tag_matches_the_govuk_macro():
    ours = render(
        '{% from "web/components.html" import tag %}{{ tag("Current & open", "govuk-tag--green") }}'
    )
    theirs = render(
        '{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}'
        '{{ govukTag({"text": "Current & open", "classes": "govuk-tag--green"}) }}'
    )
    assert ours == theirs


@pytest.mark.parametrize("error", [None, {"text": "Enter a <real> name"}])
@pytest.mark.parametrize(
    ("ours_extra", "theirs_extra"),
    [
        (
            'hint="For example, Amelia Thornbury", label_classes="govuk-label--s", '
            'autocomplete="off", spellcheck=false',
            '"hint": {"text": "For example, Amelia Thornbury"}, '
            '"label": {"text": "Name", "classes": "govuk-label--s"}, '
            '"autocomplete": "off", "spellcheck": false',
        ),
        (
            'hint="10 digits", classes="govuk-input--width-10", inputmode="numeric", '
            'autocomplete="off", spellcheck=false',
            '"hint": {"text": "10 digits"}, "label": {"text": "Name"}, '
            '"classes": "govuk-input--width-10", "inputmode": "numeric", '
            '"autocomplete": "off", "spellcheck": false',
        ),
        (
            'classes="govuk-input--width-10"',
            '"label": {"text": "Name"}, "classes": "govuk-input--width-10"',
        ),
    ],
)
@pytest.mark.parametrize("value", ["", "O'Brien & <Sons>"])
def test_text_input_matches_the_govuk_macro(error, ours_extra, theirs_extra, value):
    ours = render(
        '{% from "web/components.html" import textInput %}'
        '{{ textInput("name", "Name", value=value, error=error, ' + ours_extra + ") }}",
        value=value,
        error=error,
    )
    theirs = render(
        '{% from "govuk_frontend_jinja/components/input/macro.html" import govukInput %}'
        '{{ govukInput({"id": "name", "name": "name", "value": value, "errorMessage": error, '
        + theirs_extra
        + "}) }}",
        value=value,
        error=error,
    )
    assert ours == theirs


@pytest.mark.parametrize("error", [None, {"text": "Enter a real date"}])
@pytest.mark.parametrize("hint", ["", "For example, 27 3 2014"])
def test_date_input_matches_the_govuk_macro(error, hint):
    items = [
        {
            "name": "day",
            "label": "Day",
            "classes": "govuk-input--width-2 govuk-input--error",
            "value": "3",
        },
        {"name": "month", "label": "Month", "classes": "govuk-input--width-2", "value": ""},
        {"name": "year", "label": "Year", "classes": "govuk-input--width-4", "value": "<2014>"},
    ]
    ours = render(
        '{% from "web/components.html" import dateInput %}'
        '{{ dateInput("date_of_birth", "Date of birth", items, hint=hint, error=error) }}',
        items=items,
        hint=hint,
        error=error,
    )
    theirs = render(
        '{% from "govuk_frontend_jinja/components/date-input/macro.html" import govukDateInput %}'
        '{{ govukDateInput({"id": "date_of_birth", "namePrefix": "date_of_birth", '
        '"fieldset": {"legend": {"text": "Date of birth"}}, '
        '"hint": {"text": hint} if hint else none, "errorMessage": error, "items": items}) }}',
        items=items,
        hint=hint,
        error=error,
    )
    assert ours == theirs
