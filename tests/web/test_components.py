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
