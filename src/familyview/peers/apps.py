from django.apps import AppConfig


class PeersConfig(AppConfig):
    name = "familyview.peers"
    label = "peers"
    verbose_name = "Neighbouring councils"
