"""`familyview link --engine spark`: Splink's Spark backend (local mode) on a small synthetic
authority finds the same persons as DuckDB with the same saved model: the same pairs above
the lower threshold, the same probabilities (to floating point), the same clusters, the
same review queue."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from familyview.identity import linkage
from familyview.identity import model as linkage_model
from familyview.identity.engines import SPARK_DIR_ENV, EngineUnavailable, open_engine
from familyview.identity.linkage import link
from familyview.identity.models import LinkageModel, LinkedRecord, ReviewPair
from familyview.sources.ingest import ingest
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


@pytest.mark.django_db
@pytest.mark.slow
@pytest.mark.filterwarnings(SPARK_SOCKETS)
def test_spark_and_duckdb_find_the_same_persons(authority, tmp_path, monkeypatch):
    monkeypatch.setenv(SPARK_DIR_ENV, str(tmp_path / "spark"))
    scored: list[list] = []  # each run's model pairs above the lower threshold
    engines: list[set[str]] = []  # the kinds of Splink table each run's predictions were

    def pairs(predictions, lower):
        found = original(predictions, lower)
        scored[-1].extend(found)
        engines[-1].add(type(predictions).__name__)
        return found

    original = linkage._pairs
    monkeypatch.setattr(linkage, "_pairs", pairs)
    load(authority)

    scored.append([])
    engines.append(set())
    on_duckdb = link(incremental=False)  # trains and saves the model on DuckDB
    duckdb_persons, duckdb_queue = persons(), review_queue()
    duckdb_pairs = {(a, b): p for a, b, p, _ in scored[-1]}

    scored.append([])
    engines.append(set())
    on_spark = link(incremental=False, engine="spark")  # the saved model, scored on Spark
    spark_pairs = {(min(a, b), max(a, b)): p for a, b, p, _ in scored[-1]}
    duckdb_pairs = {(min(a, b), max(a, b)): p for (a, b), p in duckdb_pairs.items()}

    assert engines == [{"DuckDBDataFrame"}, {"SparkDataFrame"}]
    assert on_spark.model == on_duckdb.model  # reused, not trained again
    assert LinkageModel.objects.count() == 1
    assert len(duckdb_pairs) > 100 and on_spark.pairs_scored == on_duckdb.pairs_scored
    assert spark_pairs.keys() == duckdb_pairs.keys()
    assert max(abs(spark_pairs[k] - duckdb_pairs[k]) for k in duckdb_pairs) < 1e-9
    assert persons() == duckdb_persons
    assert any(len(p) > 1 for p in duckdb_persons)
    queue = review_queue()
    assert duckdb_queue and queue.keys() == duckdb_queue.keys()
    assert all(abs(queue[k][0] - duckdb_queue[k][0]) < 1e-9 for k in queue)
    assert all(queue[k][1] == duckdb_queue[k][1] for k in queue)
    # Spark's intermediate tables (personal data) were there, and are gone with the run.
    assert (tmp_path / "spark").is_dir() and not any((tmp_path / "spark").iterdir())


def test_a_saved_model_written_for_spark_and_back_is_the_same_model():
    saved = {**linkage_model.settings().create_settings_dict("duckdb"), "sql_dialect": "duckdb"}
    saved["comparisons"][0]["comparison_levels"][1]["m_probability"] = 0.9
    saved["probability_two_random_records_match"] = 0.001
    for_spark = linkage_model.in_dialect(saved, "spark")
    assert for_spark["sql_dialect"] == "spark"
    assert for_spark["probability_two_random_records_match"] == 0.001
    first = for_spark["comparisons"][0]["comparison_levels"]
    assert first[1]["m_probability"] == 0.9
    assert first[3]["sql_condition"].startswith("jaro_winkler(")  # Splink's Spark function
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
