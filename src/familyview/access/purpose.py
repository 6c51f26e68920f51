"""Why a worker is looking a family up: the purpose of access and the case it is for.

A worker states the purpose once for a case, before any family data is shown. It is kept
in the signed-in session (never in a URL) and recorded with every view of family data. It
covers the child and the family members the worker then sees, so that moving from the
child to a sibling under the same case does not ask again; a new child, or a new session,
asks again. Who the family is, the caller says (`covers`): access reads no family links.
"""

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

SESSION_KEY = "familyview.purposes"
# The cases a session remembers at once: enough for a morning's referrals.
MAX_REMEMBERED = 20
OTHER_TEXT_MAX_LENGTH = 200
CASE_REFERENCE_MAX_LENGTH = 50


class Purpose(models.TextChoices):
    """The reasons a worker may give for looking a child's family up."""

    EARLY_HELP_ASSESSMENT = "early_help_assessment", "Early help assessment"
    SECTION_17_ASSESSMENT = "section_17_assessment", "Section 17 assessment (child in need)"
    SECTION_47_ENQUIRY = "section_47_enquiry", "Section 47 enquiry (child protection)"
    MASH_TRIAGE = "mash_triage", "MASH triage"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class PurposeProblem:
    """What is wrong with one part of a purpose as given: `part` is "purpose",
    "other_text" or "case_reference"; the message is in the worker's words."""

    part: str
    message: str


class PurposeNotRight(ValueError):
    """A purpose given that breaks the rules; each problem names its part, so the page
    puts it by its field and the API by its header."""

    def __init__(self, problems: list[PurposeProblem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


def purpose_problems(purpose: str, other_text: str, case_reference: str) -> list[PurposeProblem]:
    """The rules a purpose of access must meet, for the pages and the API alike."""
    problems = []
    if purpose not in Purpose.values:
        problems.append(PurposeProblem("purpose", "Select why you are looking at this family"))
    elif purpose == Purpose.OTHER and not other_text:
        problems.append(PurposeProblem("other_text", "Enter why you are looking at this family"))
    elif purpose != Purpose.OTHER and other_text:
        problems.append(
            PurposeProblem("other_text", "Only the purpose 'Other' is given in your own words")
        )
    if len(other_text) > OTHER_TEXT_MAX_LENGTH:
        problems.append(
            PurposeProblem(
                "other_text", f"The reason must be {OTHER_TEXT_MAX_LENGTH} characters or fewer"
            )
        )
    if not case_reference:
        problems.append(PurposeProblem("case_reference", "Enter the case or referral reference"))
    elif len(case_reference) > CASE_REFERENCE_MAX_LENGTH:
        problems.append(
            PurposeProblem(
                "case_reference",
                f"The case or referral reference must be {CASE_REFERENCE_MAX_LENGTH} "
                "characters or fewer",
            )
        )
    return problems


@dataclass(frozen=True)
class PurposeOfAccess:
    """The purpose a worker gave, in their words for 'other', and the case reference.
    Made only when the rules hold (`purpose_problems`): otherwise `PurposeNotRight`."""

    purpose: Purpose
    other_text: str
    case_reference: str

    def __post_init__(self) -> None:
        other_text, case_reference = self.other_text.strip(), self.case_reference.strip()
        problems = purpose_problems(str(self.purpose), other_text, case_reference)
        if problems:
            raise PurposeNotRight(problems)
        object.__setattr__(self, "purpose", Purpose(self.purpose))
        object.__setattr__(self, "other_text", other_text)
        object.__setattr__(self, "case_reference", case_reference)

    @property
    def description(self) -> str:
        """The purpose in words, as the audit log and the pages show it."""
        if self.purpose == Purpose.OTHER:
            return f"Other: {self.other_text}"
        return Purpose(self.purpose).label


def remember_purpose(
    session: MutableMapping[str, Any],
    child_person_id: str,
    purpose_of_access: PurposeOfAccess,
    covers: Iterable[str] = (),
) -> None:
    """Keep the purpose for the work on this child's case, covering the child and `covers`.

    Stating a purpose again for the same child replaces the old one. Calling it again
    with the same purpose adds people to what it covers (the family members shown).
    """
    remembered: list[dict[str, Any]] = list(session.get(SESSION_KEY, []))
    entry = _find(remembered, child_person_id)
    people = {child_person_id, *covers}
    if entry is not None and _purpose_of(entry) == purpose_of_access:
        if people <= set(entry["covers"]):
            return  # nothing new: the session need not be written again
        people.update(entry["covers"])
    remembered = [e for e in remembered if e["child"] != child_person_id]
    remembered.append(
        {
            "child": child_person_id,
            "purpose": str(purpose_of_access.purpose),
            "other_text": purpose_of_access.other_text,
            "case_reference": purpose_of_access.case_reference,
            "covers": sorted(people),
            "given_at": (entry or {}).get("given_at") or timezone.now().isoformat(),
        }
    )
    session[SESSION_KEY] = remembered[-MAX_REMEMBERED:]


def purpose_for(session: MutableMapping[str, Any], person_id: str) -> PurposeOfAccess | None:
    """The purpose the worker gave for a case covering this person, the latest first;
    None when they have given none (the page must then ask)."""
    for entry in reversed(session.get(SESSION_KEY, [])):
        if person_id == entry["child"] or person_id in entry["covers"]:
            return _purpose_of(entry)
    return None


def cases_open(session: MutableMapping[str, Any]) -> list[tuple[str, PurposeOfAccess]]:
    """Each child whose case has a purpose in force in this session, with the purpose,
    the latest first."""
    return [
        (entry["child"], _purpose_of(entry)) for entry in reversed(session.get(SESSION_KEY, []))
    ]


def case_child(session: MutableMapping[str, Any], person_id: str) -> str | None:
    """The child whose case covers this person (the latest), or None."""
    for entry in reversed(session.get(SESSION_KEY, [])):
        if person_id == entry["child"] or person_id in entry["covers"]:
            return entry["child"]
    return None


def _find(remembered: list[dict[str, Any]], child_person_id: str) -> dict[str, Any] | None:
    return next((e for e in remembered if e["child"] == child_person_id), None)


def _purpose_of(entry: dict[str, Any]) -> PurposeOfAccess:
    return PurposeOfAccess(
        purpose=Purpose(entry["purpose"]),
        other_text=entry["other_text"],
        case_reference=entry["case_reference"],
    )
