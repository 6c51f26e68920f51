"""Why the index holds records together or apart, in words a data steward understands.

A pair's explanation is the linkage model's waterfall: where the model starts before
looking at the records (the prior: how rarely two records picked at random are one
person), then each comparison's evidence, "The same date of birth: +8.4" (above zero
for the same person, below zero against), adding up to a match weight and a
probability. Pairs a link run sent for review keep the run's figures
(ReviewPair.explanation); any other pair is scored on demand with the saved model,
without term frequency adjustment (how common a name is), since that needs every record.
"""

import copy
import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

import duckdb
import pyarrow as pa
from django.utils import timezone
from splink import DuckDBAPI, Linker

from familyview import words
from familyview.identity import queries
from familyview.identity.configuration import thresholds
from familyview.identity.feature_store import SCHEMA
from familyview.identity.models import LinkageModel, LinkedRecord, Person, ReviewPair
from familyview.identity.rules import must_stay_apart
from familyview.identity.service_ages import add_child_service_years
from familyview.sources.models import PersonRecord

# The model's comparisons in the order the pages show them, with their names in words.
COMPARISONS = {
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "address": "Address, postcode and property (UPRN)",
    "sex": "Sex",
    "nhs_number": "NHS number",
    "middle_name": "Middle name",
}
# What "all other comparisons" means for each: they differ.
_DIFFERENT = {
    "given_name": "Different given names",
    "family_name": "Different family names",
    "date_of_birth": "Different dates of birth",
    "address": "Different addresses and postcodes",
    "sex": "Different sex recorded",
    "nhs_number": "Different NHS numbers",
    "middle_name": "Different middle names",
}
_SAME = {
    "given_name": "The same given name",
    "family_name": "The same family name",
    "uprn": "The same property (UPRN)",
    "sex": "The same sex",
    "nhs_number": "The same NHS number",
}
_JARO_WINKLER = re.compile(r"Jaro-Winkler distance of (\w+) >= ([0-9.]+)")
# The person page explains every pair of a person's records up to this many records.
MAX_EXPLAINED_RECORDS = 12
WITHHELD = "Withheld (restricted record)"
NOT_RECORDED = "Not recorded"
ON_DEMAND = "Scored now with the saved model, without term frequency adjustment"
STORED = "Scored by the link run that found the pair"


@dataclass(frozen=True)
class RecordView:
    """A source record as a steward sees it. A restricted record (a shielded person)
    never shows its address, postcode or property."""

    record_id: int
    source_code: str
    source_name: str
    source_record_id: str
    given_name: str
    middle_names: str
    family_name: str
    previous_names: str
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    sex: str
    nhs_number: str
    address: str
    postcode: str
    uprn: str
    restricted: bool
    ended: bool
    person_id: str | None
    basis: str | None  # how it joined its person, in words
    basis_code: str | None  # LinkedRecord.Basis
    match_probability: float | None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p) or NOT_RECORDED

    @property
    def date_of_birth(self) -> str:
        """'4 June 2012', 'June 2012' or '2012' (partial dates), or 'Not recorded'."""
        return date_words(self.birth_year, self.birth_month, self.birth_day)

    @property
    def probability_text(self) -> str:
        """How sure the index is the record belongs to its person ('' for a record alone)."""
        if self.basis_code == LinkedRecord.Basis.ALONE:
            return ""
        return probability_words(self.match_probability)

    @property
    def reference(self) -> str:
        """'CSC P123': the record by its source and the source's own identifier."""
        return f"{self.source_code} {self.source_record_id}"

    def value(self, comparison: str) -> str:
        """The record's value for one of the model's comparisons, as the page shows it."""
        if comparison == "date_of_birth":
            return self.date_of_birth
        if comparison == "family_name":
            value = self.family_name
            if value and self.previous_names:
                value = f"{value} (previously {self.previous_names})"
            return value or NOT_RECORDED
        if comparison in ("postcode", "uprn", "address") and self.restricted:
            return WITHHELD
        if comparison == "address":
            where = ", ".join(
                p
                for p in (self.address, self.postcode, f"UPRN {self.uprn}" if self.uprn else "")
                if p
            )
            return where or NOT_RECORDED
        if comparison == "middle_name":
            return self.middle_names or NOT_RECORDED
        if comparison == "nhs_number":
            return nhs_number_words(self.nhs_number)
        value = getattr(self, comparison)
        return (value.capitalize() if comparison == "sex" else value) or NOT_RECORDED


@dataclass(frozen=True)
class Step:
    """One comparison's evidence: the two values, what the model found, its weight."""

    comparison: str
    name: str
    value_a: str
    value_b: str
    found: str
    weight: float
    # Address evidence about a shielded person: whether the addresses agree would say
    # where they are, so neither the finding nor its weight is shown.
    withheld: bool = False

    @property
    def weight_text(self) -> str:
        return "Withheld" if self.withheld else signed(self.weight)

    @property
    def evidence(self) -> str:
        if self.withheld:
            return "Withheld"
        if self.weight >= 0.05:
            return "For the same person"
        if self.weight <= -0.05:
            return "Against"
        return "Neither way"

    @property
    def sentence(self) -> str:
        """'The same date of birth: +8.4'."""
        return f"{self.found}: {self.weight_text}"


@dataclass(frozen=True)
class PairExplanation:
    """Why the model thinks two records are, or are not, one person."""

    record_a: RecordView
    record_b: RecordView
    steps: list[Step] = field(default_factory=list)
    prior_weight: float | None = None
    # How common the matching values are (term frequency), when the run's figures have it.
    frequency_weight: float | None = None
    match_weight: float | None = None
    match_probability: float | None = None
    scored: str = ""
    # A hard rule or a steward's decision that decides the pair whatever the score.
    hard_rule: str | None = None
    unavailable: str | None = None

    @property
    def prior_text(self) -> str:
        return signed(self.prior_weight) if self.prior_weight is not None else ""

    @property
    def frequency_text(self) -> str:
        return signed(self.frequency_weight) if self.frequency_weight is not None else ""

    @property
    def match_weight_text(self) -> str:
        return signed(self.match_weight) if self.match_weight is not None else ""

    @property
    def probability_text(self) -> str:
        return probability_words(self.match_probability)


@dataclass(frozen=True)
class PersonExplanation:
    """A person's records, how each joined, and why each pair of them is together."""

    person: Person
    records: list[RecordView]
    pairs: list[PairExplanation]
    other_authorities_records: int = 0
    records_not_explained: int = 0


def explain_person(person_id: str, authority_ids: Iterable[int] | None = None) -> PersonExplanation:
    """The person's source records and, for each pair of them, why they are one person.

    With authority_ids, only records of those authorities are shown (and explained);
    raises Person.DoesNotExist if the person has none there.
    """
    if authority_ids is None:
        person = Person.objects.get(pk=person_id)
        records = list(
            PersonRecord.objects.filter(link__person=person)
            .select_related("source", "link")
            .order_by("source__code", "source_record_id", "pk")
        )
        hidden = 0
    else:
        found = queries.person_records(person_id, authority_ids)
        person, records, hidden = found.person, found.records, found.other_authorities_records
    views = [record_view(r) for r in records]
    explained = views[:MAX_EXPLAINED_RECORDS]
    pairs = explain_pairs([(a.record_id, b.record_id) for a, b in combinations(explained, 2)])
    return PersonExplanation(
        person=person,
        records=views,
        pairs=pairs,
        other_authorities_records=hidden,
        records_not_explained=len(views) - len(explained),
    )


def explain_review_pair(pair: ReviewPair) -> PairExplanation:
    """A pair from the review queue: the run's own figures, or scored now if it kept none."""
    return explain_pairs([(pair.record_a_id, pair.record_b_id)])[0]


def explain_pairs(pairs: list[tuple[int, int]]) -> list[PairExplanation]:
    """Explain several pairs at once: the run's figures where a review pair kept them, the
    rest scored together in one pass of the model."""
    if not pairs:
        return []
    ids = sorted({r for pair in pairs for r in pair})
    views = {
        r.pk: record_view(r)
        for r in PersonRecord.objects.filter(pk__in=ids).select_related("source", "link")
    }
    feats = {f["unique_id"]: f for f in queries.record_features(ids)}
    rules = _rules(ids, feats)
    stored = _stored(pairs)
    latest = LinkageModel.objects.order_by("-version").first()
    wanted = [p for p in pairs if _key(p) not in stored]
    scored = _score(wanted, feats, latest.splink_settings) if latest and wanted else {}
    out = []
    for a, b in pairs:
        key = _key((a, b))
        base = {"record_a": views[a], "record_b": views[b], "hard_rule": rules.get(key)}
        if key in stored:
            review = stored[key]
            model = review.found_by_run.model or latest
            out.append(_from_review(review, views[a], views[b], model, base))
        elif key in scored:
            out.append(_from_scores(scored[key], latest.splink_settings, views[a], views[b], base))
        else:
            out.append(
                PairExplanation(
                    **base, unavailable="No linkage model has been trained yet (familyview link)"
                )
            )
    return out


def why_not_linked(pair: ReviewPair) -> str:
    """Why a link run did not join the pair by itself."""
    if pair.why_not_linked:
        return f"A rule keeps them apart: {pair.why_not_linked}"
    upper = thresholds().upper
    return (
        f"The model's probability ({probability_words(pair.match_probability)}) is below "
        f"the {probability_words(upper)} needed to link records without a steward"
    )


# Records


def record_view(record: PersonRecord) -> RecordView:
    """A record (with .source and .link loaded) for the steward's pages."""
    try:
        link: LinkedRecord | None = record.link
    except LinkedRecord.DoesNotExist:
        link = None
    address = ", ".join(p for p in (record.address_line1, record.address_line2, record.town) if p)
    return RecordView(
        record_id=record.pk,
        source_code=record.source.code,
        source_name=record.source.name,
        source_record_id=record.source_record_id,
        given_name=record.given_name,
        middle_names=record.middle_names,
        family_name=record.family_name,
        previous_names=record.previous_names,
        birth_year=record.birth_year,
        birth_month=record.birth_month,
        birth_day=record.birth_day,
        sex=record.sex,
        nhs_number=record.nhs_number,
        address=WITHHELD if record.restricted and address else address,
        postcode=WITHHELD if record.restricted and record.postcode else record.postcode,
        uprn=WITHHELD if record.restricted and record.uprn else record.uprn,
        restricted=record.restricted,
        ended=record.ended_at is not None,
        person_id=link.person_id if link else None,
        basis=link.get_basis_display() if link else None,
        basis_code=link.basis if link else None,
        match_probability=link.match_probability if link else None,
    )


# Words and numbers


def date_words(year: int | None, month: int | None, day: int | None) -> str:
    return words.date_words(year, month, day) or NOT_RECORDED


def nhs_number_words(number: str) -> str:
    """'943 476 5919', the way NHS numbers are written."""
    if len(number) == 10:
        return f"{number[:3]} {number[3:6]} {number[6:]}"
    return number or NOT_RECORDED


def signed(weight: float) -> str:
    """'+6.2', '0.0', or a negative weight with a true minus sign (U+2212)."""
    rounded = round(weight, 1)
    if rounded == 0:
        return "0.0"
    return f"+{rounded:.1f}" if rounded > 0 else f"\N{MINUS SIGN}{-rounded:.1f}"


def probability_words(p: float | None) -> str:
    """'95%', '99.6%', 'less than 0.1%': never '100%' for a match short of certain."""
    if p is None:
        return ""
    if p >= 1.0:
        return "100%"
    if p > 0.999:
        return "more than 99.9%"
    if p < 0.001:
        return "less than 0.1%"
    if p > 0.99 or p < 0.01:
        return f"{p * 100:.1f}%"
    return f"{p * 100:.0f}%"


def found_words(comparison: str, label: str) -> str:
    """The model's label for a comparison level, as a steward would say it."""
    if label.endswith(" is NULL"):
        return "Not recorded on one or both records: no evidence either way"
    if label == "All other comparisons":
        return _DIFFERENT.get(comparison, "Different")
    if label.startswith("Exact match on "):
        part = label.removeprefix("Exact match on ").removeprefix("full ")
        return _SAME.get(comparison, f"The same {part}")
    m = _JARO_WINKLER.fullmatch(label)
    if m:
        what = COMPARISONS.get(comparison, comparison).lower()
        if float(m.group(2)) >= 0.9:
            return f"{what.capitalize()}s almost the same (a small spelling difference)"
        return f"{what.capitalize()}s alike, but not the same"
    return label


# Scoring


def _key(pair: tuple[int, int]) -> tuple[int, int]:
    return (min(pair), max(pair))


def _stored(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], ReviewPair]:
    """Review pairs that kept the run's figures, by (smaller id, larger id)."""
    ids = {r for pair in pairs for r in pair}
    wanted = {_key(p) for p in pairs}
    return {
        _key((r.record_a_id, r.record_b_id)): r
        for r in ReviewPair.objects.filter(record_a_id__in=ids, record_b_id__in=ids)
        .exclude(explanation=[])
        .select_related("found_by_run__model")
        if _key((r.record_a_id, r.record_b_id)) in wanted
    }


def _rules(ids: list[int], feats: dict[int, dict]) -> dict[tuple[int, int], str]:
    """Steward decisions in force, else the hard rules, for every pair of these records."""
    out = {}
    adults = thresholds().adult_categories
    feats = {rid: dict(f) for rid, f in feats.items()}
    add_child_service_years(feats)
    for a, b in combinations(ids, 2):
        why = must_stay_apart(feats[a], feats[b], adults)
        if why:
            out[_key((a, b))] = f"The index keeps these apart: {why}"
    for d in queries.decisions_between(ids):
        said = "are the same person" if d.ruling == "same" else "are different people"
        when = words.day_words(timezone.localdate(d.decided_at))
        out[_key((d.record_a_id, d.record_b_id))] = (
            f"A data steward decided on {when} that these {said}: {d.reason}"
        )
    return out


def _without_term_frequencies(splink_settings: dict) -> dict:
    """The saved model without term frequency adjustment, which needs every record."""
    settings = copy.deepcopy(splink_settings)
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key in ("tf_adjustment_column", "tf_adjustment_weight", "tf_minimum_u_value"):
                level.pop(key, None)
    return settings


def _score(
    pairs: list[tuple[int, int]], feats: dict[int, dict], splink_settings: dict
) -> dict[tuple[int, int], dict]:
    """Score the pairs with the saved model: one DuckDB pass over the records involved."""
    ids = sorted({r for pair in pairs for r in pair})
    wanted = {_key(p) for p in pairs}
    con = duckdb.connect()
    try:
        db_api = DuckDBAPI(connection=con)
        records = db_api.register(
            pa.Table.from_pylist([feats[r] for r in ids], schema=SCHEMA),
            dataset_display_name="explained_records",
        )
        linker = Linker(
            records, _without_term_frequencies(splink_settings), log_level=logging.WARNING
        )
        rows = linker.inference.score_pairs(records, records).as_record_list()
    finally:
        con.close()
    return {key: row for row in rows if (key := (row["unique_id_l"], row["unique_id_r"])) in wanted}


def _prior(splink_settings: dict) -> float:
    """Where the model starts: how rarely two records picked at random are one person."""
    lam = splink_settings["probability_two_random_records_match"]
    return math.log2(lam / (1 - lam))


def _level_labels(splink_settings: dict) -> dict[str, dict[int, str]]:
    """Each comparison's levels by their number in the model's output (gamma): -1 for
    'not recorded', then counting down from the strongest level to 0 for 'different'."""
    out = {}
    for comparison in splink_settings["comparisons"]:
        levels = comparison["comparison_levels"]
        labels = {}
        others = [lv for lv in levels if not lv.get("is_null_level")]
        for lv in levels:
            if lv.get("is_null_level"):
                labels[-1] = lv.get("label_for_charts", "not recorded")
        for i, lv in enumerate(others):
            labels[len(others) - 1 - i] = lv.get("label_for_charts", "")
        out[comparison["output_column_name"]] = labels
    return out


def _steps(
    levels: dict[str, int | None],
    weights: dict[str, float],
    splink_settings: dict,
    a: RecordView,
    b: RecordView,
) -> list[Step]:
    labels = _level_labels(splink_settings)
    steps = []
    for comparison, name in COMPARISONS.items():
        if comparison not in weights:
            continue
        level = levels.get(comparison)
        label = labels.get(comparison, {}).get(level if level is not None else -1, "")
        shielded = comparison in ("postcode", "uprn", "address") and (a.restricted or b.restricted)
        steps.append(
            Step(
                comparison=comparison,
                name=name,
                value_a=WITHHELD if shielded else a.value(comparison),
                value_b=WITHHELD if shielded else b.value(comparison),
                found=WITHHELD if shielded else found_words(comparison, label),
                weight=weights[comparison],
                withheld=shielded,
            )
        )
    return steps


def _from_scores(
    row: dict, splink_settings: dict, a: RecordView, b: RecordView, base: dict
) -> PairExplanation:
    weights = {
        key[3:]: value
        for key, value in row.items()
        if key.startswith("mw_") and not key.startswith("mw_tf_") and value is not None
    }
    levels = {c: row.get(f"gamma_{c}") for c in weights}
    return PairExplanation(
        **base,
        steps=_steps(levels, weights, splink_settings, a, b),
        prior_weight=_prior(splink_settings),
        match_weight=row["match_weight"],
        match_probability=row["match_probability"],
        scored=ON_DEMAND,
    )


def _from_review(
    review: ReviewPair,
    a: RecordView,
    b: RecordView,
    model: LinkageModel | None,
    base: dict,
) -> PairExplanation:
    if model is None:
        return PairExplanation(**base, unavailable="The model that scored this pair is gone")
    splink_settings = model.splink_settings
    weights = {part["comparison"]: float(part["weight"]) for part in review.explanation}
    levels = {part["comparison"]: part.get("level") for part in review.explanation}
    prior = _prior(splink_settings)
    # The run's total includes how common the matching values are; the parts do not.
    frequency = review.match_weight - prior - sum(weights.values())
    return PairExplanation(
        **base,
        steps=_steps(levels, weights, splink_settings, a, b),
        prior_weight=prior,
        frequency_weight=frequency if abs(frequency) >= 0.05 else None,
        match_weight=review.match_weight,
        match_probability=review.match_probability,
        scored=STORED,
    )
