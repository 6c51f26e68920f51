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

# Drawn for the page's column, 960 pixels wide on a desktop screen, so that one unit of
# the drawing is one pixel there: the smallest text (19) is the pages' body size. Long
# words wrap onto more lines, never cut. Printed, the drawing is scaled to one A4 page.
WIDTH = 960
MARGIN = 10
SIDE_WIDTH = 272  # each column of family members
CENTRE_WIDTH = 220  # the child, with their services
LEFT_X = MARGIN
CHILD_X = (WIDTH - CENTRE_WIDTH) // 2
RIGHT_X = WIDTH - MARGIN - SIDE_WIDTH
PAD = 12
TEXT = 19  # every text, as the pages' body text
NAME = 21
LINE = 25  # line height
PILL_INDENT = 18
PILL_GAP = 8
# At most this many services drawn for a person; the rest are counted ("3 more").
PILLS_SHOWN = 5
BLOCK_GAP = 40  # between one person's services and the next person
TOP = 100
# An average character's width, in ems, as generous as Arial's (GDS Transport is
# narrower), so that a line wrapped here does not run past its box; bold a little wider.
CHARACTER = 0.5
BOLD_CHARACTER = 0.56
SURE = "Very likely"  # relationships the page calls very likely are drawn solid

INK = "#0b0c0c"
SECONDARY_INK = "#484949"
CURRENT_FILL = "#cce2d8"
CURRENT_STROKE = "#005a30"
PAST_STROKE = "#505a5f"
CHILD_FILL = "#d2e2f1"
LINE_COLOUR = "#505a5f"
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


# Words for a relationship that do not say how two people are related.
NOT_KIN = frozenset({"other_relative", "carer", "guardian", "household_member", "cared_for"})


def relationship_words(member: FamilyMember, network: FamilyNetwork, short: bool = False) -> str:
    """'Mother', 'Carer and grandparent', 'Half-sibling or step-sibling (sources
    disagree)', 'The child'."""
    if member.person_id == network.child.person_id:
        return "The child"
    family = [r for r in member.relationships if r.relationship_type != "household_member"]
    # "Other relative" beside a closer word for the same kin ("grandparent") repeats it.
    if any(r.relationship_type not in NOT_KIN for r in family):
        family = [r for r in family if r.relationship_type != "other_relative"]
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
    """The ecomap as an SVG document (standalone) or an element to put inline in a page.

    A standalone document's title names no one: opened by itself, it is what a browser's
    tab and history show. The drawing itself names the family, as the page does."""
    members = [m for m in network.members if m.person_id != network.child.person_id]
    columns = {"left": members[0::2], "right": members[1::2]}
    blocks = {
        side: [_Block.of(m, network, SIDE_WIDTH) for m in column]
        for side, column in columns.items()
    }
    child = _Block.of(network.child, network, CENTRE_WIDTH, child=True)
    heights = {side: _column_height(column) for side, column in blocks.items()}
    tallest = max(*heights.values(), child.height)
    # The child's box level with the middle of the family around them.
    child_y = TOP + max((max(heights.values()) - child.height) // 2, 0)
    legend_y = TOP + tallest + 50
    height = legend_y + 130

    lines: list[str] = []
    drawn: list[str] = []
    for side, column in blocks.items():
        box_x = LEFT_X if side == "left" else RIGHT_X
        y = TOP + (tallest - heights[side]) // 2
        for i, block in enumerate(column):
            # Lines leave the child's side, spread down it in the order of the people they
            # reach, so that no two cross.
            spread = (child.box_height - 2 * PAD) * (
                i / (len(column) - 1) if len(column) > 1 else 0.5
            )
            start = (CHILD_X + (0 if side == "left" else CENTRE_WIDTH), child_y + PAD + spread)
            end = (box_x + (SIDE_WIDTH if side == "left" else 0), y + block.box_height / 2)
            lines.append(_relationship_line(block.member, start, end))
            drawn.append(block.draw(box_x, y))
            y += block.height + BLOCK_GAP
    drawn.append(child.draw(CHILD_X, child_y))

    title = f"Ecomap of {network.child.display_name}'s family"
    svg_open = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" class="app-ecomap__svg" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="{escape(FONT)}">'
    )
    heading = (
        f'<text x="{MARGIN + PAD}" y="36" font-size="26" font-weight="bold" fill="{INK}">'
        f"{escape(title)}</text>"
        f'<text x="{MARGIN + PAD}" y="68" font-size="{TEXT}" fill="{SECONDARY_INK}">'
        f"Drawn {escape(_day(network.today))}</text>"
    )
    document = "".join(
        [
            svg_open,
            f'<title id="{title_id}">'
            f"{escape('Ecomap of a family (Family View)' if standalone else title)}</title>",
            f'<desc id="{desc_id}">{escape(describe(network))}</desc>',
            f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" fill="#ffffff" '
            f'stroke="#b1b4b6"/>',
            heading,
            *lines,
            *drawn,
            _legend(legend_y),
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


@dataclass(frozen=True)
class _Block:
    """One person as drawn: their box (name, who they are, where) and their services
    below it, each text already wrapped to the width it is drawn at."""

    member: FamilyMember
    width: int
    child: bool
    box_lines: tuple[tuple[str, bool], ...]  # (line, bold)
    pills: tuple[tuple[tuple[str, ...], bool | None], ...]  # (lines, current)

    @classmethod
    def of(cls, member: FamilyMember, network: FamilyNetwork, width: int, child: bool = False):
        who = "The child" if child else relationship_words(member, network, short=True)
        if member.age is not None:
            who += f", {member.age}"
        where = member.partial_address
        if member.shielded:
            where = "Shielded: no address or contact shown"
        inner = width - 2 * PAD
        box_lines = [(line, True) for line in _wrap(member.display_name, NAME, inner, bold=True)]
        box_lines += [(line, False) for line in _wrap(who, TEXT, inner)]
        box_lines += [(line, False) for line in _wrap(where, TEXT, inner) if where]
        pill_inner = width - PILL_INDENT - 2 * PAD
        pills = tuple(
            (tuple(_wrap(text, TEXT, pill_inner)), current) for text, current in _pills(member)
        )
        return cls(member, width, child, tuple(box_lines), pills)

    @property
    def box_height(self) -> int:
        return 2 * PAD + LINE * len(self.box_lines)

    @property
    def height(self) -> int:
        return self.box_height + sum(PILL_GAP + _pill_height(lines) for lines, _ in self.pills)

    def draw(self, x: float, y: float) -> str:
        out = [
            f'<g class="app-ecomap__person"><rect x="{x}" y="{y}" width="{self.width}" '
            f'height="{self.box_height}" rx="8" fill="{CHILD_FILL if self.child else "#ffffff"}" '
            f'stroke="{INK}" stroke-width="{4 if self.child else 2}"/>'
        ]
        baseline = y + PAD + 19
        for line, bold in self.box_lines:
            weight = ' font-weight="bold"' if bold else ""
            size = NAME if bold else TEXT
            out.append(
                f'<text x="{x + PAD}" y="{baseline}" font-size="{size}"{weight} fill="{INK}">'
                f"{escape(line)}</text>"
            )
            baseline += LINE
        out.append("</g>")
        if self.pills:
            out.append(self._draw_services(x, y + self.box_height))
        return "".join(out)

    def _draw_services(self, x: float, top: float) -> str:
        """The services under the box, each joined to a line running down from it."""
        out = []
        y = top + PILL_GAP
        rail = x + PILL_INDENT / 2
        middles = []
        for lines, current in self.pills:
            height = _pill_height(lines)
            out.append(_pill(lines, current, x + PILL_INDENT, y, self.width - PILL_INDENT))
            middles.append(y + height / 2)
            y += height + PILL_GAP
        joins = [
            f'<line x1="{rail}" y1="{top}" x2="{rail}" y2="{middles[-1]:.0f}" '
            f'stroke="{LINE_COLOUR}" stroke-width="1.5"/>'
        ] + [
            f'<line x1="{rail}" y1="{m:.0f}" x2="{x + PILL_INDENT}" y2="{m:.0f}" '
            f'stroke="{LINE_COLOUR}" stroke-width="1.5"/>'
            for m in middles
        ]
        return f'<g class="app-ecomap__services">{"".join(joins + out)}</g>'


def _column_height(blocks: list[_Block]) -> int:
    return sum(b.height for b in blocks) + BLOCK_GAP * max(len(blocks) - 1, 0)


def _pill_height(lines: tuple[str, ...]) -> int:
    return 12 + LINE * len(lines)


def _wrap(text: str, size: int, width: float, bold: bool = False) -> list[str]:
    """The text in lines no wider than `width` at this size, broken between words (a
    word longer than a whole line is broken where it must be)."""
    most = max(int(width / (size * (BOLD_CHARACTER if bold else CHARACTER))), 1)
    lines: list[str] = []
    for whole in text.split():
        pieces = [whole[i : i + most] for i in range(0, len(whole), most)]
        lines.extend(pieces[:-1])
        word = pieces[-1]
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _relationship_line(
    member: FamilyMember, start: tuple[float, float], end: tuple[float, float]
) -> str:
    """Solid where the page says every relationship is very likely and no source
    disagrees; dashed otherwise."""
    sure = bool(member.relationships) and all(
        r.confidence_words == SURE and not r.disputed for r in member.relationships
    )
    dash = "" if sure else ' stroke-dasharray="10 6"'
    return (
        f'<line x1="{start[0]:.0f}" y1="{start[1]:.0f}" x2="{end[0]:.0f}" y2="{end[1]:.0f}" '
        f'stroke="{LINE_COLOUR}" stroke-width="3"{dash}/>'
    )


def _pills(member: FamilyMember) -> list[tuple[str, bool | None]]:
    """(label, current) for each service drawn; None marks the 'N more' pill, and a
    service whose status is withheld or not recorded (drawn neither current nor past)."""
    involvements = member.involvements
    shown = involvements if len(involvements) <= PILLS_SHOWN else involvements[: PILLS_SHOWN - 1]
    pills: list[tuple[str, bool | None]] = [
        (_service_label(i), None if i.summary_only or i.status == "not_recorded" else i.current)
        for i in shown
    ]
    hidden = len(involvements) - len(shown)
    if hidden:
        pills.append((f"{hidden} more (in the table below)", None))
    return pills


def _service_label(involvement: ServiceInvolvement) -> str:
    name = involvement.service_name
    if involvement.summary_only:
        return f"{name} (ask the duty line)"
    if involvement.status == "not_recorded":
        return f"{name} (status not recorded)"
    return name if involvement.current else f"{name} (past)"


def _pill(lines: tuple[str, ...], current: bool | None, x: float, y: float, width: float) -> str:
    if current:
        style = f'fill="{CURRENT_FILL}" stroke="{CURRENT_STROKE}" stroke-width="2"'
    elif current is None:
        style = f'fill="#ffffff" stroke="{INK}" stroke-width="1"'
    else:
        style = f'fill="#ffffff" stroke="{PAST_STROKE}" stroke-width="1.5" stroke-dasharray="5 3"'
    out = [
        f'<rect x="{x:.0f}" y="{y:.0f}" width="{width:.0f}" height="{_pill_height(lines)}" '
        f'rx="14" {style}/>'
    ]
    baseline = y + 6 + 19
    for line in lines:
        out.append(
            f'<text x="{x + PAD:.0f}" y="{baseline:.0f}" font-size="{TEXT}" fill="{INK}">'
            f"{escape(line)}</text>"
        )
        baseline += LINE
    return "".join(out)


def _legend(y: float) -> str:
    x = MARGIN + PAD
    pill_width = 220
    return (
        '<g class="app-ecomap__legend">'
        f'<text x="{x}" y="{y}" font-size="{TEXT}" font-weight="bold" fill="{INK}">Key</text>'
        f'<line x1="{x}" y1="{y + 28}" x2="{x + 50}" y2="{y + 28}" stroke="{LINE_COLOUR}" '
        'stroke-width="3"/>'
        f'<text x="{x + 60}" y="{y + 34}" font-size="{TEXT}" fill="{INK}">'
        "Relationship: very likely</text>"
        f'<line x1="{x + 400}" y1="{y + 28}" x2="{x + 450}" y2="{y + 28}" '
        f'stroke="{LINE_COLOUR}" stroke-width="3" stroke-dasharray="10 6"/>'
        f'<text x="{x + 460}" y="{y + 34}" font-size="{TEXT}" fill="{INK}">'
        "Relationship: less sure, or disputed</text>"
        f"{_pill(('Current service',), True, x, y + 55, pill_width)}"
        f"{_pill(('Past service',), False, x + 400, y + 55, pill_width)}"
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
    # Sensitive services shown only as existing: whether now or in the past is withheld,
    # so they are in neither column before.
    withheld: str


def people_table(network: FamilyNetwork) -> list[PersonRow]:
    """The ecomap's text equivalent: each person, their relationship, services now and
    past, and those whose details (now or past included) are withheld."""
    rows = []
    for m in network.members:
        now = [_text_label(i) for i in m.involvements if i.current]
        past = [_text_label(i) for i in m.involvements if not i.current and not i.summary_only]
        withheld = [_text_label(i) for i in m.involvements if i.summary_only]
        rows.append(
            PersonRow(
                person_id=m.person_id,
                name=m.display_name,
                relationship=relationship_words(m, network),
                services_now=", ".join(now) or "None shown",
                past_services=", ".join(past) or "None shown",
                withheld=", ".join(withheld) or "None",
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
