"""The neighbouring deployments this one may ask and answer, and the one-time ids of the
requests it has answered (kept until they expire, so that a replay is refused)."""

from django.db import models


class Peer(models.Model):
    """Another council's Family View deployment, under a data-sharing agreement with one
    council of this deployment. Asking and answering are switched on separately."""

    # The name the peer signs its requests with (`kid` and `iss`), and that this
    # deployment addresses its own requests to (`aud`).
    name = models.SlugField(max_length=40, unique=True)
    # Where its answering endpoint lives: https://family-view.example.gov.uk
    url = models.URLField(max_length=300)
    # Its Ed25519 public key, as its `familyview peers key` prints it ("ed25519:...").
    public_key = models.CharField(max_length=64)
    agreement = models.CharField("data-sharing agreement reference", max_length=100)
    # The council of this deployment the agreement is for: its workers ask this peer,
    # and its records answer it.
    authority = models.ForeignKey("access.Authority", on_delete=models.PROTECT)
    ask = models.BooleanField(default=True)
    answer = models.BooleanField(default=True)
    # This council's duty line given to the peer: what a shielded person is answered with.
    duty_line = models.CharField(max_length=40, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SeenRequest(models.Model):
    """A peer's request answered (or being answered): its one-time id, until it expires."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE)
    request_id = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["peer", "request_id"], name="peers_request_once")
        ]

    def __str__(self) -> str:
        return f"request {self.request_id} of {self.peer_id}"
