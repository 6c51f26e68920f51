"""The `familyview` console command: Django's management commands under one name.

`familyview synth`, `familyview ingest`, `familyview sources load`, `familyview migrate`...
Exit codes: 0 success, 1 failure, 2 bad usage (from argparse).
"""

import os
import sys


def main() -> None:
    """Run a Family View command with the project's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "familyview.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["familyview", *sys.argv[1:]])


if __name__ == "__main__":
    main()
