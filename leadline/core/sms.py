"""Sending SMS through a provider interface (PRODUCT.md §6: an SMS provider, from environment variables).

LEADLINE_SMS_BACKEND chooses the backend:
- "console" (the embedded default): writes the message to the log, for the demo;
- "http": POSTs JSON {"to", "body"} to LEADLINE_SMS_URL with "Authorization: Bearer LEADLINE_SMS_TOKEN"
  (most SMS gateways, or a small adapter in front of one, accept this shape);
- "locmem" (tests): keeps messages in `outbox`.
Messages never carry participant content: a hand-off page names the place and the offence code, and
asks the recipient to open Leadline.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    to: str
    body: str


outbox: list[Sms] = []  # the locmem backend's messages


class SmsError(Exception):
    pass


def send_sms(to: str, body: str) -> None:
    backend = getattr(settings, "LEADLINE_SMS_BACKEND", "console")
    if backend == "locmem":
        outbox.append(Sms(to=to, body=body))
    elif backend == "console":
        logger.info("SMS to %s: %s", to[-4:].rjust(len(to), "•"), body)
    elif backend == "http":
        url = settings.LEADLINE_SMS_URL
        if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise SmsError("LEADLINE_SMS_URL must be https")
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url,
            data=json.dumps({"to": to, "body": body}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.LEADLINE_SMS_TOKEN}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                if response.status >= 300:
                    raise SmsError(f"provider answered {response.status}")
        except OSError as exc:
            raise SmsError(str(exc)) from exc
    else:
        raise SmsError(f"unknown LEADLINE_SMS_BACKEND {backend!r}")
