"""Who may use Family View: authorities (councils), the staff who work for them, and how
staff sign in (second factor, single sign-on identity, sessions, guessing throttles)."""

from django.conf import settings
from django.db import models


class Authority(models.Model):
    """A council running Family View for its own staff. Data never crosses authorities."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    # Staff who sign in with single sign-on belong to the authority whose Entra ID tenant
    # (the ID token's `tid` claim) signed them in.
    sso_tenant_id = models.CharField(
        "single sign-on tenant id",
        max_length=100,
        blank=True,
        help_text="The council's Microsoft Entra ID tenant id (the `tid` claim).",
    )

    class Meta:
        verbose_name_plural = "authorities"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["sso_tenant_id"],
                condition=~models.Q(sso_tenant_id=""),
                name="one_authority_per_sso_tenant",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    TEAM_MANAGER = "team_manager", "Team manager"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    DATA_STEWARD = "data_steward", "Data steward"
    ADMINISTRATOR = "administrator", "Administrator"


class StaffMembership(models.Model):
    """A member of staff's role within one authority."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=32, choices=Role.choices)
    team = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "authority", "role"], name="one_role_per_user_authority"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()} at {self.authority}"


class StaffAccount(models.Model):
    """How one member of staff signs in, beside Django's user (which keeps the password).

    A local account has a second factor: a TOTP secret, kept encrypted with a key outside
    the database. A single sign-on account is known by its identity provider's issuer and
    subject, and has no password or second factor here (the council's provider asks).
    Every session carries the account's session generation from when it started; raising
    the generation ends all of them at once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_account"
    )
    totp_secret_encrypted = models.TextField(blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last 30-second step whose code was accepted: a code works once only.
    totp_last_used_step = models.BigIntegerField(null=True, blank=True)
    session_generation = models.PositiveIntegerField(default=0)
    sso_issuer = models.CharField(max_length=300, blank=True)
    sso_subject = models.CharField(max_length=300, blank=True)
    # Demo accounts share a published password and a printed secret: never real staff.
    is_demo = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sso_issuer", "sso_subject"],
                condition=~models.Q(sso_subject=""),
                name="one_account_per_sso_identity",
            )
        ]

    def __str__(self) -> str:
        return f"sign-in account of {self.user}"

    @property
    def has_second_factor(self) -> bool:
        return bool(self.totp_secret_encrypted) and self.totp_confirmed_at is not None


class SignInThrottle(models.Model):
    """Failed sign-in attempts against one username or from one client address.

    Too many failures within the window lock the key for a while. Unknown usernames are
    counted exactly like known ones, so the lockout says nothing about which accounts exist.
    """

    class Kind(models.TextChoices):
        USERNAME = "username", "Username"
        ADDRESS = "address", "Client address"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=150)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="one_throttle_per_key")]

    def __str__(self) -> str:
        return f"{self.failures} failed sign-ins for {self.kind} {self.key}"
