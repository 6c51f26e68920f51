from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "familyview.audit"
    label = "audit"
    verbose_name = "Audit log"
