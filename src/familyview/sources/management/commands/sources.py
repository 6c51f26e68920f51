"""familyview sources load FILE | familyview sources list."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from familyview.settings_files import SettingsFileError
from familyview.sources.models import Source
from familyview.sources.registry import load_sources


class Command(BaseCommand):
    help = "Register source systems from a sources.toml file, or list them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="create or update sources from a TOML file")
        load.add_argument("file", type=Path)
        sub.add_parser("list", help="list registered sources")

    def handle(self, *args, action, **options):
        if action == "load":
            path = options["file"]
            if not path.is_file():
                raise CommandError(f"{path} does not exist")
            try:
                sources = load_sources(path)
            except SettingsFileError as e:
                raise CommandError(str(e)) from None
            self.stdout.write(f"{len(sources)} sources registered from {path}")
        else:
            for s in Source.objects.select_related("authority"):
                self.stdout.write(
                    f"{s.code:20} {s.authority.code:16} {s.service_category:24} {s.name}"
                )
