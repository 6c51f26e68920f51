"""A data steward's changes to the person index, then the families of the persons they
changed, in the change's own transaction.

identity/stewardship.py makes each change (decides a pair, confirms duplicates, merges,
splits) and audits it; it takes the family update from here, since families are built
from the index a floor above it. The update runs before the change commits: a merged or
split person's family is never shown as it was, and a change that fails leaves the
families as they were.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser

from familyview.families.building import build_families
from familyview.identity import stewardship
from familyview.identity.stewardship import Confirmed, Outcome


def decide_pair(review_pair_id: int, ruling: str, user: AbstractBaseUser, reason: str) -> Outcome:
    """Rule on a pair from the review queue (stewardship.decide_pair)."""
    return stewardship.decide_pair(
        review_pair_id, ruling, user, reason, update_families=_update_families
    )


def confirm_duplicates(
    review_pair_ids: Iterable[int], user: AbstractBaseUser, reason: str
) -> Confirmed:
    """Confirm several pairs of one source's records as one person each
    (stewardship.confirm_duplicates)."""
    return stewardship.confirm_duplicates(
        review_pair_ids, user, reason, update_families=_update_families
    )


def merge_persons(
    person_id: str, other_person_id: str, user: AbstractBaseUser, reason: str
) -> Outcome:
    """Merge another person into this one (stewardship.merge_persons)."""
    return stewardship.merge_persons(
        person_id, other_person_id, user, reason, update_families=_update_families
    )


def split_records(
    person_id: str, record_ids: Iterable[int], user: AbstractBaseUser, reason: str
) -> Outcome:
    """Move some of a person's records to a new person (stewardship.split_records)."""
    return stewardship.split_records(
        person_id, record_ids, user, reason, update_families=_update_families
    )


def _update_families(persons: frozenset[str]) -> None:
    build_families(changed=persons)
