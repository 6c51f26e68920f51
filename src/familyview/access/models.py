"""Who may use Family View: authorities (councils) and the staff who work for them."""

from django.conf import settings
from django.db import models


class Authority(models.Model):
    """A council running Family View for its own staff. Data never crosses authorities."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        verbose_name_plural = "authorities"
        ordering = ["name"]

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
