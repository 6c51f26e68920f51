"""familyview api-clients add|list|revoke: the systems allowed to call the API."""

from django.core.management.base import BaseCommand, CommandError

from familyview.access.models import Authority
from familyview.api.clients import ClientError, issue_client, revoke_client
from familyview.api.models import ApiClient


class Command(BaseCommand):
    help = "Add, list or revoke API clients (systems that call the API for an authority)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        add = commands.add_parser("add", help="register a client and print its token once")
        add.add_argument("--authority", required=True, help="the authority's code")
        add.add_argument("--name", required=True, help="e.g. the case management system")
        add.add_argument("--rate", type=int, help="calls a minute (default: the deployment's)")
        add.add_argument("--by", default="", help="who is adding it (recorded)")
        commands.add_parser("list", help="every client, live and revoked")
        revoke = commands.add_parser("revoke", help="stop a client's token working")
        revoke.add_argument("key_id", help="the client's key id (see list)")

    def handle(self, *args, action: str, **options):
        try:
            if action == "add":
                self._add(options)
            elif action == "list":
                self._list()
            else:
                client = revoke_client(options["key_id"])
                self.stdout.write(f"Revoked {client.name} ({client.key_id})")
        except ClientError as e:
            raise CommandError(str(e)) from None

    def _add(self, options) -> None:
        authority = Authority.objects.filter(code=options["authority"]).first()
        if authority is None:
            raise CommandError(f"There is no authority with code {options['authority']!r}")
        issued = issue_client(authority, options["name"], options["by"], options["rate"])
        self.stdout.write(
            f"Added {issued.client.name} for {authority.name} (key id {issued.client.key_id}).\n"
            "Its token, shown this once only (keep it in the calling system's secret store):\n"
            f"{issued.token}"
        )

    def _list(self) -> None:
        for client in ApiClient.objects.select_related("authority"):
            state = f"revoked {client.revoked_at:%Y-%m-%d}" if client.revoked_at else "live"
            used = f"{client.last_used_at:%Y-%m-%d %H:%M}" if client.last_used_at else "never"
            self.stdout.write(
                f"{client.key_id}  {client.authority.code}  {client.name}  {state}  "
                f"last used {used}"
            )
