"""Keeping sessions honest: stamp each new session, end them all when access changes."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from familyview.access.models import StaffMembership
from familyview.access.sessions import end_sessions_of, stamp_new_session


@receiver(user_logged_in, dispatch_uid="familyview.access.stamp_new_session")
def _stamp_session(sender, request, user, **kwargs) -> None:
    stamp_new_session(request.session, user)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="familyview.access.disabling")
def _note_disabling(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None or instance.is_active:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    was_active = (
        get_user_model().objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
    )
    instance._familyview_disabled_now = bool(was_active)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="familyview.access.disabled")
def _end_sessions_of_disabled_user(sender, instance, **kwargs) -> None:
    if getattr(instance, "_familyview_disabled_now", False):
        instance._familyview_disabled_now = False
        end_sessions_of(instance)


@receiver(post_save, sender=StaffMembership, dispatch_uid="familyview.access.role_saved")
@receiver(post_delete, sender=StaffMembership, dispatch_uid="familyview.access.role_deleted")
def _end_sessions_on_role_change(sender, instance, **kwargs) -> None:
    end_sessions_of(instance.user_id)
