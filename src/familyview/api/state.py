"""What the API remembers between calls for one member of staff: the purposes of access
they gave and the shielded people they justified seeing.

In the pages' session this is the browser session itself. For an API client it is an
ApiActingSession row per client and user, read and written through the same functions
(access.purpose, access.break_glass), so both remember the same things in the same way
and end on the same terms.
"""

from collections.abc import Iterator, MutableMapping
from typing import Any

from django.conf import settings
from django.utils import timezone

from familyview.access.sessions import generation_of
from familyview.api.models import ApiActingSession, ApiClient


class ActingState(MutableMapping):
    """A dict-like view of an ApiActingSession's data that knows whether it changed."""

    def __init__(self, row: ApiActingSession) -> None:
        self.row = row
        self.modified = False

    def __getitem__(self, key: str) -> Any:
        return self.row.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.row.data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self.row.data[key]
        self.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(self.row.data)

    def __len__(self) -> int:
        return len(self.row.data)

    def save(self) -> None:
        if self.modified:
            self.row.save(update_fields=["data", "started_at", "generation", "updated_at"])
            self.modified = False


def acting_state(client: ApiClient, user_id: int) -> ActingState:
    """The client's remembered state for this user; a fresh one when the last has lasted
    longer than a signed-in session may, or the account changed since it began."""
    now = timezone.now()
    generation = generation_of(user_id)
    row, created = ApiActingSession.objects.get_or_create(
        client=client, user_id=user_id, defaults={"started_at": now, "generation": generation}
    )
    state = ActingState(row)
    expired = now - row.started_at > settings.FAMILYVIEW_SESSION_ABSOLUTE_TIMEOUT
    if not created and (expired or row.generation != generation):
        row.data = {}
        row.started_at = now
        row.generation = generation
        state.modified = True
    return state
