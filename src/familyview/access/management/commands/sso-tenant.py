"""familyview sso-tenant AUTHORITY TENANT_ID: whose staff single sign-on brings in.

Staff signed in by the council's identity provider belong to the authority whose tenant id
is the ID token's `tid` claim (Microsoft Entra ID's directory id). Audited.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from familyview.access.models import Authority
from familyview.audit.events import record_event


class Command(BaseCommand):
    help = "Set the single sign-on tenant id (Entra ID directory id) of an authority."

    def add_arguments(self, parser):
        parser.add_argument("authority", help="the authority's code, e.g. stockport")
        parser.add_argument("tenant_id", help="the tenant id; an empty string removes it")

    def handle(self, *args, authority, tenant_id, **options):
        tenant_id = tenant_id.strip()
        with transaction.atomic():
            council = Authority.objects.select_for_update().filter(code=authority).first()
            if council is None:
                raise CommandError(f"there is no authority with the code {authority}")
            other = (
                Authority.objects.filter(sso_tenant_id=tenant_id).exclude(pk=council.pk).first()
                if tenant_id
                else None
            )
            if other is not None:
                raise CommandError(f"the tenant {tenant_id} already belongs to {other.code}")
            council.sso_tenant_id = tenant_id
            council.save(update_fields=["sso_tenant_id"])
            record_event(
                None,
                "admin.sso_tenant",
                authority_id=council.pk,
                details={"authority": council.code, "tenant_id": tenant_id},
            )
        if tenant_id:
            self.stdout.write(
                f"Single sign-on from tenant {tenant_id} signs staff in to {council.name}."
            )
        else:
            self.stdout.write(f"{council.name} has no single sign-on tenant now.")
