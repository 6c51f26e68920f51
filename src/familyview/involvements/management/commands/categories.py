"""familyview categories load: service categories and their sensitivity."""

from django.core.management.base import BaseCommand, CommandError

from familyview.involvements.categories import categories_file, load_categories
from familyview.settings_files import SettingsFileError


class Command(BaseCommand):
    help = (
        "Load the service categories (and which are sensitive) from the file in force: "
        "the council's, named by FAMILYVIEW_SERVICE_CATEGORIES, else the built-in one."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load")

    def handle(self, *args, action, **options):
        try:
            count = load_categories()
        except SettingsFileError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"{count} service categories loaded from {categories_file()}")
