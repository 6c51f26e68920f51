"""Rate limits: a token bucket per caller, kept in the database so that every worker
process of a deployment counts the same calls.

An API client has two: one for the client, and one for each member of staff it acts for,
so that one user cannot use up a whole case system's allowance.

A bucket holds at most `burst` tokens and refills at `rate_per_minute`; each call takes
one. An empty bucket answers how long until the next token: the API then says 429 with
Retry-After.
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from familyview.api.models import ApiRateBucket

DEFAULT_RATE_PER_MINUTE = 120
DEFAULT_BURST = 60
DEFAULT_USER_RATE_PER_MINUTE = 60
DEFAULT_USER_BURST = 30


@dataclass(frozen=True)
class RateLimit:
    rate_per_minute: int
    burst: int


def default_limit() -> RateLimit:
    """The deployment's limit (FAMILYVIEW_API_RATE_PER_MINUTE, FAMILYVIEW_API_BURST)."""
    return RateLimit(
        int(getattr(settings, "FAMILYVIEW_API_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE)),
        int(getattr(settings, "FAMILYVIEW_API_BURST", DEFAULT_BURST)),
    )


def user_limit() -> RateLimit:
    """What one member of staff may use through one API client
    (FAMILYVIEW_API_USER_RATE_PER_MINUTE, FAMILYVIEW_API_USER_BURST)."""
    return RateLimit(
        int(getattr(settings, "FAMILYVIEW_API_USER_RATE_PER_MINUTE", DEFAULT_USER_RATE_PER_MINUTE)),
        int(getattr(settings, "FAMILYVIEW_API_USER_BURST", DEFAULT_USER_BURST)),
    )


def take_token(key: str, limit: RateLimit) -> int:
    """Take one call from the caller's bucket: 0 when allowed, otherwise the whole
    seconds to wait before trying again (nothing is taken)."""
    burst = max(limit.burst, 1)
    per_second = max(limit.rate_per_minute, 1) / 60
    now = timezone.now()
    with transaction.atomic():
        bucket = ApiRateBucket.objects.select_for_update().filter(key=key).first()
        if bucket is None:
            try:
                with transaction.atomic():
                    ApiRateBucket.objects.create(key=key, tokens=burst - 1, updated_at=now)
                return 0
            except IntegrityError:
                # Another process made it first: take from theirs.
                bucket = ApiRateBucket.objects.select_for_update().get(key=key)
        elapsed = max((now - bucket.updated_at).total_seconds(), 0.0)
        tokens = min(burst, bucket.tokens + elapsed * per_second)
        if tokens < 1:
            ApiRateBucket.objects.filter(pk=bucket.pk).update(tokens=tokens, updated_at=now)
            return max(math.ceil((1 - tokens) / per_second), 1)
        ApiRateBucket.objects.filter(pk=bucket.pk).update(tokens=tokens - 1, updated_at=now)
        return 0
