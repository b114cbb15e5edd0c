"""The inbound webhook of the LEAD number (see services/line.py for the signature scheme)."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from leadline.audit.models import AuditEvent
from leadline.audit.services import audit_record
from leadline.core import clock
from leadline.referrals.services.line import handoff_request_by_phone, signature_valid

MAX_BODY = 8_192
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")


def _plain(value: object) -> str:
    """The value as text, without NUL or other control characters (issue #15 item 9). A NUL cannot be
    stored (PostgreSQL refuses it), and refusing the delivery would leave the officer's request unraised
    through every retry of the provider: dropped, the same way each time, the words and the id still
    serve (a retry still finds the request it raised)."""
    return str(value).translate(_CONTROL)


@csrf_exempt  # no session and no cookie: the HMAC signature is the authentication
@require_POST
def lead_line_inbound(request: HttpRequest) -> JsonResponse:
    secret = settings.LEADLINE_LINE_SECRET
    if not secret:
        raise Http404  # the phone line is not configured at this site
    body = request.body[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        return JsonResponse({"error": "body too large"}, status=413)
    if not signature_valid(
        secret=secret,
        timestamp=request.headers.get("X-Leadline-Timestamp", ""),
        body=body,
        signature=request.headers.get("X-Leadline-Signature", ""),
        now=clock.now(),
        max_skew_seconds=settings.LEADLINE_LINE_MAX_SKEW_SECONDS,
    ):
        audit_record(
            actor=None, action=AuditEvent.Action.DENIED, subject_type="lead_line",
            reason="inbound webhook with a missing, wrong or stale signature",
        )  # fmt: skip
        return JsonResponse({"error": "signature"}, status=403)
    try:
        payload = json.loads(body)
        channel = _plain(payload.get("channel", ""))
        from_phone = _plain(payload.get("from", "")).strip()
        text = _plain(payload.get("text", ""))
        message_id = _plain(payload.get("message_id", "")).strip()
    except (ValueError, AttributeError, RecursionError):
        return JsonResponse({"error": "the body must be a JSON object"}, status=400)
    errors = {}
    if channel not in ("sms", "voice"):
        errors["channel"] = "must be sms or voice"
    if not from_phone:
        errors["from"] = "the caller's number is required"
    if not message_id:
        errors["message_id"] = "the provider's message or call id is required"
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    answer = handoff_request_by_phone(
        channel=channel, from_phone=from_phone, text=text, message_id=message_id
    )
    return JsonResponse(
        {"reply": answer.reply, "request": answer.handoff.pk if answer.handoff else None},
        status=201 if answer.created else 200,
    )
