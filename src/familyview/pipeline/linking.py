"""A link run, then the families: every family after a full run, only the changed
persons' after an incremental one.

The person index is written in one transaction (identity/linkage.py), the families in
another (families/building.py), so a run stopped with Ctrl-C has written neither, or the
index alone: `LinkInterrupted` says which, and the next run or `familyview families
build` brings the families up to date.
"""

from familyview.families.building import build_families
from familyview.identity import linkage
from familyview.identity.linkage import LinkInterrupted, Progress
from familyview.identity.models import LinkRun
from familyview.sources.loading import cyclic_gc_paused


def link(
    *,
    retrain: bool = False,
    incremental: bool | None = None,
    progress: Progress | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> LinkRun:
    """Build or update the person index (identity/linkage.py, which says what each
    argument does), then the families of what it changed. Returns the run with its
    counts.

    Raises linkage.NothingToLink when no person record has been imported, and
    LinkInterrupted when the run is stopped (Ctrl-C)."""
    linked = linkage.link(
        retrain=retrain,
        incremental=incremental,
        progress=progress,
        engine=engine,
        spark_master=spark_master,
    )
    with linkage.ctrl_c_noted() as pressed:
        try:
            with cyclic_gc_paused():
                build_families(progress, changed=linked.changed, run=linked.run.pk)
        except KeyboardInterrupt:
            raise LinkInterrupted(linked.run) from None
        except Exception:
            if pressed.is_set():
                raise LinkInterrupted(linked.run) from None
            raise
    return linked.run
