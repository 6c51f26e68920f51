"""`familyview link --engine spark`: Splink's Spark backend (local mode) on a small synthetic
authority finds the same persons as DuckDB with the same saved model, in full and
incremental runs: the same pairs above the lower threshold, the same probabilities (to
floating point), the same clusters, the same review queue."""

import sys
from contextlib import suppress
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from familyview.identity import linkage
from familyview.identity import model as linkage_model
from familyview.identity.engines import SPARK_DIR_ENV, EngineUnavailable, open_engine
from familyview.identity.models import LinkageModel, LinkedRecord, LinkRun, ReviewPair
from familyview.pipeline.imports import ingest
from familyview.pipeline.linking import link
from familyview.sources.registry import load_sources
from familyview.synth.generator import generate

# PySpark's result iterators leave their local sockets to the garbage collector.
SPARK_SOCKETS = "ignore:unclosed <socket.socket:ResourceWarning"


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    out = tmp_path_factory.mktemp("authority")
    generate(people=300, seed=23, out=out)
    return out


def load(authority) -> None:
    for source in load_sources(authority / "sources.toml"):
        folder = authority / source.code
        if folder.is_dir():
            outcome = ingest(source.code, [folder], "tests")
            assert outcome.ok, outcome.extract_import.message


def persons() -> set[frozenset[int]]:
    """The index as a partition of record ids: who is one person, whatever their ids."""
    groups: dict[str, set[int]] = {}
    for record, pid in LinkedRecord.objects.values_list("person_record_id", "person_id"):
        groups.setdefault(pid, set()).add(record)
    return {frozenset(g) for g in groups.values()}


def review_queue() -> dict[tuple[int, int], tuple[float, str]]:
    return {
        (a, b): (p, why)
        for a, b, p, why in ReviewPair.objects.filter(status="open").values_list(
            "record_a", "record_b", "match_probability", "why_not_linked"
        )
    }


@dataclass
class Outcome:
    """What one link run produced, whatever the engine."""

    run: LinkRun
    engine: set[str]  # the kinds of Splink table its predictions were
    pairs: dict[tuple[int, int], float]  # model pairs above the lower threshold
    levels: dict[tuple[int, int], dict[str, int]]  # each pair's level in each comparison
    persons: set[frozenset[int]]
    queue: dict[tuple[int, int], tuple[float, str]]


class Rollback(Exception):
    """Undo a run, so that the next one starts from the same index."""


# The one inherent difference: DuckDB's Jaro-Winkler counts transpositions as whole pairs,
# Splink's Spark function as halves, so a name pair can fall on another of the name
# comparisons' Jaro-Winkler levels (>= 0.92: 2, >= 0.8: 1, else 0) and score differently.
NAME_COMPARISONS = {"given_name", "family_name"}
JARO_WINKLER_LEVELS = {0, 1, 2}


def jaro_winkler_only(duckdb: dict[str, int], spark: dict[str, int]) -> bool:
    """Whether two engines' levels for a pair differ only as their Jaro-Winklers can."""
    differ = {c for c in duckdb if duckdb[c] != spark[c]}
    return bool(differ) and all(
        c in NAME_COMPARISONS and {duckdb[c], spark[c]} <= JARO_WINKLER_LEVELS for c in differ
    )


def assert_same(spark: Outcome, duckdb: Outcome) -> None:
    assert duckdb.engine == {"DuckDBDataFrame"} and spark.engine == {"SparkDataFrame"}
    assert spark.run.model == duckdb.run.model  # the saved model, reused
    only = sorted(spark.pairs.keys() ^ duckdb.pairs.keys())
    assert not only, f"pairs found by one engine only: {only}"
    differ = {k: (duckdb.pairs[k], spark.pairs[k]) for k in duckdb.pairs}
    differ = {k: v for k, v in differ.items() if abs(v[0] - v[1]) >= 1e-9}
    unexplained = {
        k: v for k, v in differ.items() if not jaro_winkler_only(duckdb.levels[k], spark.levels[k])
    }
    assert not unexplained, f"pairs scored differently (DuckDB, Spark): {unexplained}"
    # And pairs that score the same are at the same levels: no difference hides.
    assert all(duckdb.levels[k] == spark.levels[k] for k in duckdb.pairs if k not in differ)
    assert len(differ) <= len(duckdb.pairs) // 100
    assert spark.persons == duckdb.persons
    assert spark.queue.keys() == duckdb.queue.keys()
    for k, (p, why) in duckdb.queue.items():
        assert spark.queue[k][1] == why
        assert abs(spark.queue[k][0] - p) < 1e-9 or k in differ


@pytest.mark.django_db
@pytest.mark.slow
@pytest.mark.filterwarnings(SPARK_SOCKETS)
def test_spark_and_duckdb_find_the_same_persons(authority, tmp_path, monkeypatch):
    monkeypatch.setenv(SPARK_DIR_ENV, str(tmp_path / "spark"))
    working = tmp_path / "working"  # the folder the command is run from
    working.mkdir()
    monkeypatch.chdir(working)
    seen: dict = {}

    def pairs(predictions, lower):
        found = original(predictions, lower)
        seen["pairs"].update({(min(a, b), max(a, b)): p for a, b, p, _ in found})
        seen["engine"].add(type(predictions).__name__)
        levels = predictions.query_sql(
            f"SELECT * FROM {{this}} WHERE match_probability >= {lower}"
        ).as_pyarrow_table()
        gammas = [c for c in levels.column_names if c.startswith("gamma_")]
        for row in levels.select(["unique_id_l", "unique_id_r", *gammas]).to_pylist():
            key = (
                min(row["unique_id_l"], row["unique_id_r"]),
                max(row["unique_id_l"], row["unique_id_r"]),
            )
            seen["levels"][key] = {g[6:]: row[g] for g in gammas}
        return found

    original = linkage._pairs
    monkeypatch.setattr(linkage, "_pairs", pairs)

    def linked(**how) -> Outcome:
        seen.update(pairs={}, levels={}, engine=set())
        run = link(**how)
        return Outcome(
            run, seen["engine"], seen["pairs"], seen["levels"], persons(), review_queue()
        )

    load(authority)
    on_duckdb = linked(incremental=False)  # trains and saves the model on DuckDB
    assert len(on_duckdb.pairs) > 100 and any(len(p) > 1 for p in on_duckdb.persons)
    assert on_duckdb.queue
    assert set(on_duckdb.levels) == set(on_duckdb.pairs)
    assert {"given_name", "family_name", "date_of_birth"} <= set(
        next(iter(on_duckdb.levels.values()))
    )
    on_spark = linked(incremental=False, engine="spark")  # that model, scored on Spark
    assert_same(on_spark, on_duckdb)
    assert LinkageModel.objects.count() == 1

    # Incremental runs (the default): every 7th record arrives anew, scored against the
    # index and among themselves; each engine starts from the same index.
    arriving = list(LinkedRecord.objects.values_list("person_record_id", flat=True))[::7]
    incremental = {}
    for engine in ("duckdb", "spark"):
        with suppress(Rollback), transaction.atomic():
            LinkedRecord.objects.filter(person_record_id__in=arriving).delete()
            incremental[engine] = linked(engine=engine)
            raise Rollback
    assert incremental["duckdb"].run.mode == "incremental"
    assert 0 < incremental["duckdb"].run.pairs_scored < on_duckdb.run.pairs_scored
    assert_same(incremental["spark"], incremental["duckdb"])

    # Spark's intermediate tables (personal data) were there, and are gone with the runs.
    assert (tmp_path / "spark").is_dir() and not any((tmp_path / "spark").iterdir())
    # Nothing left in the working folder either (Spark's `spark-warehouse/` went there).
    assert not any(working.iterdir())


def test_a_saved_model_written_for_spark_and_back_is_the_same_model():
    saved = {**linkage_model.settings().create_settings_dict("duckdb"), "sql_dialect": "duckdb"}
    saved["comparisons"][0]["comparison_levels"][1]["m_probability"] = 0.9
    saved["probability_two_random_records_match"] = 0.001
    for_spark = linkage_model.in_dialect(saved, "spark")
    assert for_spark["sql_dialect"] == "spark"
    assert for_spark["probability_two_random_records_match"] == 0.001
    first = for_spark["comparisons"][0]["comparison_levels"]
    assert first[1]["m_probability"] == 0.9
    near = next(lv for lv in first if lv["label_for_charts"].startswith("Jaro-Winkler"))
    assert near["sql_condition"].startswith("jaro_winkler(")  # Splink's Spark function
    # A level written in DuckDB's SQL is Spark's SQL there: columns, not string literals.
    swapped = next(lv for lv in first if lv["label_for_charts"].startswith("Given and family"))
    assert "jaro_winkler(`given_name_l`, `family_name_r`)" in swapped["sql_condition"]
    assert "`authority`" in for_spark["blocking_rules_to_generate_predictions"][0]["blocking_rule"]
    back = linkage_model.in_dialect(for_spark, "duckdb")
    assert back["comparisons"] == saved["comparisons"] and back["sql_dialect"] == "duckdb"
    assert linkage_model.in_dialect(saved, "duckdb") is saved  # DuckDB runs use it as saved


def test_a_saved_model_with_other_comparisons_is_refused_for_spark():
    saved = linkage_model.settings().create_settings_dict("duckdb")
    saved["comparisons"][0]["comparison_levels"][3]["sql_condition"] = (
        'jaro_winkler_similarity("given_name_l", "given_name_r") >= 0.95'
    )
    with pytest.raises(linkage_model.ModelMismatch, match="--retrain"):
        linkage_model.in_dialect(saved, "spark")


def test_an_unknown_engine_or_a_cluster_without_shared_folder_is_refused(monkeypatch):
    with (
        pytest.raises(EngineUnavailable, match="choose one of duckdb, spark"),
        open_engine("oracle"),
    ):
        pass
    monkeypatch.delenv(SPARK_DIR_ENV, raising=False)
    with (
        pytest.raises(EngineUnavailable, match=SPARK_DIR_ENV),
        open_engine("spark", spark_master="spark://linkage-1:7077"),
    ):
        pass


@pytest.mark.django_db
def test_the_link_command_wants_the_spark_engine_for_a_spark_master():
    with pytest.raises(CommandError, match="--spark-master needs --engine spark"):
        call_command("link", "--spark-master", "local[2]")


@pytest.mark.django_db
def test_without_pyspark_or_java_the_link_command_says_what_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # as if PySpark were not installed
    with pytest.raises(CommandError, match=r"familyview\[spark\]"):
        call_command("link", "--engine", "spark")
    monkeypatch.delitem(sys.modules, "pyspark.sql")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(CommandError, match="needs Java 17 or 21"):
        call_command("link", "--engine", "spark")
