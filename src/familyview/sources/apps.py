from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "familyview.sources"
    label = "sources"
    verbose_name = "Sources and imports"
