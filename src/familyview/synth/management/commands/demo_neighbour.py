"""familyview demo_neighbour --extracts DIR [--child NAME]: the demo's neighbouring council
(synth/neighbour.py), written into this deployment's database."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from familyview.synth.neighbour import COUNCIL, NeighbourError, set_up_neighbour


class Command(BaseCommand):
    help = (
        "Set up the demo's neighbouring council: Manchester's records of the demo child's "
        "family, with the same NHS numbers and dates of birth (demo only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--extracts",
            type=Path,
            required=True,
            help="the demo authority's folder, as `familyview synth --out` wrote it",
        )
        parser.add_argument(
            "--child", default="Sophia Doyle", help="the README's child (default Sophia Doyle)"
        )

    def handle(self, *args, extracts, child, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_neighbour writes made-up records: not in production")
        try:
            said = set_up_neighbour(Path(extracts), child)
        except NeighbourError as e:
            raise CommandError(str(e)) from None
        if not said:
            self.stdout.write(f"{COUNCIL} is set up already.")
        for line in said:
            self.stdout.write(f"{COUNCIL}: {line}.")
