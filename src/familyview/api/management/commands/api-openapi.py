"""familyview api-openapi [--check] [--out PATH]: write the API's OpenAPI document."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from familyview.api.openapi import checked_in_path, openapi_text


class Command(BaseCommand):
    help = (
        "Write the API's OpenAPI 3 document, generated from the code, to docs/openapi.json "
        "(or --out); with --check, only say whether the checked-in copy is up to date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, help="where to write it (docs/openapi.json)")
        parser.add_argument(
            "--check", action="store_true", help="fail if the file differs from the code"
        )

    def handle(self, *args, out: Path | None, check: bool, **options):
        path = out or checked_in_path()
        text = openapi_text()
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                raise CommandError(
                    f"{path} is not the document the code generates: run "
                    "`familyview api-openapi` and commit it"
                )
            self.stdout.write(f"{path} is up to date")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
