"""An import of one extract, then its source's search entries.

The search entries are the person index's, so sources/ does not write them: the pipeline
hands the refresh to the import as its `people_loaded` step. It runs inside the import's
one transaction, right after the people load, for two reasons. A record the import has
just shielded is shielded in search the moment the import commits (its housemates'
addresses are never shown beside it), and a killed import leaves neither. And it costs
no time: while it runs, a second process is still checking the involvements.
"""

from datetime import date
from pathlib import Path

from familyview.identity.search import refresh_search_entries
from familyview.sources import ingest as sources_ingest
from familyview.sources.ingest import IngestOutcome, Progress


def ingest(
    source_code: str,
    paths: list[Path],
    imported_by: str,
    progress: Progress | None = None,
    today: date | None = None,
    allow_mass_ending: bool = False,
    dry_run: bool = False,
) -> IngestOutcome:
    """Import one extract of a source (sources/ingest.py, which says what each argument
    does), refreshing the source's search entries in the import's transaction."""
    return sources_ingest.ingest(
        source_code,
        paths,
        imported_by,
        progress=progress,
        today=today,
        allow_mass_ending=allow_mass_ending,
        dry_run=dry_run,
        people_loaded=_refresh_search_entries,
    )


def _refresh_search_entries(source_id: int) -> None:
    # Only the source's shielded records and those already indexed: search finds
    # persons, and a new record joins one (and gets its entry) in the next link run.
    refresh_search_entries(source_id, new_records=False)
