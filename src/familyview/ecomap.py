"""The ecomap: a picture of a child's family and the services around each member, drawn
on the server as SVG so that it prints, saves and attaches to an assessment as it is.

The child is in the middle; the family members stand in two columns either side, parents
and carers first, each joined to the child by a line labelled with the relationship
(solid when the system is very sure, dashed when less sure); each person's services are
stacked beside them, current ones filled, past ones dashed. Words carry every meaning and
colour only helps. Everything in the picture is also on the page as text (the title and
description here, and a table of the same facts), for screen readers and for anyone
else.

The SVG is built from the FamilyNetwork the display rules have already filtered: it never
shows more than the family view does. Drawn once for the ecomap page and the API alike,
outside both (neither face imports the other).
"""

from dataclasses import dataclass
from datetime import date
from html import escape

from familyview.families.network import FamilyMember, FamilyNetwork, ServiceInvolvement
from familyview.words import day_words

WIDTH = 1440
MARGIN = 20
BOX_WIDTH = 210
BOX_HEIGHT = 74
PILL_WIDTH = 200
PILL_HEIGHT = 24
PILL_GAP = 5
# At most this many services drawn beside a person; the rest are counted ("3 more").
PILLS_SHOWN = 5
ROW_GAP = 34
LEFT_BOX_X = MARGIN + PILL_WIDTH + 16
RIGHT_BOX_X = WIDTH - MARGIN - PILL_WIDTH - 16 - BOX_WIDTH
CHILD_BOX_X = (WIDTH - BOX_WIDTH) // 2
# The room between a column of people and the child, where the relationships are labelled.
LABEL_ROOM = CHILD_BOX_X - (LEFT_BOX_X + BOX_WIDTH) - 16
TOP = 70
SURE = 0.9  # relationships at least this sure are drawn solid

INK = "#0b0c0c"
SECONDARY_INK = "#484949"
CURRENT_FILL = "#cce2d8"
CURRENT_STROKE = "#005a30"
PAST_STROKE = "#505a5f"
CHILD_FILL = "#d2e2f1"
LINE = "#505a5f"
FONT = "'GDS Transport', arial, sans-serif"


@dataclass(frozen=True)
class TimelineEntry:
    """One involvement on the timeline."""

    when: date | None
    start_date: date | None
    end_date: date | None
    person_id: str
    person: str
    relationship: str
    service: str
    team: str
    current: bool
    summary_only: bool


SHORT_LABELS = {"Lives at the same address": "Same address"}


def relationship_words(member: FamilyMember, network: FamilyNetwork, short: bool = False) -> str:
    """'Mother', 'Carer, grandparent and other relative', 'Half-sibling or step-sibling
    (sources disagree)', 'The child'."""
    if member.person_id == network.child.person_id:
        return "The child"
    family = [r for r in member.relationships if r.relationship_type != "household_member"]
    # Living at the same address says little more once a family relationship is known.
    labels = list(dict.fromkeys(r.label for r in family or member.relationships))
    if not labels:
        return "Family member"
    disputed = any(r.disputed for r in member.relationships)
    if short:
        labels = [SHORT_LABELS.get(label, label) for label in labels]
    labels = [labels[0], *(label.lower() for label in labels[1:])]
    last = " or " if disputed else " and "
    words = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + last + labels[-1]
    return f"{words} (sources disagree)" if disputed else words


def render_svg(
    network: FamilyNetwork,
    *,
    standalone: bool = False,
    title_id: str = "ecomap-title",
    desc_id: str = "ecomap-desc",
) -> str:
    """The ecomap as an SVG document (standalone) or an element to put inline in a page."""
    members = [m for m in network.members if m.person_id != network.child.person_id]
    left, right = members[0::2], members[1::2]
    rows = max(len(left), len(right), 1)
    row_height = max(BOX_HEIGHT, PILLS_SHOWN * (PILL_HEIGHT + PILL_GAP)) + ROW_GAP
    child_services = _pill_count(network.child)
    child_block = BOX_HEIGHT + 20 + child_services * (PILL_HEIGHT + PILL_GAP)
    body_height = max(rows * row_height, child_block + 40)
    height = TOP + body_height + 90
    child_y = TOP + max((rows * row_height - child_block) // 2, 0)

    parts: list[str] = []
    lines: list[str] = []
    labels: list[str] = []
    for side, column in (("left", left), ("right", right)):
        box_x = LEFT_BOX_X if side == "left" else RIGHT_BOX_X
        for i, member in enumerate(column):
            top = TOP + i * row_height + (row_height - ROW_GAP - BOX_HEIGHT) // 2
            # Lines leave the child's side (never crossing the child's own services below
            # it), spread down that side in the order of the people they reach.
            spread = (BOX_HEIGHT - 24) * (i / (len(column) - 1) if len(column) > 1 else 0.5)
            start = (CHILD_BOX_X + (0 if side == "left" else BOX_WIDTH), child_y + 12 + spread)
            end = (box_x + (BOX_WIDTH if side == "left" else 0), top + BOX_HEIGHT / 2)
            lines.append(_relationship_line(member, start, end))
            labels.append(_relationship_label(member, network, start, end))
            parts.append(_person_box(member, network, box_x, top, child=False))
            pills_x = box_x - 16 - PILL_WIDTH if side == "left" else box_x + BOX_WIDTH + 16
            parts.append(
                _services(member, pills_x, top + BOX_HEIGHT / 2, side, box_x, box_x + BOX_WIDTH)
            )
    parts.append(_person_box(network.child, network, CHILD_BOX_X, child_y, child=True))
    parts.append(_child_services(network.child, child_y + BOX_HEIGHT + 20))
    title = f"Ecomap of {network.child.display_name}'s family"
    svg_open = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" class="app-ecomap__svg" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="{escape(FONT)}">'
    )
    heading = (
        f'<text x="{MARGIN}" y="34" font-size="24" font-weight="bold" fill="{INK}">'
        f"{escape(title)}</text>"
        f'<text x="{MARGIN}" y="58" font-size="15" fill="{SECONDARY_INK}">'
        f"Drawn {escape(_day(network.today))}; display rules {escape(network.rules_version)}"
        "</text>"
    )
    document = "".join(
        [
            svg_open,
            f'<title id="{title_id}">{escape(title)}</title>',
            f'<desc id="{desc_id}">{escape(describe(network))}</desc>',
            f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
            heading,
            *lines,
            *parts,
            *labels,
            _legend(height - 70),
            "</svg>",
        ]
    )
    if standalone:
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + document
    return document


def describe(network: FamilyNetwork) -> str:
    """The ecomap in one paragraph, for the SVG's description."""
    child = network.child
    sentences = [
        f"{child.display_name} is in the middle, "
        + _services_sentence(child, "is known to", "no services recorded")
    ]
    others = [m for m in network.members if m.person_id != child.person_id]
    if not others:
        sentences.append("No family members are known.")
    for m in others:
        sentences.append(
            f"{m.display_name} ({relationship_words(m, network)}) "
            + _services_sentence(m, "is known to", "no services shown")
        )
    return " ".join(sentences)


def timeline(network: FamilyNetwork) -> list[TimelineEntry]:
    """Every involvement shown, newest start first (those without a start date last)."""
    entries = [
        TimelineEntry(
            when=i.start_date,
            start_date=i.start_date,
            end_date=i.end_date,
            person_id=m.person_id,
            person=m.display_name,
            relationship=relationship_words(m, network),
            service=i.service_name,
            team=i.team,
            current=i.current,
            summary_only=i.summary_only,
        )
        for m in network.members
        for i in m.involvements
    ]
    dated = sorted((e for e in entries if e.when), key=lambda e: e.when, reverse=True)
    return dated + [e for e in entries if not e.when]


# Drawing


def _pill_count(member: FamilyMember) -> int:
    return min(len(member.involvements), PILLS_SHOWN)


def _person_box(
    member: FamilyMember, network: FamilyNetwork, x: float, y: float, child: bool
) -> str:
    second = relationship_words(member, network, short=True) if not child else "The child"
    if member.age is not None:
        second += f", {member.age}"
    third = "Shielded: no address or contact shown" if member.shielded else member.partial_address
    return (
        f'<g class="app-ecomap__person">'
        f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="8" '
        f'fill="{CHILD_FILL if child else "#ffffff"}" stroke="{INK}" '
        f'stroke-width="{4 if child else 2}"/>'
        f'<text x="{x + 12}" y="{y + 24}" font-size="17" font-weight="bold" fill="{INK}">'
        f"{escape(_fit(member.display_name, 21))}</text>"
        f'<text x="{x + 12}" y="{y + 45}" font-size="14" fill="{INK}">'
        f"{escape(_fit(second, 27))}</text>"
        f'<text x="{x + 12}" y="{y + 64}" font-size="13" fill="{SECONDARY_INK}">'
        f"{escape(_fit(third, 29))}</text>"
        "</g>"
    )


def _relationship_line(
    member: FamilyMember, start: tuple[float, float], end: tuple[float, float]
) -> str:
    sure = bool(member.relationships) and min(r.confidence for r in member.relationships) >= SURE
    disputed = any(r.disputed for r in member.relationships)
    dash = "" if sure and not disputed else ' stroke-dasharray="10 6"'
    return (
        f'<line x1="{start[0]:.0f}" y1="{start[1]:.0f}" x2="{end[0]:.0f}" y2="{end[1]:.0f}" '
        f'stroke="{LINE}" stroke-width="3"{dash}/>'
    )


def _relationship_label(
    member: FamilyMember,
    network: FamilyNetwork,
    start: tuple[float, float],
    end: tuple[float, float],
) -> str:
    text = _fit(relationship_words(member, network, short=True), int(LABEL_ROOM / (13 * 0.55)) - 2)
    # Half-way, where the lines from the child have spread apart.
    x = (start[0] + end[0]) / 2
    y = (start[1] + end[1]) / 2
    width = _text_width(text, 13) + 12
    return (
        f'<g class="app-ecomap__relationship">'
        f'<rect x="{x - width / 2:.0f}" y="{y - 11:.0f}" width="{width:.0f}" height="22" '
        f'rx="4" fill="#ffffff" stroke="{LINE}" stroke-width="1"/>'
        f'<text x="{x:.0f}" y="{y + 5:.0f}" font-size="13" text-anchor="middle" '
        f'fill="{INK}">{escape(text)}</text></g>'
    )


def _services(
    member: FamilyMember, x: float, middle: float, side: str, box_left: float, box_right: float
) -> str:
    pills = _pills(member)
    total = len(pills) * (PILL_HEIGHT + PILL_GAP) - PILL_GAP
    y = middle - total / 2
    out = []
    for text, current in pills:
        anchor_x = x + PILL_WIDTH if side == "left" else x
        box_edge = box_left if side == "left" else box_right
        out.append(
            f'<line x1="{box_edge}" y1="{middle:.0f}" x2="{anchor_x}" '
            f'y2="{y + PILL_HEIGHT / 2:.0f}" stroke="{LINE}" stroke-width="1"/>'
        )
        out.append(_pill(text, current, x, y))
        y += PILL_HEIGHT + PILL_GAP
    return f'<g class="app-ecomap__services">{"".join(out)}</g>'


def _child_services(child: FamilyMember, top: float) -> str:
    out = []
    x = CHILD_BOX_X + (BOX_WIDTH - PILL_WIDTH) / 2
    y = top
    for text, current in _pills(child):
        out.append(_pill(text, current, x, y))
        y += PILL_HEIGHT + PILL_GAP
    return f'<g class="app-ecomap__services">{"".join(out)}</g>'


def _pills(member: FamilyMember) -> list[tuple[str, bool | None]]:
    """(label, current) for each service drawn; None marks the 'N more' pill, and a
    service whose status is withheld (drawn neither current nor past)."""
    involvements = member.involvements
    shown = involvements if len(involvements) <= PILLS_SHOWN else involvements[: PILLS_SHOWN - 1]
    pills: list[tuple[str, bool | None]] = [
        (_service_label(i), None if i.summary_only else i.current) for i in shown
    ]
    hidden = len(involvements) - len(shown)
    if hidden:
        pills.append((f"{hidden} more (see the table)", None))
    return pills


def _service_label(involvement: ServiceInvolvement) -> str:
    name = involvement.service_name
    if involvement.summary_only:
        return f"{name}: ask duty line"
    if involvement.status == "not_recorded":
        return f"{name} (status not recorded)"
    return name if involvement.current else f"{name} (past)"


def _pill(text: str, current: bool | None, x: float, y: float) -> str:
    if current:
        style = f'fill="{CURRENT_FILL}" stroke="{CURRENT_STROKE}" stroke-width="2"'
    elif current is None:
        style = f'fill="#ffffff" stroke="{INK}" stroke-width="1"'
    else:
        style = f'fill="#ffffff" stroke="{PAST_STROKE}" stroke-width="1.5" stroke-dasharray="5 3"'
    return (
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{PILL_WIDTH}" height="{PILL_HEIGHT}" '
        f'rx="12" {style}/>'
        f'<text x="{x + 10:.0f}" y="{y + 17:.0f}" font-size="12.5" fill="{INK}">'
        f"{escape(_fit(text, 30))}</text>"
    )


def _legend(y: float) -> str:
    x = MARGIN
    return (
        '<g class="app-ecomap__legend">'
        f'<text x="{x}" y="{y}" font-size="15" font-weight="bold" fill="{INK}">Key</text>'
        f'<line x1="{x}" y1="{y + 22}" x2="{x + 50}" y2="{y + 22}" stroke="{LINE}" '
        'stroke-width="3"/>'
        f'<text x="{x + 60}" y="{y + 27}" font-size="14" fill="{INK}">Relationship: very sure'
        "</text>"
        f'<line x1="{x + 280}" y1="{y + 22}" x2="{x + 330}" y2="{y + 22}" stroke="{LINE}" '
        'stroke-width="3" stroke-dasharray="10 6"/>'
        f'<text x="{x + 340}" y="{y + 27}" font-size="14" fill="{INK}">'
        "Relationship: less sure or disputed</text>"
        f"{_pill('Current service', True, x + 640, y + 10)}"
        f"{_pill('Past service', False, x + 860, y + 10)}"
        "</g>"
    )


def _services_sentence(member: FamilyMember, verb: str, none: str) -> str:
    current = [i.service_name for i in member.involvements if i.current]
    unsure = [i.service_name for i in member.involvements if i.status == "not_recorded"]
    # A sensitive service shown only as existing: whether it is current is withheld.
    withheld = [i.service_name for i in member.involvements if i.summary_only]
    past = [
        i.service_name
        for i in member.involvements
        if not i.current and i.status not in ("not_recorded", "")
    ]
    if not current and not past and not unsure and not withheld:
        return f"({none})."
    parts = []
    if current:
        parts.append(f"{verb} {_and(current)} now")
    if past:
        parts.append(f"was known to {_and(past)} in the past")
    if unsure:
        parts.append(f"is known to {_and(unsure)} (whether now or in the past is not recorded)")
    if withheld:
        parts.append(f"is known to {_and(withheld)} (whether now or in the past is withheld)")
    return " and ".join(parts) + "."


def _and(names: list[str]) -> str:
    unique = list(dict.fromkeys(names))
    if len(unique) == 1:
        return unique[0]
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def _fit(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"


def _text_width(text: str, size: int) -> float:
    return len(text) * size * 0.55


def _day(value: date) -> str:
    return day_words(value)


@dataclass(frozen=True)
class PersonRow:
    """One person of the ecomap as a row of its text equivalent."""

    person_id: str
    name: str
    relationship: str
    services_now: str
    past_services: str


def people_table(network: FamilyNetwork) -> list[PersonRow]:
    """The ecomap's text equivalent: each person, their relationship, services now and past."""
    rows = []
    for m in network.members:
        now = [_text_label(i) for i in m.involvements if i.current]
        past = [_text_label(i) for i in m.involvements if not i.current]
        rows.append(
            PersonRow(
                person_id=m.person_id,
                name=m.display_name,
                relationship=relationship_words(m, network),
                services_now=", ".join(now) or "None shown",
                past_services=", ".join(past) or "None shown",
            )
        )
    return rows


def _text_label(involvement: ServiceInvolvement) -> str:
    if involvement.summary_only:
        return f"{involvement.service_name} (ask the duty line)"
    if involvement.status == "not_recorded":
        # Listed with the past services, but never silently taken for one.
        return f"{involvement.service_name} (status not recorded)"
    return involvement.service_name
