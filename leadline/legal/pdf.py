"""The notices the legal clock sends (issue #5): a do-not-file notice or an expungement request when the
rule was met, from the site's template; a return-to-ordinary-processing notice when it was not.

A notice carries the matter's facts, the rule agreed at the diversion and whether it was met: never how
(no intake answers, no contact counts), never treatment information or case notes — it goes to the
prosecutor and the court. Notices are in English, the language of the court.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _

from leadline.core import clock, display
from leadline.core.pdf import Document
from leadline.legal import clock as legal_clock
from leadline.legal.models import LegalMatter, Notice

if TYPE_CHECKING:
    from leadline.legal.selectors import Requirement
    from leadline.sites.models import Site


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:  # a placeholder the site's text should not have: left visible
        return "{" + key + "}"


def _date(value: Any) -> str:
    return display.day(value) if value else "—"  # the one helper (decision 0040), in the site's zone


def rule_text(matter: LegalMatter) -> str:
    if matter.mode == LegalMatter.Mode.EXPUNGE_AFTER_PARTICIPATION:
        return _("expungement after %(days)s days of participation in LEAD, as agreed at the diversion") % {
            "days": matter.days
        }
    return _("no filing if the LEAD intake is completed within %(days)s days") % {"days": matter.days}


def notice_pdf(*, notice: Notice, matter: LegalMatter, requirement: Requirement, site: Site | None) -> bytes:
    tz = site.time_zone if site else "UTC"
    participant = matter.participant
    assert participant is not None  # notices are made before any purge
    charges = "; ".join(
        " ".join(x for x in (c.statute, c.get_degree_display() if c.degree else "", c.description) if x)
        for c in matter.charges.all()
    )
    last_day = legal_clock.last_day(matter.incident_at, matter.days, tz)
    with translation.override("en"):
        doc = Document(
            title=str(notice.get_kind_display()),
            footer=_("Notice %(ref)s · generated %(when)s")
            % {"ref": notice.reference, "when": _date(clock.local_date(notice.generated_at))},
        )
        doc.paragraph(site.name if site else "LEAD", bold=True)
        doc.heading(str(notice.get_kind_display()))
        doc.field(_("To"), notice.sent_to)
        doc.field(_("Reference"), notice.reference)
        doc.field(_("Person"), f"{participant.given_name} {participant.family_name}")
        doc.field(_("Date of birth"), _date(participant.date_of_birth))
        doc.field(_("Arrest or incident"), _date(legal_clock.local_date(matter.incident_at, tz)))
        doc.field(_("Arresting agency"), matter.agency.name if matter.agency else "")
        doc.field(_("Charges"), charges)
        doc.field(_("Rule"), rule_text(matter))
        doc.field(_("Last day of the window"), _date(last_day))
        if notice.is_clearance:
            text = (site.clearance_notice_text if site else "").format_map(
                _Blank(
                    participant=f"{participant.given_name} {participant.family_name}",
                    date_of_birth=_date(participant.date_of_birth),
                    incident_date=_date(legal_clock.local_date(matter.incident_at, tz)),
                    charges=charges,
                    rule=rule_text(matter),
                    last_day=_date(last_day),
                    reference=notice.reference,
                )
            )
            request = (
                _("Request: expunge the record of this arrest and seal it.")
                if notice.kind == Notice.Kind.EXPUNGEMENT
                else _("Request: do not file charges for this incident.")
            )
            doc.paragraph(request, bold=True)
            doc.paragraph(text)
        else:
            doc.paragraph(
                _("The diversion requirement was not met by the last day of the window."), bold=True
            )
            doc.paragraph(
                _(
                    "Under the LEAD agreement this matter returns to the prosecutor for ordinary processing. "
                    "The prosecutor may instead extend the window, with a reason, in Leadline."
                )
            )
        doc.signature_line(_("Confirmed by (name, office) and date"))
        return doc.render()
