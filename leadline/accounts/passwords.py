"""Breached-password check (OWASP ASVS 6.2.12, NIST 800-63B 3.1.1.2).

Django's CommonPasswordValidator already refuses the 20,000 most common passwords from breach
corpora, offline. Where a site can reach a Pwned Passwords range service (LEADLINE_PWNED_PASSWORDS_URL,
e.g. https://api.pwnedpasswords.com/range/), this validator also asks it, by k-anonymity: only the first
five hex digits of the SHA-1 leave the server. If the service cannot be reached the password is not
refused on that ground (the offline list still applied) and the failure is logged without the password.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.request

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _range_lines(url: str, prefix: str) -> str:
    if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise ValueError("the breached-password service must be HTTPS")
    request = urllib.request.Request(url + prefix, headers={"Add-Padding": "true", "User-Agent": "Leadline"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 (scheme checked above)
        return response.read().decode("utf-8")


class BreachedPasswordValidator:
    def validate(self, password: str, user: object = None) -> None:
        url = getattr(settings, "LEADLINE_PWNED_PASSWORDS_URL", "")
        if not url:
            return
        digest = hashlib.sha1(password.encode("utf-8")).hexdigest().upper()  # noqa: S324 (protocol-defined)
        prefix, suffix = digest[:5], digest[5:]
        try:
            body = _range_lines(url, prefix)
        except Exception:  # network trouble must not block sign-up, nor leak the password to logs
            logger.warning("breached-password service unreachable; offline list only")
            return
        for line in body.splitlines():
            candidate, _sep, count = line.partition(":")
            if candidate.strip().upper() == suffix and count.strip() not in ("", "0"):
                raise ValidationError(
                    _("This password has appeared in a data breach. Choose another."),
                    code="password_breached",
                )

    def get_help_text(self) -> str:
        return _("Your password must not be one that has appeared in a data breach.")
