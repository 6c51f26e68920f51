from django.apps import AppConfig


class InvolvementsConfig(AppConfig):
    name = "familyview.involvements"
    label = "involvements"
    verbose_name = "Service involvements"
