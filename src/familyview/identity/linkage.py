"""`familyview link`: build or update the person index from every person record.

A run reads every source record, scores candidate pairs with the Splink model on DuckDB
(training it first if no model is saved, or when asked), applies the hard rules, clusters,
keeps person identifiers stable, and writes the index in one transaction. A full run
(`_link_every_record`) scores every candidate pair; an incremental run
(`_link_new_records`) scores only records not yet in the index, against the index and
among themselves, and clusters again only the persons they could join. Both are a few
lines over the same named steps (`_read`, `_model`, `_cluster_persons`, `_explained`,
`_write_index`).
The families are built from the index afterwards, by the pipeline
(familyview/pipeline/linking.py), which runs this and then that.
"""

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.utils import timezone
from splink import Linker
from splink.internals.database_api import DatabaseAPI

from familyview.identity import engines
from familyview.identity import model as linkage_model
from familyview.identity.clusters import (
    Assignment,
    Clustering,
    Edge,
    assign_persons,
    cluster,
)
from familyview.identity.configuration import Thresholds, thresholds
from familyview.identity.feature_store import Features, read_features
from familyview.identity.locking import lock_index
from familyview.identity.models import (
    IdentityChange,
    LinkageModel,
    LinkedRecord,
    LinkRun,
    Person,
    ReviewPair,
    StewardDecision,
    new_person_id,
)
from familyview.identity.rules import (
    RULE_COLUMNS,
    FamilyContext,
    answered_by_near_certain,
    deterministic_pairs,
    is_decisive,
    must_stay_apart,
    one_source,
)
from familyview.identity.search import refresh_search_entries
from familyview.identity.service_ages import add_child_service_years
from familyview.sources.loading import cyclic_gc_paused, insert_rows
from familyview.sources.models import PersonRecord

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


def _pairs(predictions, lower: float) -> list[Edge]:
    rows = predictions.query_sql(
        "SELECT unique_id_l, unique_id_r, match_probability FROM {this} "  # noqa: S608 (a float)
        f"WHERE match_probability >= {float(lower)}"
    ).as_pyarrow_table()
    return list(
        zip(
            rows.column(0).to_pylist(),
            rows.column(1).to_pylist(),
            rows.column(2).to_pylist(),
            ["model"] * rows.num_rows,
            strict=True,
        )
    )


def _explanations(
    db_api: DatabaseAPI, predictions, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], dict]:
    """Each comparison's match weight for the pairs a steward will see."""
    if not pairs:
        return {}
    for_review = db_api.register(pa.table({"l": [a for a, _ in pairs], "r": [b for _, b in pairs]}))
    names = predictions.query_sql("SELECT * FROM {this} LIMIT 0").as_pyarrow_table().schema.names
    weights = [n for n in names if n.startswith("mw_") and not n.startswith("mw_tf_")]
    levels = [f"gamma_{w[3:]}" for w in weights if f"gamma_{w[3:]}" in names]
    columns = ["unique_id_l", "unique_id_r", "match_weight", *weights, *levels]
    table = predictions.query_sql(
        f"SELECT {', '.join('p.' + c for c in columns)} FROM {{this}} p "  # noqa: S608 (names)
        f"JOIN {for_review.physical_name} w ON p.unique_id_l = w.l AND p.unique_id_r = w.r"
    ).as_pyarrow_table()
    data = table.to_pydict()
    # Each comparison's weights and levels, looked up once (not once per pair: a list of
    # Nones built per pair and comparison made this quadratic in the review queue).
    no_levels = [None] * table.num_rows
    columns_of = [(w[3:], data[w], data.get(f"gamma_{w[3:]}", no_levels)) for w in weights]
    out = {}
    for i in range(table.num_rows):
        parts = [
            {"comparison": name, "weight": round(weight[i], 2), "level": level[i]}
            for name, weight, level in columns_of
            if weight[i] is not None
        ]
        key = (data["unique_id_l"][i], data["unique_id_r"][i])
        out[key] = {"match_weight": data["match_weight"][i], "comparisons": parts}
    return out


class NothingToLink(RuntimeError):
    """There are no person records: no extract has been imported."""


class LinkInterrupted(Exception):
    """The run was stopped (Ctrl-C). `written` is the run if it had written the person
    index (its families were then not updated), else None: nothing was written. Raised
    by the pipeline too, when the families' update after the index is stopped."""

    def __init__(self, written: LinkRun | None) -> None:
        super().__init__("interrupted" if written is None else f"interrupted after run {written}")
        self.written = written


@dataclass(frozen=True)
class Linked:
    """A link run that wrote the person index, and the persons whose records it changed
    (whose family links the family update then looks at): None after a full run, when
    any may have."""

    run: LinkRun
    changed: frozenset[str] | None


def link(
    *,
    retrain: bool = False,
    incremental: bool | None = None,
    progress: Progress | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> Linked:
    """Build or update the person index. Returns the run with its counts, and whose
    records it changed.

    Raises NothingToLink when no person record has been imported, and LinkInterrupted when
    the run is stopped (Ctrl-C): the index is written in one transaction, so a stopped run
    has written it whole or not at all."""
    written: list[LinkRun] = []
    say = progress or (lambda message: log.info("%s", message))
    with ctrl_c_noted() as pressed:

        def step(message: str) -> None:
            # A Ctrl-C that something below swallowed (DuckDB's own "query interrupted",
            # taken for a training session that could not run) still stops the run at
            # its next step.
            if pressed.is_set():
                raise KeyboardInterrupt
            say(message)

        try:
            with (
                cyclic_gc_paused(),
                engines.open_engine(engine, spark_master=spark_master) as scorer,
            ):
                # After the engine: one that cannot run is the first thing to put right.
                if not PersonRecord.objects.exists():
                    raise NothingToLink(
                        "There is nothing to link: no person records have been imported; "
                        "import an extract first (familyview ingest --source CODE PATH)."
                    )
                run, changed = _link(retrain, incremental, step, scorer, written.append)
        except KeyboardInterrupt:
            raise LinkInterrupted(written[0] if written else None) from None
        except Exception:
            if pressed.is_set():
                raise LinkInterrupted(written[0] if written else None) from None
            raise
    return Linked(run, None if changed is None else frozenset(changed))


@contextmanager
def ctrl_c_noted() -> Iterator[threading.Event]:
    """Whether Ctrl-C (SIGINT) was pressed while a run worked, however it then surfaced:
    DuckDB stops its query and reports an error of its own ("Query interrupted"), which
    Splink wraps in another. Ctrl-C still raises KeyboardInterrupt as ever. Noted only
    where Python's own handler is in place (in the main thread, SIGINT not ignored)."""
    pressed = threading.Event()
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield pressed
        return

    def note(signum: int, frame: FrameType | None) -> None:
        pressed.set()
        signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, note)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@dataclass(frozen=True)
class _Reading:
    """What a run read before scoring anything: the index as it stood and every person
    record's features."""

    started: float  # time.monotonic() when the run began
    limits: Thresholds
    version: tuple  # index_version() as read: the write refuses if it has moved on
    current: dict[int, tuple[str, float, str, str]]  # _current_links()
    claims: dict[int, str]  # every indexed record -> its person
    unchanged: dict[int, str]  # the indexed records not changed since linked -> person
    changed_since: set[int]  # indexed records whose data changed since they were linked
    new_ids: list[int]  # records to score as new: not in the index, or changed since
    features: Features

    @property
    def table(self) -> pa.Table:
        return self.features.table

    @property
    def ids(self) -> list[int]:
        return self.table.column("unique_id").to_pylist()


@dataclass(frozen=True)
class _Clustered:
    """Records grouped into persons, identifiers handed out, and the pairs a steward
    should look at: (record, record, probability, why not linked)."""

    clustering: Clustering
    assignment: Assignment
    review: list[tuple[int, int, float, str]]


def _link(
    retrain: bool,
    incremental: bool | None,
    progress: Progress | None,
    scorer: engines.Engine,
    on_written: Callable[[LinkRun], None],
) -> tuple[LinkRun, set[str] | None]:
    """One run; pairs are scored (and a model trained) on `scorer`, DuckDB or Spark.
    Everything else is the same whichever engine scores. Returns the run and, if it was
    incremental, the persons whose records it changed (None: a full run, any may have);
    `on_written` hears of the run as soon as the index is written.

    Unless told, a run is incremental when there is an index and a saved model and it
    is not asked to train again; a model that compares records otherwise than this
    version is trained again in a full run. Nothing is written to the database before the
    one transaction that writes the index (a newly trained model included), so a run that
    stops before it leaves all as it was."""
    say = progress or (lambda message: log.info("%s", message))
    reading = _read(say)
    saved = LinkageModel.objects.order_by("-version").first()
    if incremental is None:
        incremental = bool(reading.current) and saved is not None and not retrain
    if (
        saved is not None
        and not retrain
        and linkage_model.comparisons_changed(saved.splink_settings)
    ):
        say(
            "The saved linkage model compares records otherwise than this version: "
            "training it again"
        )
        retrain, incremental = True, False
    linker, model = _model(scorer.db_api, reading, saved, retrain, say)
    if incremental:
        run, changed = _link_new_records(reading, linker, model, scorer, on_written, say)
    else:
        run, changed = _link_every_record(reading, linker, model, scorer, on_written, say), None
    reading.features.stored.result()  # the record features kept for the next run
    return run, changed


def _link_every_record(
    reading: _Reading,
    linker: Linker,
    model: LinkageModel,
    scorer: engines.Engine,
    on_written: Callable[[LinkRun], None],
    say: Progress,
) -> LinkRun:
    """A full run: every candidate pair scored, every record clustered afresh (each person
    keeping its identifier where most of its records stay together), the review queue
    replaced."""
    ids = reading.ids
    say(f"Scoring candidate pairs among {len(ids):,} records")
    lower = reading.limits.lower
    predictions = [
        linker.inference.predict(threshold_match_probability=lower, warning_mode="never")
    ]
    edges = _scored(predictions, lower)
    pairs_scored = len(edges)
    edges.extend(_deterministic(reading.table, None))
    clustered = _cluster_persons(reading, set(ids), edges, {}, reading.claims, say)
    explanations = _explained(scorer, predictions, clustered.review)
    run, _ = _write_index(
        reading, model, LinkRun.Mode.FULL, clustered, explanations, pairs_scored, None, say
    )
    on_written(run)
    return run


def _link_new_records(
    reading: _Reading,
    linker: Linker,
    model: LinkageModel,
    scorer: engines.Engine,
    on_written: Callable[[LinkRun], None],
    say: Progress,
) -> tuple[LinkRun, set[str]]:
    """An incremental run: the records not yet in the index (or changed since they were
    linked) scored against the index and among themselves; only the persons they could
    join are clustered again, their records held together as they were, and the rest of
    the index stands. Returns the run and the persons whose records it changed."""
    new_ids = reading.new_ids
    predictions = _score_new(reading, linker, scorer.db_api, say) if new_ids else []
    edges = _scored(predictions, reading.limits.lower)
    pairs_scored = len(edges)
    edges.extend(_deterministic(reading.table, new_ids))
    new = set(new_ids)
    edges = [e for e in edges if e[0] in new or e[1] in new]
    claims = reading.claims
    touched = {claims[r] for e in edges for r in e[:2] if r in claims}
    touched |= {claims[r] for r in reading.changed_since}
    in_play = new | {r for r, pid in claims.items() if pid in touched}
    held = {r: pid for r, pid in reading.unchanged.items() if r in in_play}
    edges.extend(_existing_person_edges(held))
    claims = {r: pid for r, pid in claims.items() if r in in_play}
    clustered = _cluster_persons(reading, in_play, edges, held, claims, say)
    explanations = _explained(scorer, predictions, clustered.review)
    run, written = _write_index(
        reading, model, LinkRun.Mode.INCREMENTAL, clustered, explanations, pairs_scored, new, say
    )
    on_written(run)
    # Whose family links can have changed: the persons a record joined or left, and
    # those whose records' data or match probability changed.
    changed = {clustered.assignment.person_of[r] for r in written}
    changed |= {reading.current[r][0] for r in written if r in reading.current}
    return run, changed


# ---- the steps of a run ----------------------------------------------------------------


def _read(say: Progress) -> _Reading:
    """The index as it stands, and every record's features (from the store where the
    record has not changed)."""
    started = time.monotonic()
    limits = thresholds()
    version = index_version()
    current = _current_links()
    claims = {record: link[0] for record, link in current.items()}
    say("Reading person records")
    features = read_features()
    hashes = features.row_hashes
    changed_since = {
        r for r, link in current.items() if link[3] and hashes.get(r, link[3]) != link[3]
    }
    # A record changed since it was linked is scored again, like a new one; its person
    # still counts when identifiers are handed out (`claims`).
    unchanged = {r: pid for r, pid in claims.items() if r not in changed_since}
    ids = features.table.column("unique_id").to_pylist()
    new_ids = [r for r in ids if r not in unchanged]
    # Counted against the index, not the kept features: a run that stopped has kept
    # features for records it never linked.
    say(
        f"{len(ids):,} person records: {len(new_ids) - len(changed_since):,} not yet "
        f"in the person index, {len(changed_since):,} changed since they were linked"
    )
    return _Reading(
        started, limits, version, current, claims, unchanged, changed_since, new_ids, features
    )


def _model(
    db_api: DatabaseAPI,
    reading: _Reading,
    saved: LinkageModel | None,
    retrain: bool,
    say: Progress,
) -> tuple[Linker, LinkageModel]:
    """The saved model over every record, or one trained now (saved with the index it
    scores, in the index's transaction)."""
    # The new and the indexed records are filtered from this one table, never built again
    # from a million dicts.
    everything = db_api.register(reading.table, dataset_display_name="person_records")
    if saved is not None and not retrain:
        return linkage_model.trained(everything, saved.splink_settings), saved
    records = reading.table.num_rows
    say(f"Training the linkage model on {records:,} records")
    linker = linkage_model.train(everything, records, say)
    # Kept in DuckDB's SQL whichever engine trained it, so either engine reuses it.
    settings = linkage_model.in_dialect(linker.misc.save_model_to_json(), "duckdb")
    version = (saved.version + 1) if saved else 1
    return linker, LinkageModel(
        version=version, trained_on_records=records, splink_settings=settings
    )


def _score_new(reading: _Reading, linker: Linker, db_api: DatabaseAPI, say: Progress) -> list:
    """The new records' predictions: against the indexed records, and among themselves."""
    new_ids, table, lower = reading.new_ids, reading.table, reading.limits.lower
    say(f"Scoring {len(new_ids):,} new records against the index")
    is_new = _among(table, new_ids)
    old = db_api.register(table.filter(pc.invert(is_new)), dataset_display_name="indexed_records")
    new = db_api.register(table.filter(is_new), dataset_display_name="new_records")
    for column in ("given_name", "family_name"):
        linker.table_management.compute_tf_table(column)
    between = linker.inference.predict_between(
        old, new, threshold_match_probability=lower, warning_mode="never"
    )
    within = linker.inference.predict_within(
        new, threshold_match_probability=lower, warning_mode="never"
    )
    return [between, within]


def _scored(prediction_sets: list, lower: float) -> list[Edge]:
    """The model's pairs at or above the lower threshold."""
    edges: list[Edge] = []
    for predictions in prediction_sets:
        edges.extend(_pairs(predictions, lower))
    return edges


def _deterministic(table: pa.Table, new_ids: list[int] | None) -> list[Edge]:
    """Pairs sharing a valid NHS number with compatible dates of birth (with a new
    record, when `new_ids` names them)."""
    return [
        (a, b, 1.0, "deterministic")
        for a, b in deterministic_pairs(_sharing_numbers(table, new_ids))
    ]


def _cluster_persons(
    reading: _Reading,
    in_play: set[int],
    edges: list[Edge],
    held: dict[int, str],
    claims: dict[int, str],
    say: Progress,
) -> _Clustered:
    """Cluster the records in play into persons under the hard rules and the stewards'
    rulings, hand out identifiers (`claims`: the persons these records were), and list
    the pairs a steward should look at. `held`: records whose persons stay together as
    they were (an incremental run's), so that two of one source's records in one person
    are not pulled apart."""
    limits, table = reading.limits, reading.table
    decisions = StewardDecision.objects.filter(withdrawn_at__isnull=True)
    different = {
        frozenset((d.record_a_id, d.record_b_id)) for d in decisions if d.ruling == "different"
    }
    # The records the rules will look at: those in play, and those stewards ruled on.
    ruled = {r for d in decisions for r in (d.record_a_id, d.record_b_id)}
    by_id = _as_dicts(table, None if len(in_play) == table.num_rows else in_play | ruled)
    add_child_service_years(by_id)
    same = [
        (d.record_a_id, d.record_b_id)
        for d in decisions
        if d.ruling == "same"
        and d.record_a_id in by_id
        and d.record_b_id in by_id
        # No ruling joins two councils' records, or overrides another ruling.
        and by_id[d.record_a_id]["authority"] == by_id[d.record_b_id]["authority"]
        and frozenset((d.record_a_id, d.record_b_id)) not in different
    ]

    # What the records say of families (twins, a parent and child of one name).
    family = _family_context(table, by_id)
    # Two records of one source join only on evidence above the stricter bar for a
    # source's own duplicates: a shared NHS number, or the duplicates threshold. In an
    # incremental run a person's records stay together as they were.
    cleared = {
        frozenset(e[:2])
        for e in edges
        if e[3] == "deterministic" or (e[3] == "model" and e[2] >= limits.duplicates_upper)
    }

    def keep_apart(a: int, b: int) -> str | None:
        if frozenset((a, b)) in different:
            return "a data steward said these are different people"
        ra, rb = by_id[a], by_id[b]
        why = must_stay_apart(ra, rb, limits.adult_categories, family)
        if why or frozenset((a, b)) in cleared:
            return why
        if a in held and held.get(a) == held.get(b):
            return None
        return one_source(ra, rb)

    say("Clustering records into persons")
    same = [(a, b) for a, b in same if a in in_play and b in in_play]
    clustering = cluster(
        in_play,
        edges,
        upper=limits.upper,
        keep_apart=keep_apart,
        same_person=same,
        near_certain=limits.duplicates_upper,
        answered_by_near_certain=answered_by_near_certain,
        # A near-certain link of an undated record rests on a name and an address, which a
        # father and the son named for him share: it ties nothing.
        ties=lambda a, b: bool(by_id[a]["birth_year"] and by_id[b]["birth_year"]),
    )
    created_order = _person_ages(set(claims.values()))
    assignment = assign_persons(
        clustering, claims, new_person_id, age=lambda pid: (created_order.get(pid, 0), pid)
    )

    cluster_of = clustering.cluster_of()
    # A steward who said two records are different people said it of the two persons
    # they are in: no other pair of their records asks again.
    ruled_apart = {
        frozenset((cluster_of[a], cluster_of[b]))
        for a, b in (tuple(d) for d in different if len(d) == 2)
        if a in cluster_of and b in cluster_of
    }

    def settled(a: int, b: int, reason: str) -> bool:
        """Whether no steward need look: already one person, ruled on, or two people by
        a rule that knows it."""
        persons = frozenset((cluster_of[a], cluster_of[b]))
        if len(persons) == 1 or persons in ruled_apart:
            return True
        return is_decisive(reason or keep_apart(a, b))

    # One question per two persons: the strongest pair of their records, so that a
    # steward answers once for a person whose records come from many sources; none where
    # any pair of their records settles it.
    strongest: dict[frozenset, tuple[int, int, float, str]] = {}
    two_people: set[frozenset] = set()
    for a, b, p, reason in [
        *((a, b, p, "") for a, b, p, how in edges if how == "model" and p < limits.upper),
        *clustering.refused,
    ]:
        persons = frozenset((cluster_of[a], cluster_of[b]))
        if persons in two_people:
            continue
        if settled(a, b, reason):
            two_people.add(persons)
            strongest.pop(persons, None)
            continue
        best = strongest.get(persons)
        if best is None or (p, reason, -min(a, b)) > (best[2], best[3], -min(best[:2])):
            strongest[persons] = (a, b, p, reason)
    return _Clustered(clustering, assignment, list(strongest.values()))


def _explained(
    scorer: engines.Engine, prediction_sets: list, review: list[tuple[int, int, float, str]]
) -> dict[tuple[int, int], dict]:
    """Each comparison's weight for the pairs a steward will see; then the engine is
    closed (nothing more is scored)."""
    explanations: dict[tuple[int, int], dict] = {}
    for predictions in prediction_sets:
        explanations.update(
            _explanations(scorer.db_api, predictions, [(a, b) for a, b, _, _ in review])
        )
    scorer.close()
    return explanations


def _write_index(
    reading: _Reading,
    model: LinkageModel,
    mode: LinkRun.Mode,
    clustered: _Clustered,
    explanations: dict[tuple[int, int], dict],
    pairs_scored: int,
    rescored: set[int] | None,
    say: Progress,
) -> tuple[LinkRun, list[int]]:
    """Write the person index in one transaction: the run (and a newly trained model),
    new persons, the records whose place changed, retired persons, merges and splits, the
    review queue (`rescored`: the records an incremental run scored; None replaces it)
    and the search entries. Returns the run and the records it wrote."""
    assignment, current = clustered.assignment, reading.current
    say("Writing the person index")
    with transaction.atomic():
        _refuse_if_changed(reading.version)
        if model.pk is None:
            model.save()
        run = LinkRun.objects.create(mode=mode, model=model)
        now = timezone.now()
        with connection.cursor() as cur:
            insert_rows(
                cur,
                Person._meta.db_table,
                ("id", "created_at", "created_by_run_id"),
                [(pid, now, run.pk) for pid in assignment.created],
            )
        written = _write_links(
            run, clustered.clustering, assignment, current, reading.features.row_hashes
        )
        for i in range(0, len(assignment.retired), 5000):
            Person.objects.filter(id__in=assignment.retired[i : i + 5000]).update(
                retired_at=timezone.now()
            )
        changes = [
            IdentityChange(
                kind=IdentityChange.Kind.MERGE,
                person_id=kept,
                other_persons=others,
                records=members,
                reason="records of these persons matched above the linking threshold",
                run=run,
            )
            for kept, others, members in assignment.merges
        ] + [
            IdentityChange(
                kind=IdentityChange.Kind.SPLIT,
                person_id=pid,
                other_persons=to,
                records=moved,
                reason="these records no longer match the rest of the person's records",
                run=run,
            )
            for pid, to, moved in assignment.splits
        ]
        IdentityChange.objects.bulk_create(changes, batch_size=2000)
        _write_review(
            run,
            clustered.review,
            explanations,
            {**{r: link[0] for r, link in current.items()}, **assignment.person_of},
            rescored,
        )
        refresh_search_entries()
        run.finished_at = timezone.now()
        run.records = reading.table.num_rows
        run.pairs_scored = pairs_scored
        run.persons = LinkedRecord.objects.values("person").distinct().count()
        run.persons_created = len(assignment.created)
        run.merges = len(assignment.merges)
        run.splits = len(assignment.splits)
        run.review_pairs = len(clustered.review)
        run.seconds = time.monotonic() - reading.started
        run.save()
    return run, written


_FAMILY_COLUMNS = [
    "authority",
    "source",
    "family_name",
    "given_canonical",
    "birth_year",
    "birth_month",
    "birth_day",
    "postcode",
]


def _family_context(table: pa.Table, by_id: dict[int, dict]) -> FamilyContext:
    """What the records say of the families of the records in play (`by_id`): every
    record sharing a surname with one of them, no other (an incremental run's few new
    records need a few families, not the whole index)."""
    if len(by_id) == table.num_rows:
        return FamilyContext(by_id.values())
    surnames = pa.array({r["family_name"] for r in by_id.values() if r["family_name"]}, pa.string())
    kin = table.filter(pc.is_in(table.column("family_name"), value_set=surnames))
    return FamilyContext(kin.select(_FAMILY_COLUMNS).to_pylist())


def _among(table: pa.Table, ids) -> pa.ChunkedArray:
    """Which of the table's records are these."""
    return pc.is_in(table.column("unique_id"), value_set=pa.array(ids, type=pa.int64()))


def _as_dicts(table: pa.Table, wanted: set[int] | None) -> dict[int, dict]:
    """These records' features (all, if None) by id, as the rules read them."""
    if wanted is not None:
        table = table.filter(_among(table, sorted(wanted)))
    return {r["unique_id"]: r for r in table.select(RULE_COLUMNS).to_pylist()}


def _sharing_numbers(table: pa.Table, new_ids: list[int] | None) -> list[dict]:
    """The records that could pair on an NHS number: all with one, or (when linking new
    records) those with a new record's number."""
    numbers = table.column("nhs_number")
    if new_ids is not None:
        wanted = pc.drop_null(table.filter(_among(table, new_ids)).column("nhs_number")).unique()
        return table.filter(pc.is_in(numbers, value_set=wanted)).to_pylist()
    return table.filter(pc.is_valid(numbers)).to_pylist()


def _existing_person_edges(previous: dict[int, str]) -> list[Edge]:
    first: dict[str, int] = {}
    edges: list[Edge] = []
    for record, pid in sorted(previous.items()):
        if pid in first:
            edges.append((first[pid], record, 1.0, "index"))
        else:
            first[pid] = record
    return edges


class IndexChanged(RuntimeError):
    """The index changed while a link run was working; nothing was written."""


def index_version() -> tuple:
    """What a link run read the index as: newest steward decision, change and run."""
    return (
        StewardDecision.objects.order_by("-pk").values_list("pk", "withdrawn_at").first(),
        IdentityChange.objects.order_by("-pk").values_list("pk", flat=True).first(),
        LinkRun.objects.order_by("-pk").values_list("pk", flat=True).first(),
    )


def _refuse_if_changed(version: tuple) -> None:
    """Inside the write transaction: refuse to overwrite what a steward or another run
    did since this run read the index."""
    lock_index()
    if index_version() != version:
        raise IndexChanged(
            "The person index changed while this run was working (a steward's decision or "
            "another link run); nothing was written. Run familyview link again."
        )


def _current_links() -> dict[int, tuple[str, float, str, str]]:
    """The index as it stands: record -> (person, probability, basis, record hash)."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT person_record_id, person_id, match_probability, basis, "  # noqa: S608
            f"record_hash FROM {LinkedRecord._meta.db_table}"
        )
        return {r: (pid, p, b, h) for r, pid, p, b, h in cur.fetchall()}


def _person_ages(person_ids: set[str]) -> dict[str, int]:
    """The run that created each person: older persons keep their identifier on a tie."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, created_by_run_id FROM {Person._meta.db_table}")  # noqa: S608
        return {pid: run or 0 for pid, run in cur.fetchall() if pid in person_ids}


def _write_links(
    run: LinkRun,
    clustering,
    assignment,
    current: dict[int, tuple[str, float, str, str]],
    hashes: dict[int, str],
) -> list[int]:
    """Write the records whose place in the index changed; returns them."""
    rows = []
    for record, pid in assignment.person_of.items():
        basis = clustering.basis[record]
        link = current.get(record)
        if basis == "index" and link and link[0] == pid and link[3] == hashes[record]:
            continue  # held in its person by the index as it stood: nothing new to say
        basis = "model" if basis == "index" else basis
        p = round(clustering.probability[record], 6)
        if link != (pid, p, basis, hashes[record]):
            rows.append((record, pid, p, basis, run.pk, hashes[record]))
    changed = [r[0] for r in rows if r[0] in current]
    for i in range(0, len(changed), 5000):
        LinkedRecord.objects.filter(person_record_id__in=changed[i : i + 5000]).delete()
    with connection.cursor() as cur:
        insert_rows(
            cur,
            LinkedRecord._meta.db_table,
            (
                "person_record_id",
                "person_id",
                "match_probability",
                "basis",
                "linked_by_run_id",
                "record_hash",
            ),
            rows,
        )
    return [r[0] for r in rows]


def _one_question_per_two_persons(
    unique: dict[tuple[int, int], tuple[float, str]],
    earlier: dict[tuple[int, int], tuple],
    persons: Callable[[int, int], frozenset],
) -> tuple[dict[tuple[int, int], tuple[float, str]], set[tuple[int, int]]]:
    """After an incremental run, one waiting question about any two persons, of the pairs
    still waiting from earlier runs and this run's pairs: a pair a steward marked "not
    sure" first, then one already waiting (a queue that stays put under a steward), then
    the strongest. The others are retired. A pair a worker reported always waits (and is
    the question, where there is one). Returns this run's pairs to add, and which of them
    to add retired (pairs waiting before, kept with their marks)."""
    waiting_statuses = (ReviewPair.Status.OPEN, ReviewPair.Status.NOT_SURE)
    best: dict[frozenset, tuple[tuple, int | None, tuple[int, int]]] = {}
    losers: list[int] = []
    retired: set[tuple[int, int]] = set()
    candidates = [
        (
            (reported is not None, status == ReviewPair.Status.NOT_SURE, True, p, -pk),
            pk,
            (a, b),
        )
        for pk, a, b, status, reported, p in ReviewPair.objects.filter(
            status__in=waiting_statuses
        ).values_list("pk", "record_a", "record_b", "status", "reported_in", "match_probability")
    ]
    for key, (p, _) in unique.items():
        _, status, reported, _ = earlier.get(key, (None, None, None, None))
        if status == ReviewPair.Status.DECIDED:
            continue  # never asked again
        waited = status in waiting_statuses
        rank = (
            waited and reported is not None,
            status == ReviewPair.Status.NOT_SURE,
            waited,
            p,
            0,
        )
        candidates.append((rank, None, key))

    def lose(rank: tuple, pk: int | None, key: tuple[int, int]) -> None:
        if rank[0]:
            return  # a worker's report waits whatever
        if pk is not None:
            losers.append(pk)
        else:
            retired.add(key)

    for rank, pk, key in candidates:
        two = persons(*key)
        if len(two) < 2 or None in two:
            continue
        held = best.get(two)
        if held is None or rank > held[0]:
            if held is not None:
                lose(*held)
            best[two] = (rank, pk, key)
        else:
            lose(rank, pk, key)
    for i in range(0, len(losers), 5000):
        ReviewPair.objects.filter(pk__in=losers[i : i + 5000]).update(status=ReviewPair.Status.GONE)
    # A pair of this run that lost is added retired only where it waited before (a
    # steward's "not sure" note stays with it); a new one is not added.
    marked = {key for key in retired if earlier.get(key, (None, None))[1] in waiting_statuses}
    to_add = {k: v for k, v in unique.items() if k not in retired or k in marked}
    return to_add, marked


def _write_review(
    run: LinkRun,
    review: list,
    explanations: dict,
    person_of: dict[int, str],
    rescored: set[int] | None,
) -> None:
    """Bring the review queue up to date with this run's uncertain pairs.

    A full run (rescored None) replaces the queue; an incremental run replaces only pairs
    involving the records it scored, and retires pairs now in one person. Pairs a steward
    decided never come back; pairs marked "not sure" keep that mark. A pair a worker
    reported as one person (identity/reported_pairs.py) waits whatever the run makes of
    it, until its two records are one person.
    """
    unique: dict[tuple[int, int], tuple[float, str]] = {}
    for a, b, p, reason in review:
        key = (min(a, b), max(a, b))
        best = unique.get(key)
        if best is None or (p, reason) > best:
            unique[key] = (p, reason)
    earlier = {
        (a, b): (pk, status, reported, not_sure)
        for pk, a, b, status, reported, *not_sure in ReviewPair.objects.values_list(
            "pk",
            "record_a",
            "record_b",
            "status",
            "reported_in",
            "not_sure_by",
            "not_sure_at",
            "not_sure_reason",
        )
    }

    # The queue asks once about two persons: where a pair of theirs already waits with a
    # steward's "not sure" or a worker's report, that pair stays the question, as it was,
    # rather than another pair of the same two persons that this run found stronger.
    def persons(a: int, b: int) -> frozenset:
        return frozenset((person_of.get(a), person_of.get(b)))

    asked = {persons(*key) for key in unique}
    kept_as_asked = {
        key: pk
        for key, (pk, status, reported, _) in earlier.items()
        if (
            status == ReviewPair.Status.NOT_SURE
            or (reported is not None and status == ReviewPair.Status.OPEN)
        )
        and None not in persons(*key)
        and len(persons(*key)) == 2
        and persons(*key) in asked
    }
    kept_persons = {persons(*key) for key in kept_as_asked}
    unique = {
        k: v for k, v in unique.items() if k in kept_as_asked or persons(*k) not in kept_persons
    }
    replaced = [earlier[k][0] for k in unique if k in earlier]
    for i in range(0, len(replaced), 5000):
        ReviewPair.objects.filter(pk__in=replaced[i : i + 5000]).exclude(
            status=ReviewPair.Status.DECIDED
        ).delete()
    waiting = ReviewPair.objects.filter(
        status__in=[ReviewPair.Status.OPEN, ReviewPair.Status.NOT_SURE]
    )
    still_reported = [
        pk
        for pk, a, b in waiting.filter(reported_in__isnull=False).values_list(
            "pk", "record_a", "record_b"
        )
        if person_of.get(a) is None or person_of.get(a) != person_of.get(b)
    ]
    waiting = waiting.exclude(
        pk__in=[*still_reported, *(pk for k, pk in kept_as_asked.items() if k not in unique)]
    )
    retired: set[tuple[int, int]] = set()
    if rescored is None:
        waiting.update(status=ReviewPair.Status.GONE)
    else:
        settled = [
            pk
            for pk, a, b in waiting.values_list("pk", "record_a", "record_b")
            if a in rescored or b in rescored or person_of.get(a) == person_of.get(b)
        ]
        for i in range(0, len(settled), 5000):
            ReviewPair.objects.filter(pk__in=settled[i : i + 5000]).update(
                status=ReviewPair.Status.GONE
            )
        unique, retired = _one_question_per_two_persons(unique, earlier, persons)
    rows = []
    for (a, b), (p, reason) in unique.items():
        _, status, reported, not_sure = earlier.get(
            (a, b), (None, ReviewPair.Status.OPEN, None, None)
        )
        if status == ReviewPair.Status.DECIDED:
            continue
        if status != ReviewPair.Status.NOT_SURE:
            status, not_sure = ReviewPair.Status.OPEN, None
        if (a, b) in retired:
            status = ReviewPair.Status.GONE
        # Who looked and was not sure, when and why, stays with the pair.
        by, at, because = not_sure or (None, None, "")
        why = explanations.get((a, b)) or explanations.get((b, a)) or {}
        rows.append(
            (
                a,
                b,
                p,
                why.get("match_weight", 0.0),
                json.dumps(why.get("comparisons", [])),
                reason[:200],
                status,
                run.pk,
                by,
                at,
                because,
                reported,
            )
        )
    with connection.cursor() as cur:
        insert_rows(
            cur,
            ReviewPair._meta.db_table,
            (
                "record_a_id",
                "record_b_id",
                "match_probability",
                "match_weight",
                "explanation",
                "why_not_linked",
                "status",
                "found_by_run_id",
                "not_sure_by_id",
                "not_sure_at",
                "not_sure_reason",
                "reported_in_id",
            ),
            rows,
        )
