"""The address a request came from, for throttling sign-in guesses and the audit log.

Behind a reverse proxy or load balancer every request comes from the proxy, so the
deployment says how many proxies it trusts (FAMILYVIEW_TRUSTED_PROXIES); the client is
then that many places from the right of X-Forwarded-For. Never trust the header without
that setting: anyone can write it.
"""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's IP address as far as this deployment can tell."""
    proxies = int(getattr(settings, "FAMILYVIEW_TRUSTED_PROXIES", 0))
    if proxies > 0:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:45]
    return str(request.META.get("REMOTE_ADDR", ""))[:45]
