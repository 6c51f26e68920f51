"""The ecomap drawing: text the size of the pages' body text where the page shows it one
to one, labels wrapped and never cut, and lines drawn as sure as the page says."""

import re
from dataclasses import replace
from html import unescape

import pytest

from familyview.ecomap import WIDTH, relationship_words, render_svg
from familyview.families.network import Viewer, family_network
from tests.web.factories import create_authority
from tests.web.frontline_family import a_family

pytestmark = pytest.mark.django_db

BODY_TEXT = 19  # GOV.UK Frontend's body text on a desktop screen, in pixels


@pytest.fixture
def network():
    authority = create_authority("stockport", "Stockport")
    family = a_family(authority)
    return family_network(family.child, Viewer("practitioner", authority.pk))


def texts(svg: str) -> list[str]:
    return [unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_it_is_drawn_for_the_pages_column_with_body_sized_text(network):
    svg = render_svg(network)

    assert f'viewBox="0 0 {WIDTH} ' in svg and WIDTH == 960
    sizes = [float(s) for s in re.findall(r'<text[^>]* font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= BODY_TEXT


def test_labels_wrap_onto_more_lines_and_are_never_cut(network):
    svg = render_svg(network)

    drawn = " ".join(texts(svg))
    assert "\N{HORIZONTAL ELLIPSIS}" not in drawn
    # The mother's mental health service, withheld but for its duty line, said whole.
    assert "Adult mental health trust" not in drawn  # the service's name, not its system's
    assert re.search(r"Adult mental health\s+\(ask\s+the\s+duty\s+line\)", drawn)


def test_a_relationship_the_page_calls_very_likely_is_drawn_solid(network):
    mother = network.parents_and_carers[0]
    # 0.87 is "Very likely" on the page: it was drawn dashed ("less sure") below 0.9.
    very_likely = replace(
        mother,
        relationships=tuple(
            replace(r, confidence=0.87, confidence_words="Very likely")
            for r in mother.relationships
        ),
    )
    likely = replace(
        mother,
        relationships=tuple(
            replace(r, confidence=0.7, confidence_words="Likely") for r in mother.relationships
        ),
    )

    solid = render_svg(replace(network, parents_and_carers=(very_likely,)))
    dashed = render_svg(replace(network, parents_and_carers=(likely,)))

    line = re.compile(r'<line [^>]*stroke-width="3"( stroke-dasharray="10 6")?/>')
    assert next(line.finditer(solid)).group(1) is None
    assert next(line.finditer(dashed)).group(1) is not None


def test_a_standalone_drawing_names_no_one_in_its_title(network):
    svg = render_svg(network, standalone=True)

    title = re.search(r"<title[^>]*>([^<]*)</title>", svg).group(1)
    assert title == "Ecomap of a family (Family View)"
    assert "Ecomap of Amelia Thornbury's family" in texts(svg)


def test_a_service_whose_status_is_not_recorded_is_drawn_neither_current_nor_past(network):
    mother = network.parents_and_carers[0]
    service = mother.involvements[0]
    unknown = replace(service, status="not_recorded", current=False, summary_only=False)
    past = replace(service, status="historic", current=False, summary_only=False)

    def pill_of(involvement) -> str:
        drawn = render_svg(
            replace(network, parents_and_carers=(replace(mother, involvements=(involvement,)),))
        )
        name = re.escape(service.service_name.split()[0])
        found = re.search(r'<rect [^>]*rx="14" ([^/]*)/><text[^>]*>' + name, drawn)
        assert found, drawn
        return found.group(1)

    # The key says a dashed pill is a past service: a status not recorded is not one.
    assert 'stroke-dasharray="5 3"' in pill_of(past)
    assert "stroke-dasharray" not in pill_of(unknown)


def test_other_relative_is_not_said_beside_a_closer_word_for_the_same_kin(network):
    mother = network.parents_and_carers[0]
    (said,) = mother.relationships[:1]

    def as_(*types: tuple[str, str]):
        return replace(
            mother,
            relationships=tuple(
                replace(said, relationship_type=code, label=label) for code, label in types
            ),
        )

    carer = ("carer", "Carer")
    grandparent = ("grandparent", "Grandparent")
    relative = ("other_relative", "Other relative")
    # A grandparent is a relative: "and other relative" repeated it.
    assert relationship_words(as_(carer, grandparent, relative), network) == (
        "Carer and grandparent"
    )
    assert relationship_words(as_(grandparent, relative), network) == "Grandparent"
    # A carer is not kin by the word: that they are a relative too is news.
    assert relationship_words(as_(carer, relative), network) == "Carer and other relative"
