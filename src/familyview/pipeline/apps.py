from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "familyview.pipeline"
    label = "pipeline"
    verbose_name = "Pipeline"
