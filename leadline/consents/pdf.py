"""The printable consent form: every 42 CFR 2.31 element, the text the participant agreed to, and either
the signature given on the screen or blank lines to sign on paper (then scanned and uploaded)."""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from leadline.consents.accounting import AccountingRow
from leadline.consents.models import AccountingRequest, Consent, ConsentDocument
from leadline.core import display
from leadline.core.pdf import Document


def _date(value: Any) -> str:
    return display.day(value) if value else ""  # the one helper (decision 0040), in the site's zone


def consent_form_pdf(consent: Consent) -> bytes:
    with translation.override(consent.language or "en"):
        doc = Document(
            title=str(consent.get_kind_display()),
            footer=_("Consent #%(id)s · wording %(version)s")
            % {"id": consent.pk, "version": consent.wording_version},
        )
        doc.heading(_("Consent to disclose information"))
        doc.paragraph(str(consent.get_kind_display()), bold=True)
        doc.field(_("Participant"), consent.participant_name)
        doc.field(_("Who may disclose"), consent.discloser)
        doc.field(_("To whom"), consent.recipient)
        doc.field(_("What information"), consent.information)
        doc.field(_("Purpose"), consent.purpose)
        expiry = _date(consent.expires_on)
        if consent.expiry_event:
            expiry = _("%(date)s, or when %(event)s, whichever comes first") % {
                "date": expiry, "event": consent.expiry_event,
            }  # fmt: skip
        doc.field(_("Expires"), expiry or _("No date set"))
        if consent.irrevocable:
            until = " / ".join(v for v in (_date(consent.irrevocable_until), consent.irrevocable_event) if v)
            doc.field(_("Cannot be revoked before"), until)
        doc.ln(2)
        doc.heading(_("What I agree to"), size=12)
        for paragraph in consent.form_text.split("\n\n"):
            doc.paragraph(paragraph)
        signature = ConsentDocument.objects.filter(consent=consent, purpose="signature").first()
        doc.ln(2)
        if signature is not None and signature.content_type == "image/png":
            doc.image(io.BytesIO(bytes(signature.data)), w=70)
            doc.paragraph(
                _("Signed on the screen by %(name)s on %(date)s.")
                % {"name": consent.signed_by_name, "date": _date(consent.signed_at)}
            )
        elif signature is not None:
            doc.paragraph(
                _("Signed on paper by %(name)s; the signed copy was uploaded on %(date)s.")
                % {"name": consent.signed_by_name, "date": _date(signature.added_at)}
            )
        else:
            doc.signature_line(_("Signature of the participant"))
            doc.signature_line(_("Date signed"))
            doc.signature_line(_("If signed by a representative: name and authority"))
        if consent.signer_relationship:
            doc.paragraph(_("Signed by a representative: %(rel)s.") % {"rel": consent.signer_relationship})
        if consent.revoked_at:
            doc.ln(2)
            doc.paragraph(
                _("Revoked on %(date)s: %(note)s")
                % {"date": _date(consent.revoked_at), "note": consent.revocation_note},
                bold=True,
            )
        return doc.render()


def accounting_pdf(request: AccountingRequest, rows: list[AccountingRow]) -> bytes:
    """The accounting of disclosures (42 CFR 2.25, 45 CFR 164.528(b)) as given to the participant, in
    their language: for each disclosure the date, the recipient, what was disclosed and why."""
    with translation.override(request.language or "en"):
        doc = Document(
            title=_("Accounting of disclosures"),
            footer=_("Accounting #%(id)s · 42 CFR 2.25") % {"id": request.pk},
        )
        doc.heading(_("Accounting of disclosures"))
        participant = request.participant
        doc.field(_("Participant"), f"{participant.given_name} {participant.family_name}".strip())
        doc.field(
            _("Requested by"),
            request.requested_by_name
            + (f" ({request.requester_relationship})" if request.requester_relationship else ""),
        )
        doc.field(_("Request received"), _date(request.received_on))
        doc.field(
            _("Disclosures from"),
            _("%(start)s to %(end)s")
            % {
                "start": _date(request.period_start),
                "end": _date(request.period_end),
            },
        )
        doc.paragraph(
            _(
                "Every disclosure of your information made under a consent you signed, in the period you "
                "asked about. Repeated disclosures to the same recipient of the same information are listed "
                "once, with the first and last dates and how many times."
            )
        )
        if rows:
            doc.data_table(
                [_("Date"), _("Recipient"), _("What was disclosed"), _("Purpose")],
                [
                    [_dates(r), f"{r.recipient_name}\n{r.organisation}", "; ".join(r.information), r.purpose]
                    for r in rows
                ],
                widths=(20, 25, 30, 25),
            )
        else:
            doc.paragraph(_("Nothing was disclosed under a consent in this period."), bold=True)
        if request.answered_at:
            doc.paragraph(_("Answered on %(date)s.") % {"date": _date(request.answered_at)})
        return doc.render()


def _dates(row: AccountingRow) -> str:
    if row.count == 1:
        return _date(row.first)
    return _("%(first)s to %(last)s (%(n)s times)") % {
        "first": _date(row.first),
        "last": _date(row.last),
        "n": row.count,
    }
