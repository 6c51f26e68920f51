"""The `familyview` console command: Django's management commands under one name.

`familyview synth`, `familyview ingest`, `familyview sources load`, `familyview migrate`...
Exit codes: 0 success, 1 failure, 2 bad usage (from argparse), 130 interrupted.
"""

import os
import re
import sys

# What a database says when the schema is not there yet (PostgreSQL, SQLite).
_NOT_MIGRATED = re.compile(r'relation "[^"]+" does not exist|no such table')


def main() -> None:
    """Run a Family View command with the project's settings. A database that cannot be
    reached, or has no tables yet, is one sentence and exit 1, not a traceback."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "familyview.settings")
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError, ProgrammingError

    try:
        execute_from_command_line(["familyview", *sys.argv[1:]])
    except (OperationalError, ProgrammingError) as e:
        said = " ".join(str(e).split())
        if _NOT_MIGRATED.search(said):
            sys.exit(
                "familyview: the database has no Family View tables yet "
                f"({said}): run `familyview migrate` first"
            )
        if isinstance(e, OperationalError):
            sys.exit(f"familyview: the database named by DATABASE_URL cannot be used: {said}")
        raise


if __name__ == "__main__":
    main()
