"""A worker's "these are the same person", as a pair in the data steward's review queue.

A worker who knows that two people of a family are one says so from "Something looks
wrong" (identity/problems.py). Besides the report in the steward's problem queue, a pair
of the two persons' records goes into the review queue, where the steward decides it as
they decide the pairs a link run sends: the same person (merged) or different people
(kept apart for good). The pair is the one the saved linkage model finds likeliest among
their records that no steward has decided yet, with the model's figures, so that the
queue orders and explains it like any other; one already waiting is marked as reported.

A reported pair waits whatever the link runs make of it (identity/linkage.py keeps it)
until a steward decides it or its two records come to be one person.
"""

from itertools import product

from django.db.models import F

from familyview.identity import explain
from familyview.identity.locking import lock_index
from familyview.identity.models import LinkedRecord, ProblemReport, ReviewPair

# As many records of each person as the steward's person page explains.
MOST_RECORDS = explain.MAX_EXPLAINED_RECORDS
WAITING = (ReviewPair.Status.OPEN, ReviewPair.Status.NOT_SURE)


def queue_reported_pair(report: ProblemReport) -> ReviewPair | None:
    """Put a pair of the report's two persons' records in the review queue (or mark the
    one waiting); None when a steward has already decided every pair of their records.
    Call inside the report's transaction: it waits for the person index's writer lock."""
    pairs = _pairs(report)
    if not pairs:
        return None
    lock_index()
    known = {
        (p.record_a_id, p.record_b_id): p
        for p in ReviewPair.objects.filter(
            record_a_id__in=[a for a, _ in pairs], record_b_id__in=[b for _, b in pairs]
        )
    }
    open_pairs = [
        p for p in pairs if p not in known or known[p].status != ReviewPair.Status.DECIDED
    ]
    if not open_pairs:
        return None
    waiting = [known[p] for p in open_pairs if p in known and known[p].status in WAITING]
    if waiting:
        pair = waiting[0]
        if pair.reported_in_id is None:
            pair.reported_in = report
            pair.save(update_fields=["reported_in"])
        return pair
    best = max(
        explain.explain_pairs(open_pairs),
        key=lambda e: (e.match_probability or 0.0, -e.record_a.record_id, -e.record_b.record_id),
    )
    key = (best.record_a.record_id, best.record_b.record_id)
    figures = {
        "match_probability": best.match_probability or 0.0,
        "match_weight": best.match_weight or 0.0,
        "explanation": [],  # scored again when shown, with the model then saved
        "why_not_linked": "",
        "status": ReviewPair.Status.OPEN,
        "found_by_run": None,
        "reported_in": report,
    }
    if key in known:  # a pair a run once sent, no longer uncertain: waiting again
        pair = known[key]
        for name, value in figures.items():
            setattr(pair, name, value)
        pair.save(update_fields=list(figures))
        return pair
    return ReviewPair.objects.create(record_a_id=key[0], record_b_id=key[1], **figures)


def _pairs(report: ProblemReport) -> list[tuple[int, int]]:
    """Every pair of one record of each person (in the report's authority, the records
    sources still send first), smaller record id first, as the review queue holds them."""
    records: dict[str, list[int]] = {report.person_id: [], report.same_as_id: []}
    for person_id, record_id in (
        LinkedRecord.objects.filter(
            person_id__in=list(records),
            person_record__source__authority_id=report.authority_id,
        )
        .order_by(F("person_record__ended_at").asc(nulls_first=True), "person_record_id")
        .values_list("person_id", "person_record_id")
    ):
        if len(records[person_id]) < MOST_RECORDS:
            records[person_id].append(record_id)
    mine, theirs = records[report.person_id], records[report.same_as_id]
    return sorted({(min(a, b), max(a, b)) for a, b in product(mine, theirs) if a != b})
