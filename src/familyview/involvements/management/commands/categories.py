"""familyview categories load [FILE]: service categories and their sensitivity."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from familyview.involvements.categories import DEFAULT_CATEGORIES_FILE, load_categories


class Command(BaseCommand):
    help = "Load the service categories (and which are sensitive) from a TOML file."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load")
        load.add_argument("file", type=Path, nargs="?", default=DEFAULT_CATEGORIES_FILE)

    def handle(self, *args, action, file, **options):
        try:
            count = load_categories(file)
        except (OSError, ValueError) as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"{count} service categories loaded from {file}")
