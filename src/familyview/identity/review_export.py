"""The review queue as a CSV file: for stewards who plan or share out their work in a
spreadsheet, and for measuring how much of the queue is left.

One line per pair waiting (open, or looked at and not sure), in the order stewards see
the queue: children and their families first, then the most likely match first. Records
are named by their source and source record id only: a steward opens the pair in Family
View (its pair id) to see the people.
"""

from collections.abc import Iterable, Iterator
from datetime import date

from familyview.access.models import Authority
from familyview.identity import explain, queries
from familyview.spreadsheets import csv_lines

CHUNK = 2000

CSV_HEADER = (
    "pair_id",
    "status",
    "record_a_source",
    "record_a_source_record_id",
    "record_b_source",
    "record_b_source_record_id",
    "within_one_source",
    "match_probability",
    "match_weight",
    "why_not_linked",
    "children_whose_family_it_touches",
)


def review_queue_csv_lines(
    authority_ids: Iterable[int] | None = None, today: date | None = None
) -> Iterator[str]:
    """The queue of these authorities (all of them by default), line by line, header first.

    Reads the queue in chunks, with two more queries per chunk for the families it
    touches, so that a long queue is never held in memory at once.
    """
    ids = (
        list(authority_ids)
        if authority_ids is not None
        else list(Authority.objects.values_list("pk", flat=True))
    )
    return csv_lines(CSV_HEADER, _rows(ids, today))


def _rows(authority_ids: list[int], today: date | None) -> Iterator[tuple]:
    pairs = queries.queue_in_order(authority_ids, today)
    chunk = []
    for pair in pairs.iterator(chunk_size=CHUNK):
        chunk.append(pair)
        if len(chunk) == CHUNK:
            yield from _chunk_rows(chunk, today)
            chunk = []
    yield from _chunk_rows(chunk, today)


def _chunk_rows(pairs: list, today: date | None) -> Iterator[tuple]:
    children = queries.children_touched(pairs, today)
    for pair in pairs:
        yield (
            pair.pk,
            pair.status,
            pair.record_a.source.code,
            pair.record_a.source_record_id,
            pair.record_b.source.code,
            pair.record_b.source_record_id,
            "yes" if queries.is_within_one_source(pair) else "no",
            f"{pair.match_probability:.6f}",
            f"{pair.match_weight:.2f}",
            explain.why_not_linked(pair),
            " ".join(children[pair.pk]),
        )
