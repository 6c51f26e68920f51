"""familyview audit verify | checkpoint | public-key | rotate-key.

`verify` exits 1 when it finds anything wrong, listing each finding with its kind and the
event's sequence number; 0 when the log, its person index, its checkpoints and its witness
(if any) agree. Files of another database (a journal, a keyring) are refused, exit 1.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from familyview.audit import checkpoints
from familyview.audit.database_files import DatabaseFilesError
from familyview.audit.keys import rotate_key
from familyview.audit.verify import verify_log


class Command(BaseCommand):
    help = "Verify the audit log, sign a checkpoint, show or rotate the signing key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check the hash chain and signed checkpoints")
        verify.add_argument(
            "--public-keys",
            type=Path,
            help="a keyring file held apart from this server (default: the local keyring)",
        )
        verify.add_argument(
            "--journal", type=Path, help="the checkpoint journal (default: beside the key)"
        )
        verify.add_argument(
            "--witness",
            type=Path,
            help="the witness's copy of every event (default: FAMILYVIEW_AUDIT_WITNESS_FILE), "
            "or an extract of its syslog lines",
        )
        sub.add_parser("checkpoint", help="sign a checkpoint of the newest event now")
        sub.add_parser("public-key", help="print the current public key for the keyring")
        sub.add_parser("rotate-key", help="retire the signing key and start a new one")

    def handle(self, *args, action, **options):
        try:
            if action == "verify":
                self._verify(options["public_keys"], options["journal"], options["witness"])
            elif action == "checkpoint":
                made = checkpoints.checkpoint_now()
                if made is None:
                    self.stdout.write("The audit log is empty: nothing to checkpoint.")
                else:
                    self.stdout.write(
                        f"Checkpoint of event {made.sequence} signed with key {made.key_id}."
                    )
            elif action == "public-key":
                key = checkpoints.signing_key(create=False).public_key()
                self.stdout.write(
                    f"{checkpoints.key_id_of(key)} {checkpoints.public_key_text(key)}"
                )
            else:
                r = rotate_key()
                self.stdout.write(
                    f"New signing key {r.new_key_id}; first checkpoint at event "
                    f"{r.first_new_checkpoint}."
                )
                if r.retired_key_file:
                    self.stdout.write(
                        f"Old key {r.old_key_id} closed with a checkpoint at event "
                        f"{r.last_old_checkpoint} and moved to {r.retired_key_file}.\n"
                        "Add the new public key to every copy of the keyring "
                        f"({checkpoints.keyring_file()}), then destroy the old key file."
                    )
        except (checkpoints.AuditKeyError, DatabaseFilesError) as e:
            raise CommandError(str(e)) from None

    def _verify(self, keyring: Path | None, journal: Path | None, witness: Path | None) -> None:
        if keyring is not None and not keyring.is_file():
            raise CommandError(f"{keyring} does not exist")
        started = time.perf_counter()
        report = verify_log(
            keyring_path=keyring,
            journal_path=journal,
            witness_path=witness,
            progress=lambda n: self.stderr.write(f"{n:,} events checked"),
        )
        seconds = time.perf_counter() - started
        for finding in report.findings:
            self.stdout.write(str(finding))
        if report.findings_total > len(report.findings):
            self.stdout.write(
                f"... and {report.findings_total - len(report.findings):,} more findings"
            )
        summary = (
            f"{report.events_checked:,} events and {report.checkpoints_checked:,} checkpoints "
            f"checked in {seconds:.1f} s"
        )
        if report.ok:
            self.stdout.write(f"The audit log is intact: {summary}.")
            return
        raise CommandError(
            f"The audit log has been tampered with: {report.findings_total:,} findings; {summary}."
        )
