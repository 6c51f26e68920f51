"""The API's own tables: the systems allowed to call it, what each remembers for the
member of staff it acts for, and how fast each may call."""

from django.conf import settings
from django.db import models


class ApiClient(models.Model):
    """A system (a case management system, another council's tool) allowed to call the
    API for one authority, acting for that authority's staff.

    Its credential is a bearer token `fv_<key_id>_<secret>`: the key id finds the client,
    and only a SHA-256 hash of the secret is kept (the secret is long and random, so a
    slow password hash would add nothing but time to every call).
    """

    authority = models.ForeignKey(
        "access.Authority", on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(max_length=200)
    key_id = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Calls per minute this client may make; None: the deployment's default
    # (FAMILYVIEW_API_RATE_PER_MINUTE).
    rate_per_minute = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["authority__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_api_client_name_per_authority",
            )
        ]

    def __str__(self) -> str:
        return f"API client {self.name} ({self.key_id})"


class ApiActingSession(models.Model):
    """What an API client remembers for one member of staff, as a browser session does:
    the purposes of access they gave and the shielded people they justified seeing.

    It ends as a signed-in session does: after FAMILYVIEW_SESSION_ABSOLUTE_TIMEOUT, or
    when the account changes (disabled, roles changed: its session generation moves on).
    """

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    started_at = models.DateTimeField()
    generation = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "user"], name="one_api_session_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.client} acting for user {self.user_id}"


class ApiRateBucket(models.Model):
    """A token bucket per caller (an API client, or a signed-in user of the pages'
    session): each call takes a token; tokens come back at the caller's rate."""

    key = models.CharField(max_length=64, unique=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"rate bucket {self.key}: {self.tokens:.1f}"
