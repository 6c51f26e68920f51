from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "familyview.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from familyview.access import (  # noqa: F401 - connects the receivers, registers the check
            demo,
            signals,
        )
