"""Where a link run scores pairs: DuckDB in this process (the default) or Apache Spark.

Only the pair scoring (and training, when a run trains) moves: Splink writes the same
model as SQL for either engine. Reading records, the hard rules, clustering and writing
the index stay in this process, the same whichever engine scored the pairs.

Spark runs in local mode on this machine (`local[2]`) or on a cluster whose master URL is
given (`--spark-master` or FAMILYVIEW_SPARK_MASTER, e.g. `spark://linkage-1:7077`). Its
intermediate tables (Splink writes them as Parquet to break long query plans) hold
personal data while a run works: they go in a folder of the run's own under
FAMILYVIEW_SPARK_DIR (default: the system's temporary folder; on a cluster, a folder every
worker reaches, e.g. on HDFS), removed when the run ends, whether it succeeded or not;
so is Spark's catalog folder, which it would otherwise make in the working folder.
Other Spark settings (driver memory, executors) come from Spark's own
`spark-defaults.conf` in the folder SPARK_CONF_DIR names.
"""

import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from splink import DuckDBAPI
from splink.internals.database_api import DatabaseAPI

log = logging.getLogger(__name__)

ENGINES = ("duckdb", "spark")
DEFAULT_SPARK_MASTER = "local[2]"
SPARK_MASTER_ENV = "FAMILYVIEW_SPARK_MASTER"
SPARK_DIR_ENV = "FAMILYVIEW_SPARK_DIR"
_LOCAL_MASTER = re.compile(r"local(?:\[(\d+|\*)(?:,\d+)?\])?")


class EngineUnavailable(RuntimeError):
    """The engine asked for cannot run here (unknown, or PySpark not installed)."""


@dataclass
class Engine:
    """An open engine: Splink's database API for it, and what to close after the run."""

    name: str
    db_api: DatabaseAPI
    _closers: list[Any] = field(default_factory=list, repr=False)

    @property
    def dialect(self) -> str:
        """Splink's name for the engine's SQL: "duckdb" or "spark"."""
        return self.db_api.sql_dialect.sql_dialect_str

    def close(self) -> None:
        """Release the engine and what it wrote; closing twice does nothing."""
        while self._closers:
            self._closers.pop()()


@contextmanager
def open_engine(name: str = "duckdb", *, spark_master: str | None = None) -> Iterator[Engine]:
    """Open the engine a link run scores pairs on, and close it whatever happens."""
    if name == "duckdb":
        engine = _duckdb_engine()
    elif name == "spark":
        engine = _spark_engine(spark_master or os.environ.get(SPARK_MASTER_ENV) or "")
    else:
        raise EngineUnavailable(f"Unknown engine {name!r}: choose one of {', '.join(ENGINES)}")
    try:
        yield engine
    finally:
        engine.close()


def _duckdb_engine() -> Engine:
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/familyview-duckdb'")
    return Engine("duckdb", DuckDBAPI(connection=con), [con.close])


def _spark_engine(master: str) -> Engine:
    try:
        from pyspark.sql import SparkSession
        from splink import SparkAPI
        from splink.backends.spark import similarity_jar_location
    except ImportError as error:
        raise EngineUnavailable(
            "The Spark engine needs PySpark: install Family View with its 'spark' extra "
            "(pip install 'familyview[spark]') and Java 17 or 21."
        ) from error
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise EngineUnavailable("The Spark engine needs Java 17 or 21: none was found.")
    master = master.strip() or DEFAULT_SPARK_MASTER
    local = _LOCAL_MASTER.fullmatch(master)
    base = os.environ.get(SPARK_DIR_ENV, "").strip()
    if not local and not base:
        raise EngineUnavailable(
            f"Spark at {master} needs a folder every worker can reach for the run's "
            f"intermediate tables: set {SPARK_DIR_ENV} (e.g. hdfs:///familyview/linkage)."
        )
    root = (base or f"{tempfile.gettempdir()}/familyview-spark").rstrip("/")
    if "://" not in root:
        Path(root).mkdir(parents=True, exist_ok=True)
    work = f"{root}/run-{uuid.uuid4().hex[:12]}"
    builder = (
        SparkSession.builder.master(master)
        .appName("familyview-link")
        # Splink's similarity functions (Jaro-Winkler and others) for Spark SQL.
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Spark's catalog makes its warehouse folder (`spark-warehouse/`) where it is
        # told, else in the working folder: in the run's own folder, removed with it.
        .config("spark.sql.warehouse.dir", f"{work}/warehouse")
    )
    scratch = None
    if local:
        # One machine: a few shuffle partitions per core, not Spark's 200; Spark's scratch
        # space (shuffles, spills) beside the run's tables, one per process as Spark keeps
        # it for the process's life.
        cores = local.group(1)
        count = (os.cpu_count() or 2) if cores == "*" else int(cores or 1)
        scratch = f"{root}/scratch-{os.getpid()}"
        builder = (
            builder.config("spark.sql.shuffle.partitions", str(max(2, 2 * count)))
            .config("spark.local.dir", scratch)
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
        )
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Py4J, PySpark's bridge to Java, says INFO about every connection, some while the
    # interpreter shuts down.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    spark = builder.getOrCreate()
    # Spark's INFO lines can quote query plans and so values; WARN and above only.
    spark.sparkContext.setLogLevel("WARN")
    spark.sparkContext.setCheckpointDir(f"{work}/checkpoints")
    log.info("Spark %s at %s, intermediate tables under %s", spark.version, master, work)

    def remove_tables() -> None:
        """Remove the run's intermediate tables, wherever they are (HDFS, S3, a disk)."""
        jvm = spark.sparkContext._jvm
        folder = jvm.org.apache.hadoop.fs.Path(work)
        try:
            folder.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(folder, True)
        except Exception:
            log.warning("Could not remove the Spark run's folder %s: remove it by hand", work)

    def remove_scratch() -> None:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)

    # Closed in reverse: the tables first, while Spark runs, then Spark, then its scratch.
    closers = [remove_scratch, spark.stop, remove_tables]
    try:
        db_api = SparkAPI(spark_session=spark, break_lineage_method="parquet")
    except BaseException:
        for close in reversed(closers):
            close()
        raise
    return Engine("spark", db_api, closers)
