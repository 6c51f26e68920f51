"""familyview peers add | list | key: the neighbouring deployments (docs/peers.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from familyview.audit.database_files import DatabaseFilesError
from familyview.peers.keys import PeerKeyError, public_key_text
from familyview.peers.registry import PeerRefused, add_peer, peers


class Command(BaseCommand):
    help = "Register, list the neighbouring Family View deployments; show this one's key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="register a neighbouring deployment (or change it)")
        add.add_argument("name", help="the name it signs with (its FAMILYVIEW_PEER_NAME)")
        add.add_argument("url", help="its address, https://...")
        add.add_argument("public_key", help="its public key, as its `familyview peers key` prints")
        add.add_argument(
            "--agreement", required=True, help="the data-sharing agreement's reference"
        )
        add.add_argument(
            "--duty-line", required=True, help="this council's duty line, for what it holds back"
        )
        add.add_argument("--authority", help="this deployment's council under the agreement")
        add.add_argument("--ask", action="store_true", default=True, help="ask it (default)")
        add.add_argument("--no-ask", action="store_false", dest="ask", help="do not ask it")
        add.add_argument("--answer", action="store_true", default=True, help="answer it (default)")
        add.add_argument(
            "--no-answer", action="store_false", dest="answer", help="do not answer it"
        )
        sub.add_parser("list", help="the neighbouring deployments registered")
        sub.add_parser("key", help="this deployment's name and public key, for its neighbours")

    def handle(self, *args, action, **options):
        try:
            if action == "add":
                peer = add_peer(
                    options["name"],
                    options["url"],
                    options["public_key"],
                    agreement=options["agreement"],
                    authority_code=options["authority"],
                    duty_line=options["duty_line"],
                    ask=options["ask"],
                    answer=options["answer"],
                )
                self.stdout.write(
                    f"{peer.name} ({peer.url}) registered for {peer.authority.name} under "
                    f"agreement {peer.agreement}: asking {_on(peer.ask)}, answering "
                    f"{_on(peer.answer)}."
                )
            elif action == "list":
                registered = peers()
                if not registered:
                    self.stdout.write("No neighbouring deployments are registered.")
                for peer in registered:
                    self.stdout.write(
                        f"{peer.name}\t{peer.url}\t{peer.authority.code}\tagreement "
                        f"{peer.agreement}\tasking {_on(peer.ask)}\tanswering {_on(peer.answer)}"
                    )
            else:
                name = settings.FAMILYVIEW_PEER_NAME
                if not name:
                    raise CommandError(
                        "FAMILYVIEW_PEER_NAME is not set: give this deployment the name its "
                        "neighbours will register it by"
                    )
                self.stdout.write(f"{name} {public_key_text()}")
        except (PeerRefused, PeerKeyError, DatabaseFilesError) as e:
            raise CommandError(str(e)) from None


def _on(flag: bool) -> str:
    return "on" if flag else "off"
