from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "familyview.web"
    label = "web"
    verbose_name = "Pages"
