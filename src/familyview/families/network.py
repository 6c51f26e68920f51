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

from dataclasses import dataclass
from datetime import date, datetime


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
class SourceInfo:
    """A source system a fact came from, and how current its data is."""

    code: str
    name: str
    organisation: str
    service_category: str
    duty_phone: str
    # The extracted_at of the source's latest loaded import; None if never loaded.
    data_current_as_of: datetime | None
    # Older than the source's expected cadence (Source.expected_every_days).
    stale: bool


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
class Contact:
    """A lead professional the practitioner can call or email."""

    name: str
    role: str
    phone: str
    email: str


@dataclass(frozen=True)
class PoliceOffence:
    """One safeguarding-relevant police event, as the display rules allow it."""

    date: date | None
    offence_type: str  # "domestic abuse", "missing person"...
    nature: str  # the person's involvement: "victim", "suspect", "offender"...


@dataclass(frozen=True)
class Detail:
    """One further fact about an involvement the rules allow, e.g. rent arrears."""

    label: str
    value: str


@dataclass(frozen=True)
class ServiceInvolvement:
    """One involvement with a service, after the display rules."""

    involvement_id: int
    service_category: str  # code, e.g. "housing"
    service_name: str  # "Housing"
    status: str  # "current" or "historic"
    current: bool
    start_date: date | None
    end_date: date | None
    last_contact_date: date | None
    team: str
    organisation: str
    # The lead professional, or None with withheld_reason saying why (a sensitive
    # service, a shielded person, no lead recorded).
    lead_professional: Contact | None
    withheld_reason: str
    duty_phone: str  # the team's duty line (falls back to the source's)
    # A sensitive service shown only as "involvement exists, contact the duty line":
    # then team, dates and details are empty too.
    sensitive: bool
    summary_only: bool
    offences: tuple[PoliceOffence, ...]  # police only: at most as many as the rules allow
    details: tuple[Detail, ...]
    source: SourceInfo


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
    def shielded_person_ids(self) -> tuple[str, ...]:
        """Shielded people shown (their appearance raises a privacy alert)."""
        return tuple(m.person_id for m in self.members if m.shielded)


def family_network(
    child_person_id: str, viewer: Viewer, today: date | None = None
) -> FamilyNetwork:
    """The child's family network as `viewer` may see it (being written)."""
    raise NotImplementedError("family_network is being written by the families helper")
