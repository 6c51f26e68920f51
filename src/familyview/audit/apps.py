from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "familyview.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # Registers `familyview check --deploy`'s check that the witness can be written.
        from familyview.audit import witness  # noqa: F401
