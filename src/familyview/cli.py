"""The `familyview` console command: Django's management commands under one name.

`familyview synth`, `familyview ingest`, `familyview sources load`, `familyview migrate`...
Exit codes: 0 success, 1 failure, 2 bad usage (from argparse), 130 interrupted.
"""

import os
import re
import sys

# What a database says when the schema is not there yet (PostgreSQL, SQLite).
_NOT_MIGRATED = re.compile(r'relation "[^"]+" does not exist|no such table')


# The commands that serve pages: in production they refuse while demo accounts exist.
_SERVING = {"runserver"}


def main() -> None:
    """Run a Family View command with the project's settings. A database that cannot be
    reached, or has no tables yet, is one sentence and exit 1, not a traceback; so are a
    setting that cannot be read and production mode configured into danger
    (familyview/production.py)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "familyview.settings")
    import django
    from django.conf import settings
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError, ProgrammingError

    from familyview.audit.database_files import DatabaseFilesError
    from familyview.production import ProductionRefused, SettingRefused, refuse_demo_accounts

    try:
        if getattr(settings, "PRODUCTION", False) and sys.argv[1:2] and sys.argv[1] in _SERVING:
            django.setup()
            refuse_demo_accounts()
        execute_from_command_line(["familyview", *sys.argv[1:]])
    except ProductionRefused as e:
        sys.exit(_refusal(e))
    except SettingRefused as e:
        sys.exit(f"familyview: {e}")
    except DatabaseFilesError as e:
        sys.exit(f"familyview: {e}")
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


def _refusal(refused: Exception) -> str:
    """What production mode says when it will not start: a line per reason."""
    return "\n".join(
        f"familyview: production mode will not start: {reason}"
        for reason in str(refused).splitlines()
    )


if __name__ == "__main__":
    main()
