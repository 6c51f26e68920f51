"""The Family Context reference API's services, made from Family View's involvements.

Its "services" are kinds of data source (police, school, adult social care, housing);
`family_context_services.toml` (or a council's own file over it, named by
FAMILYVIEW_FAMILY_CONTEXT_SERVICES) says which of our service categories each one shows,
and every other category is served under its own code. What is shown of an involvement is
exactly what the family view shows (the display rules have already been applied to the
ServiceInvolvement values this module reads): sensitive services carry only the duty
line, shielded people no lead professional.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from django.db.models import Max

from familyview.involvements.display import ServiceInvolvement, rules_for
from familyview.involvements.models import ServiceCategory
from familyview.settings_files import FROM_ARRAY, SettingsModel, Text, load_settings
from familyview.sources.models import ExtractImport, Source
from familyview.words import day_words

MAPPING_FILE = Path(__file__).with_name("family_context_services.toml")
ENVIRONMENT_VARIABLE = "FAMILYVIEW_FAMILY_CONTEXT_SERVICES"


class ServiceType(SettingsModel):
    """One reference service type, the categories it shows, the reference API's shape its
    data follows, and which reference field each display rules' detail fills."""

    type: Text
    title: Text
    categories: Annotated[tuple[Text, ...], FROM_ARRAY]
    shape: Literal["Police", "School", "AdultSocialCare", "Housing", "Involvement"]
    fields: dict[str, Text] = {}


class FamilyContextServices(SettingsModel):
    """The service types file: the configured types, in the order they are listed."""

    service: Annotated[tuple[ServiceType, ...], FROM_ARRAY]


def service_types() -> list[ServiceType]:
    """Every service type served: the configured ones, then one per other category."""
    configured = list(
        load_settings(FamilyContextServices, MAPPING_FILE, ENVIRONMENT_VARIABLE).service
    )
    taken = {c for s in configured for c in s.categories}
    others = [
        ServiceType(type=code, title=name, categories=(code,), shape="Involvement")
        for code, name in ServiceCategory.objects.order_by("name").values_list("code", "name")
        if code not in taken
    ]
    return configured + others


def service_type(type_code: str) -> ServiceType | None:
    return next((s for s in service_types() if s.type == type_code), None)


@dataclass(frozen=True)
class Coverage:
    """What a service type's sources cover, from their latest loaded extracts."""

    source_names: tuple[str, ...]
    last_synchronised: datetime | None
    start: date | None
    end: date | None
    area: str


def coverage(authority_id: int, types: Sequence[ServiceType]) -> dict[str, Coverage]:
    """Each service type's coverage in this authority, in two queries."""
    categories = {c for s in types for c in s.categories}
    sources = list(
        Source.objects.filter(authority_id=authority_id, service_category__in=categories)
        .order_by("name")
        .values("id", "name", "service_category")
    )
    latest = dict(
        ExtractImport.objects.filter(
            source_id__in=[s["id"] for s in sources], status=ExtractImport.Status.LOADED
        )
        .values("source_id")
        .annotate(latest=Max("extracted_at"))
        .values_list("source_id", "latest")
    )
    extracts = {
        e["source_id"]: e
        for e in ExtractImport.objects.filter(
            source_id__in=list(latest), status=ExtractImport.Status.LOADED
        )
        .order_by("source_id", "extracted_at", "pk")
        .values("source_id", "extracted_at", "coverage_start", "coverage_end", "coverage_area")
        if e["extracted_at"] == latest[e["source_id"]]
    }
    found = {}
    for s_type in types:
        mine = [s for s in sources if s["service_category"] in s_type.categories]
        loaded = [extracts[s["id"]] for s in mine if s["id"] in extracts]
        found[s_type.type] = Coverage(
            source_names=tuple(s["name"] for s in mine),
            last_synchronised=max(
                (e["extracted_at"] for e in loaded if e["extracted_at"]), default=None
            ),
            start=min((e["coverage_start"] for e in loaded if e["coverage_start"]), default=None),
            end=max((e["coverage_end"] for e in loaded if e["coverage_end"]), default=None),
            area=", ".join(sorted({e["coverage_area"] for e in loaded if e["coverage_area"]})),
        )
    return found


def summary(s_type: ServiceType, cover: Coverage, involvements: Iterable[ServiceInvolvement]):
    """The reference ServiceSummary of one service type for one person (a dict)."""
    shown = [i for i in involvements if i.service_category in s_type.categories]
    out: dict[str, Any] = {
        "id": s_type.type,
        "title": s_type.title,
        "recordsAvailable": bool(shown),
    }
    if cover.last_synchronised:
        out["lastSynchronised"] = cover.last_synchronised
    if cover.start:
        out["coverageStartDate"] = cover.start
    if cover.end:
        out["coverageEndDate"] = cover.end
    if cover.source_names:
        out["dataSource"] = ", ".join(cover.source_names)
    out["coverageExplanation"] = _explanation(s_type, cover)
    return out


def _explanation(s_type: ServiceType, cover: Coverage) -> str:
    if not cover.source_names:
        return f"No source of {s_type.title.lower()} data is connected."
    words = f"From {', '.join(cover.source_names)}"
    if cover.last_synchronised:
        words += f", data current as of {day_words(cover.last_synchronised.date())}"
    if cover.start or cover.end:
        since = day_words(cover.start) if cover.start else "the start of its records"
        until = day_words(cover.end) if cover.end else "now"
        words += f", covering {since} to {until}"
    if cover.area:
        words += f", in {cover.area}"
    return words + "."


def detail_data(
    s_type: ServiceType, authority_code: str, involvements: Iterable[ServiceInvolvement]
) -> dict[str, Any]:
    """The `data` of a ServiceDetail: the person's latest shown involvement of the type,
    in its reference shape (current first, then the most recent, as the family view
    orders them); {} when none is shown."""
    shown = [i for i in involvements if i.service_category in s_type.categories]
    if not shown:
        return {}
    first = shown[0]
    labels = _detail_labels(s_type, authority_code)
    details = {d.label: d.value for i in shown[:1] for d in i.details}

    def detail(name: str) -> str | None:
        label = labels.get(name)
        return details.get(label) if label else None

    involvement = first.status or None
    contact = _contact(first)
    if s_type.shape == "Police":
        offences = [o for i in shown for o in i.offences]
        return _clean(
            {
                "policeArea": first.organisation or first.team or first.source.organisation,
                "contact": contact,
                "safeGuardingOffences": [
                    _clean(
                        {
                            "dateOfOffence": o.date,
                            "typeOfOffence": o.offence_type,
                            "natureOfInvolvement": o.nature,
                        }
                    )
                    for o in offences
                ],
                "nonSafeGuardingOffences": [],
            }
        )
    if s_type.shape == "School":
        return _clean(
            {
                "serviceInvolvement": involvement,
                "contact": contact,
                "schoolName": detail("schoolName") or first.organisation or None,
                "admissionType": detail("admissionType"),
            }
        )
    if s_type.shape == "AdultSocialCare":
        return _clean(
            {
                "serviceInvolvement": involvement,
                "localAuthorityOrganisation": first.organisation or first.team or None,
                "contact": contact,
                "startDateOfLastInvolvement": first.start_date,
                "dateOfMostRecentInteraction": first.last_contact_date,
            }
        )
    if s_type.shape == "Housing":
        return _clean(
            {
                "serviceInvolvement": involvement,
                "housingAssociation": first.organisation or None,
                "contact": contact,
                "tenancyStart": first.start_date,
                **{
                    name: _open_or_closed(detail(name))
                    for name in (
                        "antiSocialBehaviour",
                        "rentArrears",
                        "noticeSeekingPossession",
                        "eviction",
                    )
                },
            }
        )
    return _clean(
        {
            "serviceInvolvement": involvement,
            "team": first.team,
            "organisation": first.organisation,
            "contact": contact,
            "dutyPhone": first.duty_phone,
            "startDate": first.start_date,
            "endDate": first.end_date,
            "dateOfMostRecentInteraction": first.last_contact_date,
            "note": first.withheld_reason,
        }
    )


def _detail_labels(s_type: ServiceType, authority_code: str) -> dict[str, str]:
    """Reference field name -> the label the display rules give that detail."""
    if not s_type.fields:
        return {}
    rules = rules_for(authority_code)
    labels: dict[str, str] = {}
    for category in s_type.categories:
        configured = rules.category(category).details
        for name, key in s_type.fields.items():
            if key in configured:
                labels[name] = configured[key]
    return labels


def _contact(involvement: ServiceInvolvement) -> dict[str, str] | None:
    """The lead professional; when withheld, the duty line in their place."""
    lead = involvement.lead_professional
    if lead is not None:
        return _clean(
            {"name": lead.name, "role": lead.role, "phone": lead.phone, "email": lead.email}
        )
    if involvement.duty_phone:
        return {"name": f"{involvement.service_name} duty line", "phone": involvement.duty_phone}
    return None


def _open_or_closed(value: str | None) -> str | None:
    if value is None:
        return None
    return "open" if value.strip().lower() in ("yes", "true", "open", "1") else "closed"


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Leave out what is empty: the reference shapes allow no nulls."""
    return {k: v for k, v in values.items() if v not in (None, "", {})}
