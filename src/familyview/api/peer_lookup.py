"""The answering end of the cross-border protocol, POST /peer/v1/lookup (docs/peers.md).

Another council's Family View deployment calls it, signed with its own key: no session,
no CSRF token, no member of staff. The view only hands the body to the peers' domain
function, which checks the signature, answers or refuses, and records either in the
audit log.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from familyview.access.rules import public
from familyview.peers.answer import answer_lookup
from familyview.peers.protocol import CONTENT_TYPE, MAX_BODY_BYTES


@public
@csrf_exempt
@require_POST
def lookup(request: HttpRequest) -> HttpResponse:
    """A neighbouring council's question: the signed answer, or a problem."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    # A body longer than the limit is refused before it is read; a body of another type
    # (a form, JSON) is not a signed request, and is refused as unsigned unread.
    signed = request.content_type == CONTENT_TYPE
    body = request.body if signed and length <= MAX_BODY_BYTES else b""
    reply = answer_lookup(body, length=length)
    response = HttpResponse(reply.body, status=reply.status, content_type=reply.content_type)
    response["Cache-Control"] = "no-store"
    return response
