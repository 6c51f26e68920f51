"""The family network around a child: who they live with and are related to, and the
services around each of them, as a practitioner may see it.

`family_network(child_person_id, viewer)` is the one domain function the family pages call.
It returns frozen dataclasses: the pages render them and never query the database
themselves. Everything in a FamilyNetwork has already passed the display rules
(familyview.involvements.display): an involvement a viewer may not see is simply absent,
a sensitive one carries only its duty line, a shielded person carries no address or
contact details.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.utils import timezone

from familyview.access.models import Authority
from familyview.families.models import FamilyLink, FamilyRelationship
from familyview.identity.doubts import PossiblyOnePerson, possibly_one_person
from familyview.identity.models import LinkedRecord
from familyview.identity.persons import PersonDetails, aware, person_details
from familyview.involvements.display import (
    Contact,
    Detail,
    DisplayRules,
    PoliceOffence,
    ServiceInvolvement,
    ServiceName,
    SourceInfo,
    rules_for,
    shown_involvements,
)
from familyview.involvements.models import Involvement, ServiceCategory
from familyview.sources.models import ExtractImport, PersonRecord, Source, is_stale
from familyview.words import day_words

__all__ = [
    "ChildNotFound",
    "Contact",
    "Detail",
    "FamilyMember",
    "FamilyNetwork",
    "FamilyNetworkRefused",
    "IdentityConfidence",
    "PoliceOffence",
    "PossiblyOnePerson",
    "Provenance",
    "Relationship",
    "ServiceInvolvement",
    "SourceInfo",
    "Viewer",
    "family_network",
]


class FamilyNetworkRefused(Exception):
    """The family cannot be shown to this viewer; the message says why, in their words."""


class ChildNotFound(FamilyNetworkRefused):
    """No such person in the viewer's authority.

    A person of another authority gets this same answer as one that does not exist, so
    that the refusal tells the viewer nothing about other councils' data.
    """


@dataclass(frozen=True)
class Viewer:
    """Who is looking: their role and the authority they are working in.

    The role (an access.models.Role value such as "practitioner") selects the display
    rules' role-specific allowances, e.g. for sensitive services.
    """

    role: str
    authority_id: int


@dataclass(frozen=True)
class Provenance:
    """Who said that two people are related, and when."""

    # "source": a source system recorded the relationship;
    # "household": inferred because they live at the same address at the same time;
    # "derived": worked out from other relationships (two children of the same parent).
    kind: str
    source_code: str  # "" for a household or derived link
    source_name: str  # the source's name, or "Lives at the same address" / "Worked out..."
    # When the source said so: the extracted_at of the import that last wrote it.
    said_at: datetime | None
    # The relationship's own dates as the source gave them (or the shared-address period).
    since: date | None
    until: date | None
    description: str  # one sentence in users' words, e.g. "Children's social care said so"


@dataclass(frozen=True)
class Relationship:
    """What a member is to the child, as one or more sources agree."""

    relationship_type: str  # families.models.FamilyRelationship value, e.g. "mother"
    label: str  # "Mother", "Half-sibling", "Lives at the same address"
    confidence: float  # 0..1
    confidence_words: str  # "Very likely", "Likely", "Possible"
    provenance: tuple[Provenance, ...]
    # Another source says something different about the same two people (e.g. one says
    # father, another step-parent): both relationships are kept and both marked.
    disputed: bool


@dataclass(frozen=True)
class IdentityConfidence:
    """How sure the index is that a member's records all belong to one person."""

    probability: float  # the minimum LinkedRecord.match_probability over their records
    words: str  # "Very sure", "Sure", "Fairly sure", "Not sure"
    records: int  # how many source records make up this person
    source_names: tuple[str, ...]  # which sources know them


@dataclass(frozen=True)
class FamilyMember:
    """The child or one member of their family, as the viewer may see them."""

    person_id: str  # opaque Person id, safe in URLs
    display_name: str
    age: int | None  # whole years on the network's "today"; None if no year of birth
    date_of_birth: str  # as much as is known, "4 June 2016" / "2016"; "" if none
    # A partial address (street and postcode district, "High Street, AB1"); "" when
    # shielded, not known, or shared with a shielded member.
    partial_address: str
    shielded: bool
    # "child", "parent_or_carer", "sibling", "household", "other_family"
    group: str
    relationships: tuple[Relationship, ...]  # to the child; empty for the child
    identity: IdentityConfidence
    involvements: tuple[ServiceInvolvement, ...]  # current first, then most recent
    # Recorded at the child's address now (a shared address, or a source saying they are
    # of the household, not ended); False for the child.
    lives_with_child: bool

    @property
    def adult(self) -> bool:
        """18 or over, as far as the date of birth shows."""
        return self.age is not None and self.age >= ADULT_AGE

    @property
    def recent_involvements(self) -> tuple[ServiceInvolvement, ...]:
        """Who to call first: their services now, and those the display rules keep in
        view for a while after they end (ServiceInvolvement.recent); the safeguarding
        services first (police before the GP), otherwise in the page's order."""
        recent = [i for i in self.involvements if i.recent]
        return tuple(sorted(recent, key=lambda i: not i.safeguarding))


@dataclass(frozen=True)
class FamilyNetwork:
    """A child's family network with the services around each member."""

    child: FamilyMember
    parents_and_carers: tuple[FamilyMember, ...]
    siblings: tuple[FamilyMember, ...]  # full, half and step
    household: tuple[FamilyMember, ...]  # others living at the same address
    other_family: tuple[FamilyMember, ...]  # grandparents, partners, other relatives
    sources: tuple[SourceInfo, ...]  # every source a fact shown came from
    rules_version: str  # the display rules version applied
    today: date  # ages and "current" are relative to this day
    # Members who may be one person (identity/doubts.py): in the review queue together,
    # or looking like one.
    possibly_one_person: tuple[PossiblyOnePerson, ...]

    @property
    def members(self) -> tuple[FamilyMember, ...]:
        """Everyone shown, the child first, in the page's order."""
        return (
            self.child,
            *self.parents_and_carers,
            *self.siblings,
            *self.household,
            *self.other_family,
        )

    @property
    def who_to_call_first(self) -> tuple[FamilyMember, ...]:
        """Everyone, in the order a worker calls about them: the adults living with the
        child, then the parents and carers living elsewhere, then the rest in the page's
        order (the child, siblings, others at the address, other family)."""
        members = self.members
        first = [m for m in members if m.lives_with_child and m.adult]
        first += [m for m in self.parents_and_carers if not (m.lives_with_child and m.adult)]
        ids = {m.person_id for m in first}
        return (*first, *(m for m in members if m.person_id not in ids))

    def may_be_one_person_with(self, person_id: str) -> tuple[tuple[FamilyMember, bool], ...]:
        """The members who may be the same person as this one, each with whether the
        data steward is checking (a pair of their records is in the review queue)."""
        by_id = {m.person_id: m for m in self.members}
        return tuple(
            (by_id[pair.other_than(person_id)], pair.being_checked)
            for pair in self.possibly_one_person
            if person_id in pair.person_ids and pair.other_than(person_id) in by_id
        )

    @property
    def shielded_person_ids(self) -> tuple[str, ...]:
        """Shielded people shown (their appearance raises a privacy alert)."""
        return tuple(m.person_id for m in self.members if m.shielded)


# ---- building a network ------------------------------------------------------------------

PARENT_TYPES = ("mother", "father", "parent", "step_parent", "carer", "guardian")
SIBLING_TYPES = ("sibling", "half_sibling", "step_sibling")
OTHER_TYPES = (
    "grandparent",
    "partner",
    "ex_partner",
    "child",
    "step_child",
    "cared_for",
    "grandchild",
    "other_relative",
)
TYPE_ORDER = {t: i for i, t in enumerate((*PARENT_TYPES, *SIBLING_TYPES, *OTHER_TYPES))}
TYPE_ORDER["household_member"] = len(TYPE_ORDER)
GROUPS = (
    ("parent_or_carer", frozenset(PARENT_TYPES)),
    ("sibling", frozenset(SIBLING_TYPES)),
    ("other_family", frozenset(OTHER_TYPES)),
    ("household", frozenset({"household_member"})),
)
ADULT_AGE = 18
HOUSEHOLD_SOURCE_NAME = "Lives at the same address"
DERIVED_SOURCE_NAME = "Worked out from the parents recorded"
UNNAMED_SOURCE_NAME = "A service not shown here"


def family_network(
    child_person_id: str, viewer: Viewer, today: date | None = None
) -> FamilyNetwork:
    """The child's family network as `viewer` may see it, on `today` (default: today).

    Raises ChildNotFound for a person who does not exist, no longer holds records (merged
    into another) or belongs to another authority than the viewer's. Runs a fixed number
    of queries whatever the family's size: the family links, the child and members as
    their records show them (identity/persons.py), their involvements with their
    services' names, the sources with their latest imports, and the pairs of them that
    the review queue holds or a steward kept apart (identity/doubts.py).
    """
    today = today or timezone.localdate()
    links = list(
        FamilyLink.objects.raw(
            f'SELECT * FROM "{FamilyLink._meta.db_table}" '  # noqa: S608
            'WHERE "authority_id" = %s AND "person_id" = %s',
            [viewer.authority_id, child_person_id],
        )
    )
    member_ids = {link.related_person_id for link in links} - {child_person_id}
    # Only records in the viewer's authority: a member of another cannot be linked to
    # this child, and is left out if they were (belt and braces).
    people = person_details([child_person_id, *member_ids], [viewer.authority_id], today)
    if child_person_id not in people:
        raise ChildNotFound("There is no such child in your authority")
    involvements, services, source_info, authority_code = _services_of(
        people, viewer, today, {link.source_id for link in links if link.source_id is not None}
    )
    return _Assembly(
        rules_for(authority_code),
        viewer,
        today,
        people,
        involvements,
        services,
        source_info,
        links,
        possibly_one_person(people),
    ).network(child_person_id)


def person_services(
    person_ids: list[str], viewer: Viewer, today: date | None = None
) -> dict[str, tuple[PersonDetails, tuple[ServiceInvolvement, ...]]]:
    """Each person (of the viewer's authority) as their records show them, with their
    services as the display rules let `viewer` see them: the family network's rules for
    people asked about one by one, without their families (a neighbouring council's
    question, docs/peers.md). A fixed number of queries however many people."""
    today = today or timezone.localdate()
    people = person_details(person_ids, [viewer.authority_id], today)
    involvements, services, sources, authority_code = _services_of(people, viewer, today, set())
    # Assembled as a family's members are, with no links between them.
    shown = _Assembly(
        rules_for(authority_code), viewer, today, people, involvements, services, sources, [], ()
    ).shown
    return {pid: (person, shown[pid]) for pid, person in people.items()}


def _services_of(
    people: dict[str, PersonDetails], viewer: Viewer, today: date, more_source_ids: set[int]
) -> tuple[dict[str, list[Involvement]], dict[str, ServiceName], dict[int, SourceInfo], str]:
    """The people's open involvements, their services' names, the sources (theirs, their
    involvements' and `more_source_ids`) with how current each is, and the viewer's
    authority's code (for its display rules): two queries."""
    # Each row carries its service's name and sensitivity, which the rules need: no
    # query of its own for the service categories.
    involvements: dict[str, list[Involvement]] = defaultdict(list)
    services: dict[str, ServiceName] = {}
    if people:
        for inv in Involvement.objects.raw(
            _involvements_sql(len(people)), [*people, viewer.authority_id]
        ):
            involvements[inv.owner].append(inv)
            _know_service(services, inv.service_category, inv.service_name, inv.service_sensitive)
    source_ids = {sid for person in people.values() for sid in person.source_ids}
    source_ids |= {inv.source_id for invs in involvements.values() for inv in invs}
    source_ids |= more_source_ids
    now = timezone.now()
    source_info, authority_code = {}, ""
    sources = (
        Source.objects.raw(
            _sources_sql(len(source_ids)),
            [ExtractImport.Status.LOADED.value, *sorted(source_ids), viewer.authority_id],
        )
        if source_ids
        else ()
    )
    for source in sources:
        authority_code = source.authority_code  # the viewer's authority's, for its rules
        _know_service(services, source.service_category, source.service_name, source.sensitive)
        latest = aware(source.latest)
        source_info[source.pk] = SourceInfo(
            code=source.code,
            name=source.name,
            organisation=source.organisation,
            service_category=source.service_category,
            duty_phone=source.duty_phone,
            data_current_as_of=latest,
            stale=is_stale(source, latest, now),
            expected_every_days=source.expected_every_days,
            days_since_update=(today - timezone.localdate(latest)).days if latest else None,
        )
    return involvements, services, source_info, authority_code


# Every family view asks these two: the ORM built and compiled them (a join through the
# person index, the services' names, the latest loaded import) at more cost than the
# database took to answer, so they are written out, for any number of people or sources.


def _involvements_sql(people: int) -> str:
    """Open involvements of the people (as many placeholders), in one authority (the last
    parameter), each with its owner and its service's name and sensitivity."""
    inv, record = Involvement._meta.db_table, PersonRecord._meta.db_table
    link, source = LinkedRecord._meta.db_table, Source._meta.db_table
    category = ServiceCategory._meta.db_table
    return (
        f'SELECT i.*, l."person_id" AS "owner", c."name" AS "service_name", '  # noqa: S608
        f'c."sensitive" AS "service_sensitive" FROM "{inv}" i '
        f'INNER JOIN "{record}" r ON i."person_record_id" = r."id" '
        f'INNER JOIN "{link}" l ON r."id" = l."person_record_id" '
        f'INNER JOIN "{source}" s ON r."source_id" = s."id" '
        f'LEFT OUTER JOIN "{category}" c ON c."code" = i."service_category" '
        f'WHERE i."ended_at" IS NULL AND l."person_id" IN ({", ".join(["%s"] * people)}) '
        f'AND s."authority_id" = %s'
    )


def _sources_sql(sources: int) -> str:
    """The sources (as many placeholders) of one authority (the last parameter), each with
    its latest loaded import (the first parameter: the status 'loaded'), its service's
    name and sensitivity, and its authority's code."""
    source, extract = Source._meta.db_table, ExtractImport._meta.db_table
    category, authority = ServiceCategory._meta.db_table, Authority._meta.db_table
    return (
        f'SELECT s.*, (SELECT MAX(x."extracted_at") FROM "{extract}" x '  # noqa: S608
        f'WHERE x."source_id" = s."id" AND x."status" = %s) AS "latest", '
        f'c."name" AS "service_name", c."sensitive" AS "sensitive", a."code" AS "authority_code" '
        f'FROM "{source}" s INNER JOIN "{authority}" a ON s."authority_id" = a."id" '
        f'LEFT OUTER JOIN "{category}" c ON c."code" = s."service_category" '
        f'WHERE s."id" IN ({", ".join(["%s"] * sources)}) AND s."authority_id" = %s'
    )


def _know_service(
    services: dict[str, ServiceName], code: str, name: str | None, sensitive: object
) -> None:
    """Note a configured service's name and sensitivity, as read with a row (none for a
    category nobody configured: the rules then treat it as sensitive)."""
    if name is not None and code not in services:
        services[code] = ServiceName(name, bool(sensitive))


class _Assembly:
    """Turns the rows read for one family into the network's values (no queries)."""

    def __init__(
        self,
        rules: DisplayRules,
        viewer: Viewer,
        today: date,
        people: dict[str, PersonDetails],
        involvements: dict[str, list[Involvement]],
        services: dict[str, ServiceName],
        sources: dict[int, SourceInfo],
        links: list[FamilyLink],
        doubts: tuple[PossiblyOnePerson, ...],
    ) -> None:
        self.doubts = doubts
        self.rules = rules
        self.viewer = viewer
        self.today = today
        self.people = people
        self.involvements = involvements
        self.services = services
        self.sources = sources
        self.links = links
        self.shown: dict[str, tuple[ServiceInvolvement, ...]] = {
            pid: shown_involvements(
                rules,
                involvements.get(pid, ()),
                ages=person.ages,
                shielded=person.shielded,
                role=viewer.role,
                services=services,
                sources=sources,
                today=today,
            )
            for pid, person in people.items()
        }
        self.used_sources: dict[str, SourceInfo] = {}  # by code

    def network(self, child_id: str) -> FamilyNetwork:
        by_member: dict[str, list[FamilyLink]] = defaultdict(list)
        for link in self.links:
            if link.related_person_id in self.people and link.related_person_id != child_id:
                by_member[link.related_person_id].append(link)
        child = self.member(child_id, "child", ())
        groups: dict[str, list[FamilyMember]] = defaultdict(list)
        for pid, member_links in by_member.items():
            relationships = self.relationships(pid, child_id, member_links)
            types = {r.relationship_type for r in relationships}
            group = next(name for name, kinds in GROUPS if types & kinds)
            groups[group].append(self.member(pid, group, relationships))
        for group, members in groups.items():
            # Parents and carers by what they are (mother first); others eldest first.
            members.sort(
                key=lambda m: (
                    min(TYPE_ORDER[r.relationship_type] for r in m.relationships)
                    if group == "parent_or_carer"
                    else 0,
                    -(m.age if m.age is not None else -1),
                    m.display_name,
                    m.person_id,
                )
            )
        return FamilyNetwork(
            child=child,
            parents_and_carers=tuple(groups["parent_or_carer"]),
            siblings=tuple(groups["sibling"]),
            household=tuple(groups["household"]),
            other_family=tuple(groups["other_family"]),
            sources=tuple(sorted(self.used_sources.values(), key=lambda s: (s.name, s.code))),
            rules_version=self.rules.version,
            today=self.today,
            possibly_one_person=self.doubts,
        )

    # -- one member

    def member(self, pid: str, group: str, relationships: tuple[Relationship, ...]) -> FamilyMember:
        person = self.people[pid]
        involvements = self.shown[pid]
        shown_sources = {i.source.code for i in involvements}
        visible = []
        for source_id in person.source_ids:
            source = self.sources[source_id]
            if source.code in shown_sources or self._nameable(source, pid):
                visible.append(source)
        for source in visible:
            self.used_sources[source.code] = source
        for inv in involvements:
            self.used_sources[inv.source.code] = inv.source
        return FamilyMember(
            person_id=pid,
            display_name=person.name,
            age=person.age,
            date_of_birth=person.date_of_birth.words,
            partial_address=person.partial_address,
            shielded=person.shielded,
            group=group,
            relationships=relationships,
            identity=IdentityConfidence(
                probability=person.least_sure,
                words=identity_words(person.least_sure),
                records=person.records,
                source_names=tuple(sorted({s.name for s in visible})),
            ),
            involvements=involvements,
            lives_with_child=any(
                r.relationship_type == "household_member"
                and any(p.until is None or p.until >= self.today for p in r.provenance)
                for r in relationships
            ),
        )

    def _nameable(self, source: SourceInfo, pid: str) -> bool:
        """Whether naming this source as knowing the person says no more than the rules
        show: its service is shown at their age, is not sensitive and has no offences to
        filter, or they have an involvement with it that is shown."""
        if any(inv.source.code == source.code for inv in self.shown.get(pid, ())):
            return True
        category = source.service_category
        rule = self.rules.category(category)
        service = self.services.get(category)
        return (
            service is not None
            and not service.sensitive
            and rule.offence_types is None
            and self.rules.shows(category, self.people[pid].ages)
        )

    # -- relationships to the child

    def relationships(
        self, pid: str, child_id: str, links: list[FamilyLink]
    ) -> tuple[Relationship, ...]:
        by_type: dict[str, list[FamilyLink]] = defaultdict(list)
        for link in links:
            by_type[link.relationship_type].append(link)
        # "Parent" (often the inverse of a source's "child") joins a mother or father
        # another statement names.
        for specific in ("mother", "father"):
            if (
                specific in by_type
                and "parent" in by_type
                and not ("mother" in by_type and "father" in by_type)
            ):
                by_type[specific].extend(by_type.pop("parent"))
        out = []
        for rtype, group in by_type.items():
            confidence = max(link.confidence for link in group)
            provenance = tuple(
                sorted(
                    (self.provenance(link, pid, child_id) for link in group),
                    key=lambda p: (p.kind != "source", p.source_name, p.said_at or _EPOCH),
                )
            )
            out.append(
                Relationship(
                    relationship_type=rtype,
                    label=FamilyRelationship(rtype).label,
                    confidence=confidence,
                    confidence_words=relationship_words(confidence),
                    provenance=_unique(provenance),
                    disputed=any(link.disputed for link in group),
                )
            )
        out.sort(key=lambda r: TYPE_ORDER[r.relationship_type])
        return tuple(out)

    def provenance(self, link: FamilyLink, pid: str, child_id: str) -> Provenance:
        if link.basis == FamilyLink.Basis.HOUSEHOLD:
            how = "the same property" if link.evidence == "uprn" else "the same address"
            return Provenance(
                kind="household",
                source_code="",
                source_name=HOUSEHOLD_SOURCE_NAME,
                said_at=None,
                since=link.start_date,
                until=link.end_date,
                description=f"Recorded at {how} at the same time"
                + _period(link.start_date, link.end_date),
            )
        if link.basis == FamilyLink.Basis.DERIVED:
            return Provenance(
                kind="derived",
                source_code="",
                source_name=DERIVED_SOURCE_NAME,
                said_at=None,
                since=None,
                until=None,
                description=f"Worked out from the parents the sources recorded: {link.evidence}",
            )
        source = self.sources[link.source_id]
        named = self._nameable(source, pid) or self._nameable(source, child_id)
        if not named:
            # The source itself would tell the viewer of a service the rules do not show.
            return Provenance(
                kind="source",
                source_code="",
                source_name=UNNAMED_SOURCE_NAME,
                said_at=None,
                since=link.start_date,
                until=link.end_date,
                description="Recorded by a service whose involvement is not shown here",
            )
        self.used_sources[source.code] = source
        return Provenance(
            kind="source",
            source_code=source.code,
            source_name=source.name,
            said_at=link.said_at,
            since=link.start_date,
            until=link.end_date,
            description=f"Recorded by {source.name}" + _period(link.start_date, link.end_date),
        )


_EPOCH = datetime(1900, 1, 1, tzinfo=UTC)


def _unique(provenance: tuple[Provenance, ...]) -> tuple[Provenance, ...]:
    seen = set()
    out = []
    for p in provenance:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return tuple(out)


def _period(start: date | None, end: date | None) -> str:
    if start and end:
        return f", from {day_words(start)} to {day_words(end)}"
    if start:
        return f", since {day_words(start)}"
    if end:
        return f", until {day_words(end)}"
    return ""


# ---- words ---------------------------------------------------------------------------------


# Each scale of words is read from the top: the first band whose floor a value reaches.
IDENTITY_BANDS = ((0.99, "Very sure"), (0.95, "Sure"), (0.8, "Fairly sure"))
RELATIONSHIP_BANDS = ((0.85, "Very likely"), (0.6, "Likely"))


def identity_words(probability: float) -> str:
    """How sure the index is that a person's records are one person, in words."""
    return _in_words(probability, IDENTITY_BANDS, "Not sure")


def relationship_words(confidence: float) -> str:
    """How likely a family link is, in words."""
    return _in_words(confidence, RELATIONSHIP_BANDS, "Possible")


def _in_words(value: float, bands: tuple[tuple[float, str], ...], below: str) -> str:
    return next((words for floor, words in bands if value >= floor), below)
